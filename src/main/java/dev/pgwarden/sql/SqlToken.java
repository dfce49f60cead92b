package dev.pgwarden.sql;

/**
 * One lexical token of PostgreSQL SQL, as PostgreSQL's own scanner would cut it.
 *
 * @param type        what sort of token
 * @param text        normalised value: lower-cased for {@link Type#WORD}, unescaped for quoted identifiers and
 *                    plain strings, the raw body for the other string forms, the raw text otherwise
 * @param start       offset of the first character in the lexed text
 * @param end         offset after the last character
 * @param spaceBefore whether whitespace or a comment separated it from the previous token
 * @param terminated  false for a string, identifier or comment that ran to the end of the text
 */
public record SqlToken(Type type, String text, int start, int end, boolean spaceBefore, boolean terminated) {

    public enum Type {
        /** Unquoted identifier or keyword. */
        WORD,
        /** {@code "identifier"}. */
        QUOTED_IDENT,
        /** {@code U&"identifier"}: escapes left undecoded. */
        UNICODE_IDENT,
        /** {@code 'text'} with {@code ''} escapes (standard_conforming_strings on). */
        STRING,
        /** {@code E'text'}: backslash escapes, body kept raw. */
        ESCAPE_STRING,
        /** {@code U&'text'}: body kept raw. */
        UNICODE_STRING,
        /** {@code $tag$text$tag$}. */
        DOLLAR_STRING,
        /** {@code N'..'}, {@code B'..'}, {@code X'..'}. */
        PREFIXED_STRING,
        NUMBER,
        /** {@code $1}. */
        PARAM,
        OPERATOR,
        /** {@code ( ) [ ] , . : ::} and stray characters. */
        PUNCT,
        SEMICOLON,
        /** A comment that never closed; PostgreSQL rejects the text. */
        UNTERMINATED_COMMENT
    }

    public boolean isWord(String lowerCaseWord) {
        return type == Type.WORD && text.equals(lowerCaseWord);
    }

    public boolean isPunct(String punct) {
        return type == Type.PUNCT && text.equals(punct);
    }

    public boolean isString() {
        return switch (type) {
            case STRING, ESCAPE_STRING, UNICODE_STRING, DOLLAR_STRING, PREFIXED_STRING -> true;
            default -> false;
        };
    }

    /** A word or a quoted identifier: something that names an object. */
    public boolean isIdentifier() {
        return type == Type.WORD || type == Type.QUOTED_IDENT;
    }
}
