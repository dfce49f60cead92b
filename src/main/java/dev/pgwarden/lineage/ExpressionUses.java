package dev.pgwarden.lineage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.pgwarden.lineage.LineageAnalyzer.Leaf;
import dev.pgwarden.lineage.Token.Kind;

/**
 * Reads one deparsed expression of a plan and follows the values of masked columns through it,
 * bottom-up, reporting every {@link ValueUse} on the way.
 *
 * <p>A masked value may only be <em>carried</em>: through computations that cannot fail, compare or
 * turn NULL on its content ({@code ||}, casts to text types, the row/JSON/array/XML constructors and
 * aggregates, the pure string transforms in {@link #CARRIERS}, COALESCE, the results of CASE). The
 * one comparison that is not an "other" use is equality (or {@code = ANY} of a list) between the
 * column's raw value and a value the client supplied (a literal, a client {@code $n}), or between the
 * column and itself; and {@code IS [NOT] NULL}. Everything else that takes a masked value in is
 * reported as {@link ValueUse.Kind#OTHER}.
 *
 * <p>EXPLAIN (VERBOSE) deparses without pretty-printing, so every operator comes in its own
 * parentheses ({@code (a = b)}, {@code (a AND b AND c)}, {@code (x IS NULL)}, {@code (x = ANY (arr))}),
 * which is what this reader relies on. What it cannot read it reports as {@link Unreadable}; the
 * caller fails closed when the expression carries masked data.
 */
final class ExpressionUses {

    /** The expression has a shape this reader does not know. */
    static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A value inside the expression.
     *
     * @param masked   masked columns whose content it carries
     * @param identity base columns of which it is the raw value (one of them), or null when computed
     * @param client   a value the client supplied: literals, client {@code $n}, built-in functions of them
     * @param integral an integer literal or a cast to an integer type
     * @param elements for a client array: its elements, one text each; null when unknown or not an array
     * @param text     how the plan prints it (for a literal or parameter)
     */
    record Value(Set<BaseColumn> masked, Set<BaseColumn> identity, boolean client, boolean integral,
            List<String> elements, String text) {

        boolean tainted() {
            return !masked.isEmpty();
        }
    }

    static final Value PLAIN = new Value(Set.of(), null, false, false, null, null);

    /** Functions that carry a masked value through unchanged in kind (the result is masked whole). */
    private static final Set<String> CARRIERS = Set.of("concat", "concat_ws", "textcat", "upper", "lower", "initcap",
            "substr", "substring", "left", "right", "replace", "translate", "btrim", "ltrim", "rtrim", "lpad", "rpad",
            "reverse", "repeat", "md5", "quote_literal", "quote_nullable", "quote_ident", "split_part", "overlay",
            "text", "varchar", "bpchar", "row_to_json", "to_json", "to_jsonb", "json_build_object",
            "jsonb_build_object", "json_build_array", "jsonb_build_array", "array_to_json", "array_append",
            "array_prepend", "array_cat", "array_to_string",
            // aggregates that collect their input as it is
            "array_agg", "string_agg", "json_agg", "jsonb_agg", "json_agg_strict", "jsonb_agg_strict",
            "json_object_agg", "jsonb_object_agg", "json_object_agg_strict", "jsonb_object_agg_strict", "xmlagg");
    /** {@code substring(text, text)} is a regular expression: only integer positions make it a carrier. */
    private static final Set<String> POSITIONAL = Set.of("substring");
    /** Casts to these types cannot fail on any text and keep the value a text. */
    private static final Set<String> TEXT_TYPES = Set.of("text", "character varying", "varchar", "character", "bpchar",
            "name", "char", "\"char\"", "citext", "record");
    private static final Set<String> INTEGER_TYPES = Set.of("integer", "bigint", "smallint", "int", "int2", "int4",
            "int8");
    /** SQL-syntax functions (printed in upper case) that carry their data argument. */
    private static final Set<String> KEYWORD_CARRIERS = Set.of("TRIM", "OVERLAY", "SUBSTRING", "XMLELEMENT",
            "XMLATTRIBUTES", "XMLFOREST", "XMLCONCAT", "JSON_OBJECT", "JSON_ARRAY", "JSON_ARRAYAGG", "JSON_OBJECTAGG");
    /** Words inside SQL-syntax function calls that separate arguments. */
    private static final Set<String> SEPARATORS = Set.of("FROM", "FOR", "IN", "PLACING", "BOTH", "LEADING", "TRAILING",
            "NAME", "AS", "DOCUMENT", "CONTENT", "VALUE", "PASSING", "BY", "REF", "STANDALONE", "VERSION", "NO",
            "YES", "WITH", "WITHOUT", "UNIQUE", "KEYS", "FORMAT", "JSON", "ENCODING", "RETURNING", "ABSENT", "ON",
            "NULL", "USING", "WRAPPER", "QUOTES", "KEEP", "OMIT", "EMPTY", "ERROR", "DEFAULT", "SCALAR",
            "CONDITIONAL", "UNCONDITIONAL", "ARRAY", "OBJECT", "INDENT");
    /** Words the deparser prints as whole values (niladic functions). */
    private static final Set<String> NILADIC = Set.of("CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME",
            "LOCALTIMESTAMP", "CURRENT_USER", "CURRENT_ROLE", "SESSION_USER", "USER", "CURRENT_CATALOG",
            "CURRENT_SCHEMA", "SYSTEM_USER", "DEFAULT");
    private static final Set<String> SORT_WORDS = Set.of("ASC", "DESC", "NULLS", "FIRST", "LAST");

