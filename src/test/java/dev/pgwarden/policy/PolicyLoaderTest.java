package dev.pgwarden.policy;

import dev.pgwarden.masking.Detector;
import dev.pgwarden.masking.MaskFunction;
import dev.pgwarden.sql.StatementKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyLoaderTest {

    static Policy resource(String name) throws Exception {
        return PolicyLoader.load(Path.of("src/test/resources/policy", name));
    }

    @Test
    void loadsTheExamplePolicy() throws Exception {
        Policy p = resource("example.yaml");

        assertEquals(List.of(new RoleMapping("analysts", "analyst_ro")), p.roles());
        assertEquals("analyst_ro", p.roleFor(Set.of("analysts", "other")).orElseThrow());
        assertTrue(p.roleFor(Set.of("nobody")).isEmpty());
        assertTrue(p.version().matches("[0-9a-f]{16}"));

        MaskingSection m = p.masking();
        assertEquals(2, m.columns().size());
        assertEquals(MaskFunction.REDACT, m.functionFor("public", "customers", "ssn").orElseThrow());
        assertEquals(MaskFunction.LAST4, m.functionFor("billing", "cards", "card_number").orElseThrow());
        assertTrue(m.functionFor("public", "customers", "name").isEmpty());
        assertEquals(Set.of(Detector.SSN, Detector.CARD, Detector.EMAIL), m.detectors());
        assertEquals(DerivedValues.MASK, m.onDerived());
        assertEquals(MaskedPredicates.LOOKUP, m.predicates(), "lookup unless the policy says otherwise");

        assertEquals(List.of("no-bulk-export", "agents-read-only", "big-selects"),
                p.rules().stream().map(Rule::name).toList());
        Rule readOnly = p.rule("agents-read-only").orElseThrow();
        assertEquals(List.of("analysts", "support"), readOnly.groups());
        assertEquals(Action.BLOCK, readOnly.action());
        assertEquals("agents are read-only", readOnly.message());
        assertEquals(16, readOnly.line());
        // ddl also covers the statements that create tables and TRUNCATE
        assertTrue(readOnly.match().matchedKinds().containsAll(Set.of(StatementKind.DDL, StatementKind.TRUNCATE,
                StatementKind.SELECT_INTO, StatementKind.CREATE_TABLE_AS, StatementKind.COPY_IN)));
        Rule big = p.rule("big-selects").orElseThrow();
        assertEquals(100_000, big.match().estimatedRowsOver());
        assertEquals(30, big.grantMinutes());
        assertEquals(Action.REQUIRE_APPROVAL, big.action());
        assertEquals(Action.ALLOW, p.defaultAction());
    }

    @Test
    void loadsEveryKey() throws Exception {
        Policy p = resource("full.yaml");
        assertEquals(MaskFunction.NULL, p.masking().functionFor("a", "b", "secret_note").orElseThrow());
        assertEquals(MaskFunction.EMAIL, p.masking().functionFor("crm", "customers", "email").orElseThrow());
        assertEquals(DerivedValues.BLOCK, p.masking().onDerived());
        assertEquals(MaskedPredicates.BLOCK, p.masking().predicates());
        assertEquals(List.of("admins"), p.rule("admins-anything").orElseThrow().groups());
        assertEquals(RuleMatch.ANY, p.rule("admins-anything").orElseThrow().match());
        RuleMatch m = p.rule("no-unbounded-customer-reads").orElseThrow().match();
        assertEquals(Set.of(StatementKind.SELECT), m.statements());
        assertTrue(m.noLimit());
        assertEquals("*.customers", m.tables().get(0).toString());
    }

    @Test
    void readsReadOnlyMappingsAndTheVolatileFunctionsCondition() throws Exception {
        Policy p = PolicyLoader.parse("""
                roles:
                  - group: analysts
                    role: analyst_ro
                    read_only: true
                  - {group: support, role: support_ro, read_only: false}
                  - {group: admins, role: admin}
                rules:
                  - name: agents-change-nothing
                    groups: [analysts]
                    match: { volatile_functions: true }
                    action: block
                  - name: plain
                    match: { volatile_functions: false }
                    action: allow
                """.getBytes(StandardCharsets.UTF_8), "p.yaml");
        assertEquals(List.of(new RoleMapping("analysts", "analyst_ro", true),
                new RoleMapping("support", "support_ro", false), new RoleMapping("admins", "admin", false)), p.roles());
        assertTrue(p.readOnlyFor(Set.of("analysts", "support")), "the first matching mapping decides");
        assertTrue(!p.readOnlyFor(Set.of("support")) && !p.readOnlyFor(Set.of("nobody")));
        assertTrue(p.rule("agents-change-nothing").orElseThrow().match().volatileFunctions());
        assertEquals(RuleMatch.ANY, p.rule("plain").orElseThrow().match(), "false is the same as leaving it out");
    }

    @Test
    void versionIsTheContentHash() throws Exception {
        byte[] a = "default: allow\n".getBytes(StandardCharsets.UTF_8);
        byte[] b = "default: block\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(PolicyLoader.parse(a, "a").version(), PolicyLoader.parse(a, "b").version());
        assertNotEquals(PolicyLoader.parse(a, "a").version(), PolicyLoader.parse(b, "b").version());
    }

    @Test
    void aRolesOnlyPolicyAllowsEverything() throws Exception {
        Policy p = PolicyLoader.parse("roles:\n  - {group: g, role: r}\n".getBytes(StandardCharsets.UTF_8), "x");
        assertEquals(Action.ALLOW, p.defaultAction());
        assertTrue(p.rules().isEmpty());
        assertEquals(new Policy(p.roles(), p.version()).roles(), p.roles());
    }

    @Test
    void fileErrorsNameTheFileAndLine() {
        PolicyException e = assertThrows(PolicyException.class, () -> resource("bad-unknown-action.yaml"));
        Text.startsWith(e.getMessage(), Path.of("src/test/resources/policy/bad-unknown-action.yaml") + ":6: ");
        Text.contains(e.getMessage(), "rules[0] (r1).action", "'deny'", "allow, block, require_approval");
    }

    static Stream<Arguments> invalidPolicies() {
        return Stream.of(
                Arguments.of("unknown top-level key", 3, "unknown key 'rulez'", "roles: []\ndefault: allow\nrulez: []"),
                Arguments.of("unknown rule key", 4, "unknown key 'acton'", "rules:\n  - name: a\n    action: block\n    acton: block"),
                Arguments.of("unknown match key", 4, "unknown key 'table'", "rules:\n  - name: a\n    match:\n      table: [x]\n    action: block"),
                Arguments.of("unknown statement kind", 3, "unknown value 'selekt'", "rules:\n  - name: a\n    match: {statement: [select, selekt]}\n    action: block"),
                Arguments.of("refused kinds not named", 3, "unknown value 'role_change'", "rules:\n  - name: a\n    match: {statement: role_change}\n    action: block"),
                Arguments.of("unknown action", 3, "unknown value 'deny'", "rules:\n  - name: a\n    action: deny"),
                Arguments.of("unknown default", 2, "unknown value 'maybe'", "roles: []\ndefault: maybe"),
                Arguments.of("unknown mask function", 4, "unknown value 'scramble'", "masking:\n  columns:\n    - column: a.b.c\n      with: scramble"),
                Arguments.of("unknown detector", 2, "unknown value 'iban'", "masking:\n  detectors: [ssn, iban]"),
                Arguments.of("unknown on_derived", 2, "unknown value 'allow'", "masking:\n  on_derived: allow"),
                Arguments.of("unknown predicates", 3, "unknown value 'equality' (expected one of: allow, lookup, block)",
                        "masking:\n  on_derived: mask\n  predicates: equality"),
                Arguments.of("predicates not a string", 2, "masking.predicates", "masking:\n  predicates: [lookup]"),
                Arguments.of("rows not a number", 4, "must be a whole number", "rules:\n  - name: a\n    match:\n      estimated_rows_over: lots\n    action: block"),
                Arguments.of("negative rows", 3, "must be a whole number", "rules:\n  - name: a\n    match: {estimated_rows_over: -5}\n    action: block"),
                Arguments.of("no_where not a boolean", 3, "must be true or false", "rules:\n  - name: a\n    match: {no_where: 3}\n    action: block"),
                Arguments.of("volatile_functions not a boolean", 4, "volatile_functions: must be true or false", "rules:\n  - name: a\n    match:\n      volatile_functions: [nextval]\n    action: block"),
                Arguments.of("read_only not a boolean", 4, "roles[0].read_only: must be true or false", "roles:\n  - group: g\n    role: r\n    read_only: \"yes please\""),
                Arguments.of("read_only on a rule", 4, "unknown key 'read_only'", "rules:\n  - name: a\n    action: block\n    read_only: true"),
                Arguments.of("groups not strings", 3, "must be a string or a list", "rules:\n  - name: a\n    groups: {x: 1}\n    action: block"),
                Arguments.of("empty groups", 3, "must not be empty", "rules:\n  - name: a\n    groups: []\n    action: block"),
                Arguments.of("empty tables", 3, "must not be empty", "rules:\n  - name: a\n    match: {tables: []}\n    action: block"),
                Arguments.of("rules not a list", 1, "must be a list", "rules: {name: a}"),
                Arguments.of("message not a string", 4, "must be a non-empty string", "rules:\n  - name: a\n    action: block\n    message: [x]"),
                Arguments.of("missing action", 2, "'action' is required", "rules:\n  - name: a\n    groups: [g]"),
                Arguments.of("missing name", 2, "'name' is required", "rules:\n  - action: block"),
                Arguments.of("duplicate rule name", 5, "already called 'a'", "rules:\n  - name: a\n    action: block\n  - action: allow\n    name: a"),
                Arguments.of("grant on a block rule", 4, "only a require_approval rule", "rules:\n  - name: a\n    action: block\n    grant_minutes: 5"),
                Arguments.of("too many table parts", 3, "more than 2 dot-separated", "rules:\n  - name: a\n    match: {tables: [db.public.t]}\n    action: block"),
                Arguments.of("empty pattern part", 3, "has an empty part", "rules:\n  - name: a\n    match: {columns: [public..ssn]}\n    action: block"),
                Arguments.of("bad role name", 3, "not a valid role name", "roles:\n  - group: g\n    role: \"bad role\""),
                Arguments.of("missing role", 2, "'role' is required", "roles:\n  - group: g"),
                Arguments.of("duplicate key", 3, "duplicate key 'default'", "roles: []\ndefault: allow\ndefault: block"),
                Arguments.of("yaml alias", 3, "aliases", "roles:\n  - group: &g analysts\n    role: *g"),
                Arguments.of("invalid yaml", 2, "invalid YAML", "roles:\n  - group: [unclosed\n"),
                Arguments.of("not a mapping", 1, "must be a YAML mapping", "- just\n- a list"),
                Arguments.of("budgets not a list", 1, "must be a list", "budgets: {name: b}"),
                Arguments.of("unknown budget key", 5, "unknown key 'row_per_hour'", "budgets:\n  - name: b\n    tables: [t]\n    rows_per_hour: 5\n    row_per_hour: 5"),
                Arguments.of("budget without tables", 2, "'tables' is required", "budgets:\n  - name: b\n    rows_per_hour: 5"),
                Arguments.of("budget with empty tables", 3, "must not be empty", "budgets:\n  - name: b\n    tables: []\n    rows_per_hour: 5"),
                Arguments.of("budget without a limit", 2, "at least one of rows_per_hour", "budgets:\n  - name: b\n    tables: [t]"),
                Arguments.of("budget limit zero", 4, "must be at least 1", "budgets:\n  - name: b\n    tables: [t]\n    bytes_per_hour: 0"),
                Arguments.of("budget limit not a number", 4, "must be a whole number", "budgets:\n  - name: b\n    tables: [t]\n    lookups_per_hour: many"),
                Arguments.of("budget grant too long", 5, "between 1 and 10080", "budgets:\n  - name: b\n    tables: [t]\n    rows_per_hour: 5\n    grant_minutes: 20000"),
                Arguments.of("budget table pattern", 3, "more than 2 dot-separated", "budgets:\n  - name: b\n    tables: [db.public.t]\n    rows_per_hour: 5"),
                Arguments.of("duplicate budget name", 5, "another budget is already called 'b'", "budgets:\n  - name: b\n    tables: [t]\n    rows_per_hour: 5\n  - name: b\n    tables: [u]\n    rows_per_hour: 5"),
                Arguments.of("budget named like a rule", 5, "a rule is already called 'r'", "rules:\n  - name: r\n    action: block\nbudgets:\n  - name: r\n    tables: [t]\n    rows_per_hour: 5"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPolicies")
    void validationErrorsNameTheLine(String what, int line, String problem, String yaml) {
        byte[] bytes = yaml.getBytes(StandardCharsets.UTF_8);
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(bytes, "policy.yaml"));
        Text.startsWith(e.getMessage(), "policy.yaml:" + line + ": ");
        Text.contains(e.getMessage(), problem);
    }

    @Test
    void unreadableFileIsAPolicyException() {
        PolicyException e = assertThrows(PolicyException.class,
                () -> PolicyLoader.load(Path.of("src/test/resources/policy/missing.yaml")));
        Text.contains(e.getMessage(), "missing.yaml");
    }
}
