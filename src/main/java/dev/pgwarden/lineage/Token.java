package dev.pgwarden.lineage;

/**
 * One lexical token of an expression as PostgreSQL's deparser prints it in EXPLAIN.
 * Equality is by kind and raw text, which is what matching a child's output inside a parent's
 * expression needs (the deparser is deterministic).
 */
record Token(Kind kind, String raw, String value) {

    enum Kind {
        /** Unquoted identifier or keyword; value is the raw text. */
        IDENT,
        /** Double-quoted identifier; value is unquoted. */
        QIDENT,
        /** String or bit-string literal, including any E/B/X/U& prefix. */
        STRING,
        NUMBER,
        /** {@code $n}; value is n. */
        PARAM,
        LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, DOT, COLON, SEMICOLON,
        /** {@code ::} */
        CAST,
        /** A run of operator characters, e.g. {@code ||}, {@code =>}, {@code *}. */
        OP
    }

    boolean is(Kind k) {
        return kind == k;
    }

    boolean isOp(String text) {
        return kind == Kind.OP && raw.equals(text);
    }

    /** An identifier that may name a column, alias, function or type. */
    boolean isName() {
        return kind == Kind.IDENT || kind == Kind.QIDENT;
    }

    /**
     * An unquoted word with an upper-case letter. The deparser quotes every identifier that is
     * not all lower case, so such a word is always one of its keywords (CASE, OVER, SubPlan...).
     */
    boolean isKeyword() {
        if (kind != Kind.IDENT) {
            return false;
        }
        for (int i = 0; i < raw.length(); i++) {
            if (Character.isUpperCase(raw.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Token t && t.kind == kind && t.raw.equals(raw);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + raw.hashCode();
    }

    @Override
    public String toString() {
        return raw;
    }
}