    private final List<Token> t;
    private final Map<Integer, Leaf> leaves;
    private final Function<Leaf, Value> leafValue;
    private final Consumer<ValueUse> found;
    private int pos;

    private ExpressionUses(List<Token> tokens, Map<Integer, Leaf> leaves, Function<Leaf, Value> leafValue,
            Consumer<ValueUse> found) {
        this.t = tokens;
        this.leaves = leaves;
        this.leafValue = leafValue;
        this.found = found;
    }

    /** The value of a whole expression (an output, a condition, a function call). */
    static Value value(List<Token> tokens, Map<Integer, Leaf> leaves, Function<Leaf, Value> leafValue,
            Consumer<ValueUse> found) {
        ExpressionUses r = new ExpressionUses(tokens, leaves, leafValue, found);
        Value v = r.expression();
        r.expectEnd();
        return v;
    }

    /** The value of a sort or group key: an expression, then ASC/DESC, NULLS FIRST/LAST or USING op. */
    static Value key(List<Token> tokens, Map<Integer, Leaf> leaves, Function<Leaf, Value> leafValue,
            Consumer<ValueUse> found) {
        ExpressionUses r = new ExpressionUses(tokens, leaves, leafValue, found);
        Value v = r.expression();
        r.sortModifiers();
        r.expectEnd();
        return v;
    }

    /**
     * A window definition (PostgreSQL 16+ prints {@code w1 AS (PARTITION BY a ORDER BY b ROWS ...)}):
     * the values of its partition and order keys, which the window compares.
     */
    static List<Value> windowKeys(List<Token> tokens, Map<Integer, Leaf> leaves, Function<Leaf, Value> leafValue,
            Consumer<ValueUse> found) {
        ExpressionUses r = new ExpressionUses(tokens, leaves, leafValue, found);
        while (r.pos < tokens.size() && !r.at(Kind.LPAREN)) {
            r.pos++;
        }
        List<Value> keys = new ArrayList<>();
        if (r.pos < tokens.size()) {
            r.pos++;
            r.windowSpec(keys);
        }
        return keys;
    }

    // ------------------------------------------------------------------ grammar

    private Value expression() {
        Value v = primary();
        while (pos < t.size()) {
            Token tok = t.get(pos);
            if (tok.is(Kind.CAST)) {
                pos++;
                v = cast(v, typeName());
            } else if (tok.is(Kind.LBRACKET)) {
                pos++;
                List<Value> index = new ArrayList<>(2);
                while (!at(Kind.RBRACKET)) {
                    if (at(Kind.COLON)) {
                        pos++;
                        continue;
                    }
                    index.add(expression());
                }
                pos++;
                refuseAll(index, "uses masked column %s as an array subscript");
                v = carried(List.of(v), false);
            } else if (tok.is(Kind.DOT) && pos + 1 < t.size() && (t.get(pos + 1).isName() || t.get(pos + 1).isOp("*"))) {
                pos += 2;
                v = carried(List.of(v), false); // a field of a row
            } else if (keyword("COLLATE")) {
                pos++;
                qualifiedName();
            } else {
                break;
            }
        }
        return v;
    }

