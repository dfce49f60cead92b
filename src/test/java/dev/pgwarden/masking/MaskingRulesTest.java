package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class MaskingRulesTest {

    private final MaskingRules policy = MaskingRules.builder()
            .column("public.customers.ssn", "LAST4")
            .column("billing.*.card_number", "last4")
            .column("customers.email", MaskFunction.EMAIL)
            .column("*.card_number", "REDACT")
            .column("tax_id", "hash")
            .column("hr.emp*.salary*", "null")
            .detectors(List.of("ssn", "Card"))
            .onDerived("block")
            .build();

    @Test
    void threePartsNameSchemaTableAndColumn() {
        assertEquals(Optional.of(MaskFunction.LAST4), policy.forColumn("public", "customers", "ssn"));
        assertEquals(Optional.empty(), policy.forColumn("archive", "customers", "ssn"));
        assertEquals(Optional.empty(), policy.forColumn("public", "customers_old", "ssn"));
    }

    @Test
    void twoPartsMeanAnySchemaAndOnePartAnyTable() {
        assertEquals(Optional.of(MaskFunction.EMAIL), policy.forColumn("archive", "customers", "email"));
        assertEquals(Optional.of(MaskFunction.REDACT), policy.forColumn("public", "orders", "card_number"));
        assertEquals(Optional.of(MaskFunction.HASH), policy.forColumn("x", "y", "tax_id"));
        assertEquals(Optional.empty(), policy.forColumn("public", "orders", "email"));
    }

    @Test
    void firstMatchWins() {
        assertEquals(Optional.of(MaskFunction.LAST4), policy.forColumn("billing", "payments", "card_number"));
    }

    @Test
    void namesMatchIgnoringCaseAndWildcardsWithinParts() {
        assertEquals(Optional.of(MaskFunction.LAST4), policy.forColumn("PUBLIC", "Customers", "SSN"));
        assertEquals(Optional.of(MaskFunction.NULL), policy.forColumn("hr", "employees", "salary_eur"));
        assertEquals(Optional.of(MaskFunction.NULL), policy.forColumn("hr", "emp", "salary"));
        assertEquals(Optional.empty(), policy.forColumn("hr", "staff", "salary"));
    }

    @Test
    void anUnknownSchemaMatchesOnlyAWildcard() {
        assertEquals(Optional.empty(), policy.forColumn(null, "customers", "ssn"));
        assertEquals(Optional.of(MaskFunction.EMAIL), policy.forColumn(null, "customers", "email"));
    }

    @Test
    void detectorsAndOnDerived() {
        assertEquals(EnumSet.of(Detector.SSN, Detector.CARD), policy.detectors());
        assertEquals(MaskingRules.OnDerived.BLOCK, policy.onDerived());
        assertEquals(MaskingRules.OnDerived.MASK, MaskingRules.none().onDerived());
        assertTrue(MaskingRules.none().detectors().isEmpty());
        assertEquals(6, policy.rules().size());
    }

    @Test
    void unknownNamesAreRejectedByName() {
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> MaskingRules.builder().column("public.customers.ssn", "SCRAMBLE"));
        assertTrue(f.getMessage().contains("'SCRAMBLE'") && f.getMessage().contains("public.customers.ssn"), f.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> MaskingRules.builder().detector("iban"));
        assertTrue(d.getMessage().contains("'iban'"), d.getMessage());
        IllegalArgumentException o = assertThrows(IllegalArgumentException.class,
                () -> MaskingRules.builder().onDerived("allow"));
        assertTrue(o.getMessage().contains("'allow'"), o.getMessage());
    }

    @Test
    void malformedPatternsAreRejected() {
        for (String bad : new String[] { "", "  ", "a.b.c.d", "a..b", ".ssn", "ssn." }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MaskingRules.builder().column(bad, MaskFunction.REDACT), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> MaskingRules.builder().column(null, MaskFunction.REDACT));
        assertThrows(NullPointerException.class, () -> MaskingRules.builder().column("ssn", (MaskFunction) null));
    }

    @Test
    void theModelIsImmutable() {
        assertThrows(UnsupportedOperationException.class, () -> policy.rules().clear());
        assertThrows(UnsupportedOperationException.class, () -> policy.detectors().clear());
    }

    @Test
    void patternsParse() {
        assertEquals(new ColumnPattern("*", "*", "ssn"), ColumnPattern.parse("SSN"));
        assertEquals(new ColumnPattern("*", "customers", "ssn"), ColumnPattern.parse("customers.ssn"));
        assertEquals(new ColumnPattern("public", "customers", "ssn"), ColumnPattern.parse(" public.customers.ssn "));
        assertTrue(ColumnPattern.parse("*.*.*").matches(null, null, "anything"));
        assertTrue(ColumnPattern.parse("c*s*n").matches("s", "t", "customer_ssn"));
        assertEquals(false, ColumnPattern.parse("c*s*n").matches("s", "t", "customer_ssn_x"));
    }
}
