package dev.pgwarden.gate;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.sql.StatementKind;

/**
 * What to EXPLAIN for a statement so that the plan shows what it does with data, and how to read
 * that plan: COPY (query) TO and DECLARE ... FOR query are planned on their query, EXPLAIN ANALYZE on
 * the statement it runs, PREPARE on its body (whose {@code $n} the client binds later); SELECT, DML,
 * CREATE TABLE AS and SELECT INTO as they are.
 *
 * @param query          one statement to EXPLAIN
 * @param returnsItsRows the plan's outputs are the statement's result columns (its lineage masks them)
 * @param bindsLater     the query's {@code $n} are bound later (a PREPARE body), even in the simple protocol
 * @param resultIsWritten the plan's result goes into a new table (CREATE TABLE AS, SELECT INTO)
 */
record ExplainTarget(String query, boolean returnsItsRows, boolean bindsLater, boolean resultIsWritten) {

    private static final Pattern ROW_QUERY = Pattern.compile(
            "(?is)^\\s*(?:\\(\\s*)*(select|with|values|table|copy\\s*\\(|declare\\b.*?\\bfor\\b)");
    private static final Pattern COPY_QUERY = Pattern.compile("(?is)^copy\\s*\\((.*)\\)\\s*to\\b.*$");
    private static final Pattern DECLARE_QUERY = Pattern.compile("(?is)^declare\\b.*?\\bfor\\s+(.*)$");
    private static final Pattern DML = Pattern.compile("(?is)^\\s*(?:\\(\\s*)*(update|delete|insert|merge)\\b");
    private static final Pattern EXPLAIN = Pattern.compile(
            "(?is)^\\s*explain\\s*(?:\\(([^)]*)\\)|((?:\\s*\\b(?:analy[sz]e|verbose)\\b)+))\\s*(.*)$");
    private static final Pattern ANALYZE_ON = Pattern.compile(
            "(?is)\\banaly[sz]e\\b(?!\\s*(?:false|off|0)\\b)");
    private static final Pattern PREPARE = Pattern.compile(
            "(?is)^\\s*prepare\\s+(?:\"(?:[^\"]|\"\")+\"|[a-z_][a-z0-9_$]*)\\s*(?:\\([^)]*\\))?\\s*as\\s+(.*)$");
    private static final Pattern CREATE = Pattern.compile("(?is)^\\s*create\\b");
    private static final Pattern NO_DATA = Pattern.compile("(?is)\\bwith\\s+no\\s+data\\s*;?\\s*$");

    /** Whether the statement's result rows come from a query the planner can trace (what masking needs). */
    static boolean returnsRows(String sql) {
        return ROW_QUERY.matcher(sql).find();
    }

    /**
     * @param sql   one statement
     * @param kinds its kinds as the policy's analysis read them (empty when unknown)
     * @return what to EXPLAIN, or null when the statement reads no data through a plan
     */
    static ExplainTarget of(String sql, Set<StatementKind> kinds) {
        String s = sql.strip();
        if (returnsRows(s)) {
            Matcher copy = COPY_QUERY.matcher(s);
            if (copy.matches()) {
                return new ExplainTarget(copy.group(1), true, false, false);
            }
            Matcher declare = DECLARE_QUERY.matcher(s);
            if (declare.matches()) {
                return new ExplainTarget(declare.group(1), true, false, false);
            }
            boolean into = kinds.contains(StatementKind.SELECT_INTO) && !NO_DATA.matcher(s).find();
            return new ExplainTarget(s, true, false, into);
        }
        if (DML.matcher(s).find()) {
            return new ExplainTarget(s, false, false, false);
        }
        Matcher explain = EXPLAIN.matcher(s);
        if (explain.matches()) {
            String options = explain.group(1) != null ? explain.group(1) : explain.group(2);
            if (!ANALYZE_ON.matcher(options).find()) {
                return null; // EXPLAIN without ANALYZE plans, it does not run
            }
            ExplainTarget inner = of(explain.group(3), kinds);
            return inner == null ? null : new ExplainTarget(inner.query(), false, false, inner.resultIsWritten());
        }
        Matcher prepare = PREPARE.matcher(s);
        if (prepare.matches()) {
            ExplainTarget body = of(prepare.group(1), kinds);
            return body == null ? null : new ExplainTarget(body.query(), false, true, body.resultIsWritten());
        }
        if (CREATE.matcher(s).find() && kinds.contains(StatementKind.CREATE_TABLE_AS)) {
            return new ExplainTarget(s, false, false, !NO_DATA.matcher(s).find());
        }
        return null;
    }
}