    private Value primary() {
        Leaf leaf = leaves.get(pos);
        if (leaf != null) {
            pos = leaf.end();
            return leafValue.apply(leaf);
        }
        if (pos >= t.size()) {
            throw new Unreadable("expression ends early");
        }
        Token tok = t.get(pos);
        switch (tok.kind()) {
            case LPAREN -> {
                Leaf inner = leaves.get(pos + 1);
                int close = matching(pos);
                if (inner != null && inner.end() > close) { // PostgreSQL 16+: (InitPlan 1).col1
                    pos = inner.end();
                    return leafValue.apply(inner);
                }
                pos++;
                Value v = parenthesized();
                expect(Kind.RPAREN);
                return v;
            }
            case STRING -> {
                pos++;
                return constant(tok.raw(), false);
            }
            case NUMBER -> {
                pos++;
                return constant(tok.raw(), !tok.raw().contains(".") && !tok.raw().contains("e"));
            }
            case OP -> {
                pos++;
                return unary(tok.raw(), primary());
            }
            case IDENT, QIDENT -> {
                return name();
            }
            default -> throw new Unreadable("unexpected '" + tok.raw() + "'");
        }
    }

    /** What follows an opening parenthesis, up to (not including) its closing one. */
    private Value parenthesized() {
        if (at(Kind.OP)) {
            String op = t.get(pos++).raw();
            return unary(op, expression());
        }
        if (keyword("NOT")) {
            pos++;
            Value v = expression();
            refuse(v, "uses masked column %s as a condition (NOT)");
            return computed(List.of(v));
        }
        if (keyword("OPERATOR")) {
            String op = operator();
            return unary(op, expression());
        }
        if ((keyword("ANY") || keyword("ALL")) && pos + 1 < t.size() && t.get(pos + 1).is(Kind.LPAREN)) {
            pos++; // PostgreSQL 17+: (ANY (x = (hashed SubPlan 1).col1)): the comparison is inside
            return expression();
        }
        Value first = expression();
        if (at(Kind.RPAREN)) {
            return first;
        }
        if (keyword("AND") || keyword("OR")) {
            String word = t.get(pos).raw();
            List<Value> operands = new ArrayList<>();
            operands.add(first);
            while (keyword(word)) {
                pos++;
                operands.add(expression());
            }
            refuseAll(operands, "uses masked column %s as a condition (" + word + ")");
            return computed(operands);
        }
        if (keyword("IS")) {
            return isTest(first);
        }
        if (keyword("AT")) { // AT TIME ZONE
            while (pos < t.size() && t.get(pos).isKeyword() && !at(Kind.RPAREN)
                    && (keyword("AT") || keyword("TIME") || keyword("ZONE") || keyword("LOCAL"))) {
                pos++;
            }
            Value zone = at(Kind.RPAREN) ? PLAIN : expression();
            refuseAll(List.of(first, zone), "converts masked column %s with AT TIME ZONE");
            return computed(List.of(first, zone));
        }
        if (at(Kind.OP) || keyword("OPERATOR")) {
            Value v = first;
            while (at(Kind.OP) || keyword("OPERATOR")) {
                String op = at(Kind.OP) ? t.get(pos++).raw() : operator();
                if ((keyword("ANY") || keyword("ALL") || keyword("SOME")) && pos + 1 < t.size()
                        && t.get(pos + 1).is(Kind.LPAREN)) {
                    boolean all = keyword("ALL");
                    pos += 2;
                    Value array = expression();
                    expect(Kind.RPAREN);
                    v = arrayComparison(v, op, all, array);
                } else {
                    v = binary(v, op, expression());
                }
            }
            return v;
        }
        throw new Unreadable("unexpected '" + t.get(pos).raw() + "' after an operand");
    }

    private Value isTest(Value operand) {
        pos++; // IS
        boolean not = keyword("NOT");
        if (not) {
            pos++;
        }
        if (keyword("NULL")) {
            pos++;
            for (BaseColumn c : sorted(operand.masked())) {
                found.accept(new ValueUse(ValueUse.Kind.NULL_TEST, c, "tests masked column " + c + " with IS "
                        + (not ? "NOT " : "") + "NULL", null));
            }
            return computed(List.of());
        }
        if (keyword("DISTINCT")) {
            pos++;
            expectKeyword("FROM");
            Value other = expression();
            refuseAll(List.of(operand, other), "compares masked column %s with IS DISTINCT FROM");
            return computed(List.of(operand, other));
        }
        StringBuilder what = new StringBuilder();
        while (pos < t.size() && !at(Kind.RPAREN)) {
            what.append(what.length() == 0 ? "" : " ").append(t.get(pos++).raw());
        }
        refuse(operand, "tests masked column %s with IS " + (not ? "NOT " : "") + what);
        return computed(List.of(operand));
    }

