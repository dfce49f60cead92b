package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class MaskPlannerTest {
    private static final int CUSTOMERS = 16400;

    private static final Map<Integer, MaskPlanner.ColumnRef> CATALOG = Map.of(
            1, new MaskPlanner.ColumnRef("public", "customers", "id"),
            2, new MaskPlanner.ColumnRef("public", "customers", "ssn"),
            3, new MaskPlanner.ColumnRef("public", "customers", "notes"),
            4, new MaskPlanner.ColumnRef("public", "customers", "card_number"));

    private static final MaskPlanner.ColumnResolver RESOLVER = (table, attr) -> table == CUSTOMERS
            ? Optional.ofNullable(CATALOG.get(attr))
            : Optional.empty();

    private static final List<Field> FIELDS = List.of(
            new Field("id", CUSTOMERS, 1, 23, 4, -1, 1),
            new Field("tax", CUSTOMERS, 2, 1043, -1, 15, 0), // the alias does not hide the column
            new Field("notes", CUSTOMERS, 3, 25, -1, -1, 0),
            new Field("card_number", CUSTOMERS, 4, 20, 8, -1, 1),
            new Field("upper", 0, 0, 25, -1, -1, 0),
            new Field("doc", 0, 0, 3802, -1, -1, 1),
            new Field("n", 0, 0, 23, 4, -1, 0),
            new Field("x", 99999, 7, 25, -1, -1, 0));

    @Test
    void rulesByLineageDetectionOnOtherTextColumns() {
        MaskingRules policy = MaskingRules.builder()
                .column("customers.ssn", MaskFunction.LAST4)
                .column("*.card_number", MaskFunction.LAST4)
                .detector(Detector.EMAIL)
                .build();
        assertArrayEquals(new ColumnMask[] {
                null,
                ColumnMask.apply(MaskFunction.LAST4, 1043, 0),
                ColumnMask.detect(25, 0),
                ColumnMask.apply(MaskFunction.LAST4, 20, 1), // int8: masks to NULL
                ColumnMask.detect(25, 0),
                ColumnMask.detect(3802, 1),
                null,
                ColumnMask.detect(25, 0), // a table the catalog does not know
        }, MaskPlanner.plan(FIELDS, RESOLVER, policy));
    }

    @Test
    void withoutDetectorsOnlyRulesApply() {
        MaskingRules policy = MaskingRules.builder().column("ssn", MaskFunction.REDACT).build();
        ColumnMask[] plan = MaskPlanner.plan(FIELDS, RESOLVER, policy);
        assertArrayEquals(new ColumnMask[] { null, ColumnMask.apply(MaskFunction.REDACT, 1043, 0), null, null, null,
                null, null, null }, plan);
        assertFalse(MaskPlanner.passesEverything(plan));
        assertTrue(MaskPlanner.passesEverything(MaskPlanner.plan(FIELDS, RESOLVER, MaskingRules.none())));
    }
}
