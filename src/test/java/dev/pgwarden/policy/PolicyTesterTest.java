package dev.pgwarden.policy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PolicyTesterTest {
    static StatementAnalyzer analyzer;
    static PolicyTester tester;

    @BeforeAll
    static void start() throws Exception {
        analyzer = new StatementAnalyzer();
        tester = new PolicyTester(PolicyLoaderTest.resource("example.yaml"), analyzer);
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    @Test
    void explainsEachStatementAndTheVerdict() {
        String out = tester.explain("alice", List.of("analysts"),
                "SELECT upper(ssn) FROM customers c WHERE c.id = 1; DELETE FROM orders");
        Text.contains(out,
                "principal alice, groups [analysts] -> database role analyst_ro",
                "statement 1 of 2: SELECT upper(ssn) FROM customers c WHERE c.id = 1",
                "tables     public.customers",
                "computed   public.customers.ssn",
                "functions  upper",
                "no-bulk-export: no: the statement kind is not listed",
                "big-selects: MATCH (unknown conditions read restrictively)",
                "statement 2 of 2: DELETE FROM orders",
                "agents-read-only: MATCH",
                "decision   BLOCK (42501) by rule 'agents-read-only': agents are read-only",
                "overall: BLOCK (42501) by rule 'agents-read-only': agents are read-only");
    }

    @Test
    void explainsWithAnEstimate() {
        String out = tester.explain("bob", Set.of("support"), "SELECT * FROM orders WHERE total > 0",
                DecisionContext.of(sql -> 12));
        Text.contains(out, "big-selects: no: estimated 12 rows, not over 100000",
                "no rule matched: default allow", "overall: ALLOW by the policy default, planner estimate 12 rows");
    }

    @Test
    void explainsRefusals() {
        String out = tester.explain("eve", List.of(), "SET ROLE postgres; SELEC 1");
        Text.contains(out, "no database role: the connection would be refused",
                "refused    SET role changes the session role",
                "BLOCK (42501) by pgwarden (role change)",
                "unreadable 'selec' is not a statement pgwarden recognises",
                "BLOCK (42501) by pgwarden (unanalysable): pgwarden could not analyse this statement");
        Text.lacks(out, "rules\n");
    }
}