    private Value name() {
        Token tok = t.get(pos);
        if (tok.isKeyword()) {
            return keywordForm(tok.raw());
        }
        if (tok.is(Kind.IDENT)) {
            switch (tok.raw()) {
                case "true", "false" -> {
                    pos++;
                    return constant(tok.raw(), false);
                }
                case "hashed" -> {
                    pos++;
                    return primary(); // hashed SubPlan n: the SubPlan item is the leaf
                }
                case "alternatives" -> {
                    pos++;
                    expect(Kind.COLON);
                    List<Value> plans = new ArrayList<>(2);
                    plans.add(primary());
                    while (pos < t.size() && t.get(pos).is(Kind.IDENT) && t.get(pos).raw().equals("or")) {
                        pos++;
                        plans.add(primary());
                    }
                    return carried(plans, false);
                }
                default -> {
                }
            }
        }
        List<String> parts = new ArrayList<>(3);
        parts.add(t.get(pos++).value());
        while (pos + 1 < t.size() && at(Kind.DOT) && t.get(pos + 1).isName()) {
            parts.add(t.get(pos + 1).value());
            pos += 2;
        }
        if (at(Kind.LPAREN)) {
            String function = parts.get(parts.size() - 1).toLowerCase(Locale.ROOT);
            String schema = parts.size() > 1 ? parts.get(parts.size() - 2) : null;
            return call(schema, function);
        }
        // A word the deparser prints that is no column (an EXTRACT field, an XML name): no data.
        return PLAIN;
    }

    private Value keywordForm(String word) {
        switch (word) {
            case "CASE" -> {
                return caseExpression();
            }
            case "ARRAY" -> {
                pos++;
                if (at(Kind.LBRACKET)) {
                    return carried(list(Kind.LBRACKET, Kind.RBRACKET), true);
                }
                if (at(Kind.LPAREN)) {
                    pos++;
                    Value v = parenthesized();
                    expect(Kind.RPAREN);
                    return carried(List.of(v), false);
                }
                throw new Unreadable("ARRAY without [ or (");
            }
            case "ROW", "COALESCE" -> {
                pos++;
                return carried(list(Kind.LPAREN, Kind.RPAREN), false);
            }
            case "GREATEST", "LEAST", "NULLIF" -> {
                pos++;
                List<Value> args = list(Kind.LPAREN, Kind.RPAREN);
                refuseAll(args, "compares masked column %s with " + word);
                return computed(args);
            }
            case "NULL", "TRUE", "FALSE" -> {
                pos++;
                return constant(word, false);
            }
            case "EXISTS" -> {
                pos++;
                return carried(list(Kind.LPAREN, Kind.RPAREN), false);
            }
            case "PARTIAL" -> {
                pos++; // a parallel plan's partial aggregate: PARTIAL count(...)
                return expression();
            }
            default -> {
            }
        }
        if (NILADIC.contains(word)) {
            pos++;
            if (at(Kind.LPAREN)) {
                list(Kind.LPAREN, Kind.RPAREN);
            }
            return constant(word, false);
        }
        if (pos + 1 < t.size() && t.get(pos + 1).is(Kind.LPAREN)) {
            return keywordCall(word);
        }
        throw new Unreadable("unexpected word " + word);
    }

