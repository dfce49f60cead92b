package dev.pgwarden.lineage;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.lineage.Token.Kind;

/**
 * A deparsed expression: its tokens plus the things in it that carry lineage, in token order.
 *
 * <p>Recognised: column references {@code alias.col}, {@code alias.*} and (when the plan has a
 * single range-table entry, where PostgreSQL prints no prefix) bare {@code col}; function calls
 * {@code name(} / {@code schema.name(}; {@code SubPlan n}, {@code InitPlan n} and {@code $n}.
 * Skipped: literals, type names after {@code ::}, collations, keywords (the deparser prints them
 * in upper case, and quotes every identifier that is not lower case), named-argument names,
 * field selections {@code (expr).field}.
 */
final class Expression {

    enum ItemType { REF, FUNC, SUBPLAN, INITPLAN, PARAM }

    /**
     * One lineage-relevant item spanning tokens {@code [start, end)}.
     *
     * @param qualifier REF: the alias (null if bare); FUNC: the schema (null if unqualified)
     * @param name      REF: column name; FUNC: function name
     * @param number    SUBPLAN/INITPLAN/PARAM number
     * @param column    INITPLAN: 0-based output column, or -1 for all
     */
    record Item(ItemType type, int start, int end, String qualifier, String name, boolean wholeRow,
            int number, int column) {

        static Item ref(int start, int end, String alias, String column, boolean wholeRow) {
            return new Item(ItemType.REF, start, end, alias, column, wholeRow, 0, -1);
        }
    }

    /** Lower-case words the deparser prints inside type names ({@code timestamp with time zone}). */
    static final Set<String> TYPE_WORDS = Set.of("varying", "precision", "with", "without", "time", "zone",
            "year", "month", "day", "hour", "minute", "second", "to");
    private static final Pattern INITPLAN_COLUMN = Pattern.compile("col([0-9]+)");

    final String text;
    final List<Token> tokens;
    final List<Item> items;
    /** Non-null if the text could not be tokenized. */
    final String syntaxError;

    private Expression(String text, List<Token> tokens, List<Item> items, String syntaxError) {
        this.text = text;
        this.tokens = tokens;
        this.items = items;
        this.syntaxError = syntaxError;
    }

    static Expression parse(String text) {
        List<Token> tokens;
        try {
            tokens = ExpressionTokenizer.tokenize(text);
        } catch (ExpressionTokenizer.SyntaxException e) {
            return new Expression(text, List.of(), List.of(), e.getMessage());
        }
        return new Expression(text, tokens, classify(tokens), null);
    }

    /** The single REF item if the whole expression is one column reference (a plain Var). */
    Item soleReference() {
        if (items.size() == 1) {
            Item it = items.get(0);
            if (it.type() == ItemType.REF && it.start() == 0 && it.end() == tokens.size()) {
                return it;
            }
        }
        return null;
    }

    private static List<Item> classify(List<Token> t) {
        List<Item> items = new ArrayList<>();
        int n = t.size();
        int i = 0;
        while (i < n) {
            Token tok = t.get(i);
            switch (tok.kind()) {
                case CAST -> {
                    i = skipTypeName(t, i + 1);
                    continue;
                }
                case DOT -> {
                    // A dot not consumed by a name chain: field selection "(expr).field" / "(expr).*".
                    if (i + 1 < n && (t.get(i + 1).isName() || t.get(i + 1).isOp("*"))) {
                        i += 2;
                    } else {
                        i++;
                    }
                    continue;
                }
                case PARAM -> {
                    items.add(new Item(ItemType.PARAM, i, i + 1, null, null, false, parseNumber(tok.value()), -1));
                    i++;
                    continue;
                }
                case IDENT, QIDENT -> {
                    i = name(t, i, items);
                    continue;
                }
                default -> i++;
            }
        }
        return List.copyOf(items);
    }

