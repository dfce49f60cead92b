package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.pgwarden.wire.DiagnosticFields;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.MessageWriter;
import io.vertx.core.buffer.Buffer;

class DiagnosticTextMaskerTest {
    private static final DiagnosticTextMasker STRICT = new DiagnosticTextMasker(ContentDetectors.all(), true);
    private static final DiagnosticTextMasker DETECTORS_ONLY = new DiagnosticTextMasker(ContentDetectors.all(), false);

    private static DiagnosticFields fields(Map<Character, String> f) {
        MessageWriter w = MessageWriter.typed(MessageTypes.ERROR_RESPONSE);
        f.forEach((k, v) -> w.int8(k).cstring(v));
        Buffer b = w.int8(0).finish();
        return DiagnosticFields.parse(b, 0, b.length());
    }

    private static Map<Character, String> error(String sqlState, String message) {
        Map<Character, String> f = new LinkedHashMap<>();
        f.put('S', "ERROR");
        f.put('V', "ERROR");
        f.put('C', sqlState);
        f.put('M', message);
        return f;
    }

    @Test
    void aQuotedValueIsMaskedWhateverItContains() {
        DiagnosticFields out = STRICT.mask(fields(error("22P02",
                "invalid input syntax for type integer: \"{\"name\":\"bob\"} x\"")), "SELECT v::int FROM t");
        assertEquals("invalid input syntax for type integer: \"****\"", out.get('M'));
        assertEquals("22P02", out.get('C'));
    }

    @Test
    void namesInTheirOwnFieldsAndTheClientsTokenAtThePositionStay() {
        Map<Character, String> f = error("23505", "duplicate key value violates unique constraint \"p_ssn_key\"");
        f.put('D', "Key (ssn)=(623-45-6789) already exists.");
        f.put('n', "p_ssn_key");
        DiagnosticFields out = STRICT.mask(fields(f), "UPDATE p SET ssn = x");
        assertEquals("duplicate key value violates unique constraint \"p_ssn_key\"", out.get('M'));
        assertEquals("Key (ssn)=(****) already exists.", out.get('D'));
        Map<Character, String> g = error("42703", "column \"nme\" does not exist");
        g.put('P', "8");
        assertNull(STRICT.mask(fields(g), "SELECT nme FROM t"), "nothing to change");
    }

    @Test
    void aNameTheClientWroteElsewhereIsNoExemption() {
        Map<Character, String> f = error("22P02", "invalid input syntax for type integer: \"flu\"");
        DiagnosticFields out = STRICT.mask(fields(f), "SELECT 1 AS flu, diagnosis::int FROM visits");
        assertEquals("invalid input syntax for type integer: \"****\"", out.get('M'));
    }

    @Test
    void keyValuesFailingRowsAndUnquotedDataTails() {
        assertEquals("Key (a, b)=(****) conflicts with existing key (a, b)=(****).",
                DiagnosticTextMasker.keyValues("Key (a, b)=(1, x)) conflicts with existing key (a, b)=(2, y)."));
        Map<Character, String> f = error("23502", "null value in column \"name\" of relation \"p\" violates not-null constraint");
        f.put('D', "Failing row contains (1, null, melanoma (stage II), 512-34-5678).");
        f.put('c', "name");
        f.put('t', "p");
        DiagnosticFields out = STRICT.mask(fields(f), null);
        assertEquals("Failing row contains (****).", out.get('D'));
        assertEquals(f.get('M'), out.get('M'));
        DiagnosticFields tail = STRICT.mask(fields(error("22008", "date field value out of range: 2020-57-01")), null);
        assertEquals("date field value out of range: ****", tail.get('M'));
    }

    @Test
    void textRaisedByDatabaseCodeIsWithheldButItsCodeAndLocationStay() {
        Map<Character, String> f = error("P0001", "found melanoma");
        f.put('S', "NOTICE");
        f.put('W', "PL/pgSQL function inline_code_block line 1 at RAISE");
        f.put('F', "pl_exec.c");
        f.put('R', "exec_stmt_raise");
        DiagnosticFields out = STRICT.mask(fields(f), null);
        assertEquals(DiagnosticTextMasker.WITHHELD, out.get('M'));
        assertEquals(f.get('W'), out.get('W'));
        assertEquals("P0001", out.get('C'));
    }

    @Test
    void literalsOfInnerStatementsAreMaskedAndTheInternalPositionFollows() {
        Map<Character, String> f = error("22P02", "invalid input syntax for type integer: \"melanoma\"");
        f.put('q', "SELECT 'melanoma'::int, 'x'");
        f.put('p', "18"); // the "::" after the first literal
        f.put('W', "SQL statement \"SELECT 'melanoma'::int\"\nPL/pgSQL function inline_code_block line 1 at EXECUTE");
        DiagnosticFields out = STRICT.mask(fields(f), null);
        assertEquals("SELECT '****'::int, '****'", out.get('q'));
        assertEquals("14", out.get('p'), "the position points at the same place");
        assertEquals("SQL statement \"SELECT '****'::int\"\nPL/pgSQL function inline_code_block line 1 at EXECUTE",
                out.get('W'));
    }

    @Test
    void withoutMaskedColumnsOnlyTheDetectorsRun() {
        DiagnosticFields out = DETECTORS_ONLY.mask(fields(error("22P02",
                "invalid input syntax for type integer: \"512-34-5678 and flu\"")), null);
        assertEquals("invalid input syntax for type integer: \"***-**-5678 and flu\"", out.get('M'));
        assertEquals("j***@example.com", DETECTORS_ONLY.maskPayload("john@example.com"));
        assertNull(DETECTORS_ONLY.maskPayload("plain"));
        assertTrue(new DiagnosticTextMasker(ContentDetectors.none(), false).inactive());
    }

    @Test
    void tokenAtPositionReadsIdentifiersQuotedNamesAndLiterals() {
        assertEquals("public.foo", DiagnosticTextMasker.tokenAt("SELECT * FROM public.foo", "15"));
        assertEquals("My T", DiagnosticTextMasker.tokenAt("SELECT * FROM \"My T\"", "15"));
        assertEquals("it's", DiagnosticTextMasker.tokenAt("SELECT 'it''s'::int", "8"));
        assertNull(DiagnosticTextMasker.tokenAt("SELECT 1", "99"));
        assertEquals(Set.of(), Set.copyOf(DiagnosticTextMasker.exemptNames(fields(error("1", "x")), null)));
    }
}