    /** SUBSTRING(x FROM a FOR b), TRIM(BOTH c FROM x), XMLELEMENT(NAME n, ...), POSITION(a IN b), ... */
    private Value keywordCall(String word) {
        pos += 2;
        List<Value> args = new ArrayList<>();
        while (!at(Kind.RPAREN)) {
            if (at(Kind.COMMA) || at(Kind.COLON)) {
                pos++;
                continue;
            }
            if (pos >= t.size()) {
                throw new Unreadable(word + "( is not closed");
            }
            Token tok = t.get(pos);
            if (tok.isKeyword() && SEPARATORS.contains(tok.raw())
                    && !(tok.raw().equals("NULL") && !isSeparatorNull()) && !(tok.raw().equals("ARRAY")
                            && pos + 1 < t.size() && (t.get(pos + 1).is(Kind.LBRACKET) || t.get(pos + 1).is(Kind.LPAREN)))) {
                pos++;
                if (tok.raw().equals("NAME") && pos < t.size() && t.get(pos).isName()) {
                    pos++; // XMLELEMENT(NAME label, ...)
                } else if (tok.raw().equals("AS")) {
                    typeName(); // XMLFOREST(x AS label), XMLSERIALIZE(... AS text)
                }
                continue;
            }
            args.add(expression());
        }
        pos++;
        if (KEYWORD_CARRIERS.contains(word)) {
            Value data = args.isEmpty() ? PLAIN : args.get(0);
            if (word.equals("SUBSTRING") && data.tainted()) {
                positionsOnly(args, "SUBSTRING");
            }
            return carried(args, false);
        }
        String action = switch (word) {
            case "POSITION" -> "searches masked column %s with POSITION";
            case "EXTRACT" -> "extracts a field of masked column %s";
            default -> "passes masked column %s to " + word;
        };
        refuseAll(args, action);
        return computed(args);
    }

    /** NULL inside JSON_OBJECT(... NULL ON NULL ...) is a word, not a value. */
    private boolean isSeparatorNull() {
        return pos + 1 < t.size() && t.get(pos + 1).isKeyword() && t.get(pos + 1).raw().equals("ON");
    }

    private Value caseExpression() {
        pos++; // CASE
        Value subject = keyword("WHEN") ? null : expression();
        List<Value> results = new ArrayList<>();
        while (keyword("WHEN")) {
            pos++;
            Value when = expression();
            expectKeyword("THEN");
            results.add(expression());
            if (subject == null) {
                refuse(when, "decides a CASE WHEN on masked column %s");
            } else {
                equality(subject, when, "=");
            }
        }
        if (keyword("ELSE")) {
            pos++;
            results.add(expression());
        }
        expectKeyword("END");
        return carried(results, false);
    }

    private Value call(String schema, String function) {
        pos++; // (
        boolean distinct = false;
        List<Value> args = new ArrayList<>();
        List<Value> orderKeys = new ArrayList<>();
        if (at(Kind.OP) && t.get(pos).raw().equals("*")) {
            pos++;
        } else {
            if (keyword("DISTINCT")) {
                distinct = true;
                pos++;
            }
            while (!at(Kind.RPAREN)) {
                if (at(Kind.COMMA)) {
                    pos++;
                    continue;
                }
                if (keyword("VARIADIC")) {
                    pos++;
                    continue;
                }
                if (keyword("ORDER")) {
                    pos++;
                    expectKeyword("BY");
                    orderKeys.addAll(keyList());
                    continue;
                }
                if (pos + 1 < t.size() && t.get(pos).isName() && t.get(pos + 1).isOp("=>")) {
                    pos += 2; // named argument
                }
                args.add(expression());
            }
        }
        pos++; // )
        if (keyword("WITHIN")) {
            pos++;
            expectKeyword("GROUP");
            expect(Kind.LPAREN);
            expectKeyword("ORDER");
            expectKeyword("BY");
            orderKeys.addAll(keyList());
            expect(Kind.RPAREN);
        }
        if (keyword("FILTER")) {
            pos++;
            expect(Kind.LPAREN);
            expectKeyword("WHERE");
            refuse(expression(), "filters an aggregate (FILTER) on masked column %s");
            expect(Kind.RPAREN);
        }
        if (keyword("OVER")) {
            pos++;
            if (at(Kind.LPAREN)) {
                pos++;
                List<Value> keys = new ArrayList<>();
                windowSpec(keys);
                refuseAll(keys, "partitions or orders a window by masked column %s");
            } else if (pos < t.size() && t.get(pos).isName()) {
                pos++; // OVER w1: the definition is the WindowAgg's "Window"
            }
        }
        refuseAll(orderKeys, "orders an aggregate's input by masked column %s");
        boolean builtin = BuiltinFunctions.isTransparent(schema, function);
        if (args.stream().noneMatch(Value::tainted)) {
            // A function that may read tables (not a known built-in) gives no client value.
            return builtin ? computed(args) : PLAIN;
        }
        if (distinct) {
            refuseAll(args, "aggregates DISTINCT values of masked column %s with " + function + "()");
        } else if (!builtin || !CARRIERS.contains(function)) {
            refuseAll(args, "passes masked column %s to " + function + "()");
        } else if (POSITIONAL.contains(function)) {
            positionsOnly(args, function + "()");
        }
        return carried(args, false);
    }