    private static int name(List<Token> t, int i, List<Item> items) {
        int n = t.size();
        Token tok = t.get(i);
        if (tok.isKeyword()) {
            String word = tok.raw();
            if (word.equals("COLLATE")) {
                return skipQualifiedName(t, i + 1);
            }
            if ((word.equals("SubPlan") || word.equals("InitPlan")) && i + 1 < n && t.get(i + 1).is(Kind.NUMBER)) {
                int number = parseNumber(t.get(i + 1).raw());
                if (word.equals("SubPlan")) {
                    items.add(new Item(ItemType.SUBPLAN, i, i + 2, null, null, false, number, -1));
                    return i + 2;
                }
                // PostgreSQL 16+: "(InitPlan 1).col1"
                if (i + 4 < n && t.get(i + 2).is(Kind.RPAREN) && t.get(i + 3).is(Kind.DOT)
                        && t.get(i + 4).is(Kind.IDENT)) {
                    Matcher m = INITPLAN_COLUMN.matcher(t.get(i + 4).raw());
                    if (m.matches()) {
                        items.add(new Item(ItemType.INITPLAN, i, i + 5, null, null, false, number,
                                parseNumber(m.group(1)) - 1));
                        return i + 5;
                    }
                }
                items.add(new Item(ItemType.INITPLAN, i, i + 2, null, null, false, number, -1));
                return i + 2;
            }
            if (word.equals("AS") || word.equals("RETURNING")) {
                return skipTypeName(t, i + 1); // XMLSERIALIZE(... AS text), XMLFOREST(x AS label), JSON ... RETURNING type
            }
            if (word.equals("NAME") && i + 1 < n && t.get(i + 1).isName()) {
                return i + 2; // XMLELEMENT(NAME element, ...)
            }
            if (word.equals("EXTRACT") && i + 2 < n && t.get(i + 1).is(Kind.LPAREN) && t.get(i + 2).isName()) {
                return i + 3; // EXTRACT(year FROM ...): the field is a word, not a column
            }
            return i + 1; // any other keyword: CASE, WHEN, OVER, ROW, ARRAY, COALESCE, ...
        }
        // A name chain: a, a.b, a.b.c, optionally ending in .*
        List<String> parts = new ArrayList<>(3);
        parts.add(tok.value());
        int j = i;
        while (j + 2 < n && t.get(j + 1).is(Kind.DOT) && t.get(j + 2).isName()) {
            parts.add(t.get(j + 2).value());
            j += 2;
        }
        if (j + 2 < n && t.get(j + 1).is(Kind.DOT) && t.get(j + 2).isOp("*")) {
            items.add(Item.ref(i, j + 3, parts.get(parts.size() - 1), "*", true));
            return j + 3;
        }
        int end = j + 1;
        Token next = end < n ? t.get(end) : null;
        if (next != null && next.is(Kind.LPAREN)) {
            String schema = parts.size() > 1 ? String.join(".", parts.subList(0, parts.size() - 1)) : null;
            items.add(new Item(ItemType.FUNC, i, end, schema, parts.get(parts.size() - 1), false, 0, -1));
            return end;
        }
        if (parts.size() == 1) {
            if (next != null && next.isOp("=>")) {
                return end; // named argument
            }
            if (tok.is(Kind.IDENT) && isDeparserWord(tok.raw(), next, end + 1 < n ? t.get(end + 1) : null)) {
                return end;
            }
            items.add(Item.ref(i, end, null, parts.get(0), false));
        } else if (parts.size() == 2) {
            items.add(Item.ref(i, end, parts.get(0), parts.get(1), false));
        } else {
            // Not something the deparser prints for a column; cover both readings.
            items.add(Item.ref(i, end, parts.get(0), parts.get(1), false));
            items.add(Item.ref(i, end, parts.get(parts.size() - 2), parts.get(parts.size() - 1), false));
        }
        return end;
    }

    /**
     * Lower-case words the deparser prints itself: the boolean literals (reserved, so a column
     * of that name would be quoted), "hashed SubPlan n" and "alternatives: ...". The last two
     * are unreserved, so they count as words only in that position.
     */
    private static boolean isDeparserWord(String word, Token next, Token afterNext) {
        return switch (word) {
            case "true", "false" -> true;
            case "hashed" -> next != null && next.raw().equals("SubPlan") && afterNext != null && afterNext.is(Kind.NUMBER);
            case "alternatives" -> next != null && next.is(Kind.COLON);
            default -> false;
        };
    }

    private static int skipTypeName(List<Token> t, int i) {
        int n = t.size();
        if (i < n && t.get(i).isName()) {
            i = skipQualifiedName(t, i);
        }
        while (i < n) {
            Token tok = t.get(i);
            if (tok.is(Kind.LPAREN) || tok.is(Kind.LBRACKET)) {
                int after = skipTypeModifier(t, i);
                if (after < 0) {
                    break;
                }
                i = after;
            } else if (tok.is(Kind.IDENT) && TYPE_WORDS.contains(tok.raw())) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private static int skipQualifiedName(List<Token> t, int i) {
        int n = t.size();
        if (i < n && t.get(i).isName()) {
            i++;
            while (i + 1 < n && t.get(i).is(Kind.DOT) && t.get(i + 1).isName()) {
                i += 2;
            }
        }
        return i;
    }

    /**
     * Skips a type modifier {@code (20)}, {@code (12,2)} or array bounds {@code []}, {@code [3]};
     * returns -1 if the bracket holds anything else (then it is not part of the type name).
     */
    private static int skipTypeModifier(List<Token> t, int i) {
        Kind close = t.get(i).is(Kind.LPAREN) ? Kind.RPAREN : Kind.RBRACKET;
        for (int j = i + 1; j < t.size(); j++) {
            Token tok = t.get(j);
            if (tok.is(close)) {
                return j + 1;
            }
            if (!tok.is(Kind.NUMBER) && !tok.is(Kind.COMMA)) {
                return -1;
            }
        }
        return -1;
    }

    private static int parseNumber(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