    /** substring(x, from[, for]) carries x only with integer positions (a text would be a pattern). */
    private void positionsOnly(List<Value> args, String function) {
        for (int i = 1; i < args.size(); i++) {
            Value a = args.get(i);
            if (a.tainted() || !a.integral()) {
                refuse(args.get(0), "passes masked column %s to " + function
                        + " with an argument that is not an integer literal (it could be a pattern)");
                return;
            }
        }
    }

    /** The inside of OVER (...), after its opening parenthesis, through its closing one. */
    private void windowSpec(List<Value> keys) {
        while (!at(Kind.RPAREN)) {
            if (keyword("PARTITION") || keyword("ORDER")) {
                pos++;
                expectKeyword("BY");
                keys.addAll(keyList());
            } else if (at(Kind.OP) && t.get(pos).raw().equals("?")) {
                pos++; // PostgreSQL 15 prints OVER (?): the keys are in the Sort below
            } else if (keyword("ROWS") || keyword("RANGE") || keyword("GROUPS") || keyword("BETWEEN")
                    || keyword("AND") || keyword("UNBOUNDED") || keyword("PRECEDING") || keyword("FOLLOWING")
                    || keyword("CURRENT") || keyword("ROW") && !(pos + 1 < t.size() && t.get(pos + 1).is(Kind.LPAREN))
                    || keyword("EXCLUDE") || keyword("NO") || keyword("OTHERS") || keyword("TIES") || keyword("GROUP")) {
                pos++;
            } else if (at(Kind.COMMA)) {
                pos++;
            } else {
                keys.add(expression()); // a frame offset, or a base window's name
            }
        }
        pos++;
    }

    private List<Value> keyList() {
        List<Value> keys = new ArrayList<>();
        keys.add(expression());
        sortModifiers();
        while (at(Kind.COMMA)) {
            pos++;
            keys.add(expression());
            sortModifiers();
        }
        return keys;
    }

    private void sortModifiers() {
        while (pos < t.size()) {
            if (t.get(pos).isKeyword() && SORT_WORDS.contains(t.get(pos).raw())) {
                pos++;
            } else if (keyword("USING")) {
                pos++;
                if (keyword("OPERATOR")) {
                    operator();
                } else {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    /** {@code ( a, b, ... )} or {@code [ a, b, ... ]}, nested brackets read as arrays. */
    private List<Value> list(Kind open, Kind close) {
        expect(open);
        List<Value> out = new ArrayList<>();
        while (!at(close)) {
            if (at(Kind.COMMA)) {
                pos++;
                continue;
            }
            if (open == Kind.LBRACKET && at(Kind.LBRACKET)) {
                out.add(carried(list(Kind.LBRACKET, Kind.RBRACKET), true));
                continue;
            }
            out.add(expression());
        }
        pos++;
        return out;
    }

    // ------------------------------------------------------------------ what each form does with a masked value

    private Value binary(Value a, String op, Value b) {
        if (!a.tainted() && !b.tainted()) {
            return computed(List.of(a, b));
        }
        switch (op) {
            case "||" -> {
                return carried(List.of(a, b), false);
            }
            case "=" -> {
                equality(a, b, op);
                return computed(List.of());
            }
            default -> {
                refuseAll(List.of(a, b), operatorAction(op));
                return computed(List.of(a, b));
            }
        }
    }

    /** {@code a = b}: a lookup, a self-join, or an "other" use. */
    private void equality(Value a, Value b, String op) {
        if (!a.tainted() && !b.tainted()) {
            return;
        }
        if (lookup(a, b, b.text()) || lookup(b, a, a.text())) {
            return;
        }
        if (a.identity() != null && a.identity().size() == 1 && a.identity().equals(b.identity())
                && a.masked().equals(a.identity())) {
            BaseColumn c = a.identity().iterator().next();
            found.accept(new ValueUse(ValueUse.Kind.SAME_COLUMN, c, "compares masked column " + c + " with itself",
                    null));
            return;
        }
        for (Value side : List.of(a, b)) {
            if (side.identity() == null) {
                refuse(side, "compares a value computed from masked column %s with " + op);
            } else {
                refuse(side, "compares masked column %s with " + op
                        + " against something other than a literal or a parameter (a column, an expression or a subquery)");
            }
        }
    }

    /** {@code column = value}: one lookup per masked column the raw value may be. */
    private boolean lookup(Value column, Value value, String text) {
        if (!column.tainted() || column.identity() == null || !column.identity().containsAll(column.masked())
                || !value.client() || value.tainted()) {
            return false;
        }
        for (BaseColumn c : sorted(column.masked())) {
            found.accept(new ValueUse(ValueUse.Kind.LOOKUP, c, "looks up masked column " + c + " by equality", text));
        }
        return true;
    }

    private Value arrayComparison(Value a, String op, boolean all, Value array) {
        if (!a.tainted() && !array.tainted()) {
            return computed(List.of(a, array));
        }
        if (op.equals("=") && !all && a.tainted() && !array.tainted() && a.identity() != null
                && a.identity().containsAll(a.masked()) && array.client()) {
            if (array.elements() == null) {
                refuse(a, "compares masked column %s with = ANY of an array whose values the plan does not list"
                        + " (an array parameter); write the values out, IN ($1, $2, ...)");
            } else {
                for (String element : array.elements()) {
                    lookup(a, array, element);
                }
            }
            return computed(List.of());
        }
        refuseAll(List.of(a, array), operatorAction(op) + (all ? " ALL" : " ANY"));
        return computed(List.of(a, array));
    }

    private Value unary(String op, Value operand) {
        refuse(operand, "uses masked column %s with the operator " + op);
        return computed(List.of(operand));
    }

    private Value cast(Value v, String type) {
        String base = type.replaceAll("\\(.*\\)", "").trim();
        if (!v.tainted()) {
            boolean integral = INTEGER_TYPES.contains(base) && (v.client() || v.integral());
            return new Value(Set.of(), null, v.client(), integral, v.client() ? elementsOf(v, type) : null,
                    v.text() == null ? null : v.text() + "::" + type);
        }
        if (!TEXT_TYPES.contains(base)) {
            refuse(v, "casts masked column %s to " + type);
            return computed(List.of(v));
        }
        boolean keepsValue = !type.contains("(") && (base.equals("text") || base.equals("character varying")
                || base.equals("varchar") || base.equals("bpchar"));
        return new Value(v.masked(), keepsValue ? v.identity() : null, false, false, null, null);
    }

    private static String operatorAction(String op) {
        return switch (op) {
            case "~~" -> "compares masked column %s with LIKE";
            case "!~~" -> "compares masked column %s with NOT LIKE";
            case "~~*" -> "compares masked column %s with ILIKE";
            case "!~~*" -> "compares masked column %s with NOT ILIKE";
            case "~", "~*", "!~", "!~*" -> "compares masked column %s with a regular expression (" + op
                    + ", SIMILAR TO)";
            case "<", ">", "<=", ">=" -> "compares masked column %s with " + op;
            case "<>", "!=" -> "compares masked column %s with <>";
            case "=" -> "compares masked column %s with =";
            case "^@" -> "compares masked column %s with ^@ (starts with)";
            case "+", "-", "*", "/", "%", "^" -> "computes arithmetic on masked column %s (" + op + ")";
            default -> "uses masked column %s with the operator " + op;
        };
    }

    // ------------------------------------------------------------------ values

    private static Value constant(String text, boolean integral) {
        return new Value(Set.of(), null, true, integral, null, text);
    }

    /** A computation whose result carries its inputs' masked values whole (it cannot tell anything apart). */
    private static Value carried(List<Value> parts, boolean arrayOfElements) {
        Set<BaseColumn> masked = new HashSet<>();
        boolean client = true;
        List<String> elements = arrayOfElements ? new ArrayList<>() : null;
        for (Value p : parts) {
            masked.addAll(p.masked());
            client &= p.client();
            if (elements != null) {
                if (p.elements() != null) {
                    elements.addAll(p.elements());
                } else if (p.text() != null) {
                    elements.add(p.text());
                } else {
                    elements = null;
                }
            }
        }
        return new Value(masked.isEmpty() ? Set.of() : Collections.unmodifiableSet(masked), null, client, false,
                client ? elements : null, null);
    }

    /** A computation that takes no masked value in (those were reported): the result carries none. */
    private static Value computed(List<Value> parts) {
        boolean client = true;
        for (Value p : parts) {
            client &= p.client() && !p.tainted();
        }
        return new Value(Set.of(), null, client, false, null, null);
    }

    /** The elements of an array literal ({@code '{a,b}'::text[]}), one text each; null if not one. */
    private static List<String> elementsOf(Value v, String type) {
        if (!type.endsWith("[]") || v.text() == null || !v.text().startsWith("'")) {
            return v.elements();
        }
        String literal = v.text().substring(1, v.text().length() - 1).replace("''", "'");
        return ArrayLiteral.elements(literal);
    }

    // ------------------------------------------------------------------ reporting

    private void refuse(Value v, String actionFormat) {
        for (BaseColumn c : sorted(v.masked())) {
            found.accept(ValueUse.other(c, actionFormat));
        }
    }

    private void refuseAll(List<Value> values, String actionFormat) {
        for (Value v : values) {
            refuse(v, actionFormat);
        }
    }

    private static Set<BaseColumn> sorted(Set<BaseColumn> columns) {
        return columns.size() <= 1 ? columns : new TreeSet<>(columns);
    }

    // ------------------------------------------------------------------ tokens

    private boolean at(Kind kind) {
        return pos < t.size() && t.get(pos).is(kind);
    }

    private boolean keyword(String word) {
        return pos < t.size() && t.get(pos).is(Kind.IDENT) && t.get(pos).raw().equals(word);
    }

    private void expect(Kind kind) {
        if (!at(kind)) {
            throw new Unreadable("expected " + kind + " at token " + pos);
        }
        pos++;
    }

    private void expectKeyword(String word) {
        if (!keyword(word)) {
            throw new Unreadable("expected " + word + " at token " + pos);
        }
        pos++;
    }

    private void expectEnd() {
        if (pos != t.size()) {
            throw new Unreadable("unexpected '" + t.get(pos).raw() + "' at token " + pos);
        }
    }

    private int matching(int open) {
        int depth = 0;
        for (int i = open; i < t.size(); i++) {
            if (t.get(i).is(Kind.LPAREN)) {
                depth++;
            } else if (t.get(i).is(Kind.RPAREN) && --depth == 0) {
                return i;
            }
        }
        throw new Unreadable("unbalanced parentheses");
    }

    /** OPERATOR(schema.op): returns op. */
    private String operator() {
        pos++; // OPERATOR
        expect(Kind.LPAREN);
        String op = null;
        while (!at(Kind.RPAREN)) {
            if (pos >= t.size()) {
                throw new Unreadable("OPERATOR( is not closed");
            }
            if (at(Kind.OP)) {
                op = t.get(pos).raw();
            }
            pos++;
        }
        pos++;
        if (op == null) {
            throw new Unreadable("OPERATOR() without an operator");
        }
        return op;
    }

    private void qualifiedName() {
        if (pos < t.size() && t.get(pos).isName()) {
            pos++;
            while (pos + 1 < t.size() && at(Kind.DOT) && t.get(pos + 1).isName()) {
                pos += 2;
            }
        }
    }

    /** A type name after {@code ::} or AS: {@code text}, {@code character varying(20)}, {@code timestamp with time zone}, {@code text[]}. */
    private String typeName() {
        StringBuilder type = new StringBuilder();
        int start = pos;
        qualifiedName();
        for (int i = start; i < pos; i++) {
            type.append(t.get(i).is(Kind.DOT) ? "." : t.get(i).value());
        }
        while (pos < t.size()) {
            Token tok = t.get(pos);
            if (tok.is(Kind.IDENT) && Expression.TYPE_WORDS.contains(tok.raw())) {
                type.append(' ').append(tok.raw());
                pos++;
            } else if (tok.is(Kind.LPAREN) || tok.is(Kind.LBRACKET)) {
                Kind close = tok.is(Kind.LPAREN) ? Kind.RPAREN : Kind.RBRACKET;
                int j = pos + 1;
                StringBuilder modifier = new StringBuilder(tok.raw());
                while (j < t.size() && (t.get(j).is(Kind.NUMBER) || t.get(j).is(Kind.COMMA))) {
                    modifier.append(t.get(j).raw());
                    j++;
                }
                if (j >= t.size() || !t.get(j).is(close)) {
                    break;
                }
                type.append(modifier).append(t.get(j).raw());
                pos = j + 1;
            } else {
                break;
            }
        }
        return type.toString();
    }
}
