package dev.pgwarden.lineage;

import java.util.ArrayList;
import java.util.List;

import dev.pgwarden.lineage.Token.Kind;

/**
 * Splits deparsed expression text (EXPLAIN "Output", "Function Call", ...) into tokens.
 * Literals are kept whole so that text inside them ({@code 'customers.ssn'::text}) is never
 * mistaken for a column reference.
 */
final class ExpressionTokenizer {

    static final class SyntaxException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    private static final String OPERATOR_CHARS = "+-*/<>=~!@#%^&|`?";

    private ExpressionTokenizer() {
    }

    static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>(Math.max(4, s.length() / 4));
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            char next = i + 1 < n ? s.charAt(i + 1) : '\0';
            if ((c == 'E' || c == 'e') && next == '\'') {
                i = string(s, i, i + 1, true, out);
            } else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && next == '\'') {
                i = string(s, i, i + 1, false, out);
            } else if ((c == 'U' || c == 'u') && next == '&' && i + 2 < n && s.charAt(i + 2) == '\'') {
                i = string(s, i, i + 2, false, out);
            } else if ((c == 'U' || c == 'u') && next == '&' && i + 2 < n && s.charAt(i + 2) == '"') {
                i = quotedIdentifier(s, i, i + 2, out);
            } else if (c == '\'') {
                i = string(s, i, i, false, out);
            } else if (c == '"') {
                i = quotedIdentifier(s, i, i, out);
            } else if (c == '$' && Character.isDigit(next)) {
                int j = i + 1;
                while (j < n && Character.isDigit(s.charAt(j))) {
                    j++;
                }
                out.add(new Token(Kind.PARAM, s.substring(i, j), s.substring(i + 1, j)));
                i = j;
            } else if (isIdentifierStart(c)) {
                int j = i + 1;
                while (j < n && isIdentifierPart(s.charAt(j))) {
                    j++;
                }
                String word = s.substring(i, j);
                out.add(new Token(Kind.IDENT, word, word));
                i = j;
            } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(next))) {
                i = number(s, i, out);
            } else if (c == ':' && next == ':') {
                out.add(new Token(Kind.CAST, "::", "::"));
                i += 2;
            } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || c == '.' || c == ':' || c == ';') {
                Kind k = switch (c) {
                    case '(' -> Kind.LPAREN;
                    case ')' -> Kind.RPAREN;
                    case '[' -> Kind.LBRACKET;
                    case ']' -> Kind.RBRACKET;
                    case ',' -> Kind.COMMA;
                    case '.' -> Kind.DOT;
                    case ':' -> Kind.COLON;
                    default -> Kind.SEMICOLON;
                };
                String t = String.valueOf(c);
                out.add(new Token(k, t, t));
                i++;
            } else if (OPERATOR_CHARS.indexOf(c) >= 0) {
                int j = i + 1;
                while (j < n && OPERATOR_CHARS.indexOf(s.charAt(j)) >= 0) {
                    j++;
                }
                String op = s.substring(i, j);
                out.add(new Token(Kind.OP, op, op));
                i = j;
            } else {
                String t = String.valueOf(c);
                out.add(new Token(Kind.OP, t, t));
                i++;
            }
        }
        return out;
    }

    /** {@code start} is the token start (prefix included), {@code quote} the opening quote. */
    private static int string(String s, int start, int quote, boolean backslashEscapes, List<Token> out) {
        int n = s.length();
        int j = quote + 1;
        while (true) {
            if (j >= n) {
                throw new SyntaxException("unterminated string literal");
            }
            char c = s.charAt(j);
            if (backslashEscapes && c == '\\') {
                j += 2;
                continue;
            }
            if (c == '\'') {
                if (j + 1 < n && s.charAt(j + 1) == '\'') {
                    j += 2;
                    continue;
                }
                j++;
                break;
            }
            j++;
        }
        String raw = s.substring(start, j);
        out.add(new Token(Kind.STRING, raw, raw));
        return j;
    }

    private static int quotedIdentifier(String s, int start, int quote, List<Token> out) {
        int n = s.length();
        StringBuilder value = new StringBuilder();
        int j = quote + 1;
        while (true) {
            if (j >= n) {
                throw new SyntaxException("unterminated quoted identifier");
            }
            char c = s.charAt(j);
            if (c == '"') {
                if (j + 1 < n && s.charAt(j + 1) == '"') {
                    value.append('"');
                    j += 2;
                    continue;
                }
                j++;
                break;
            }
            value.append(c);
            j++;
        }
        out.add(new Token(Kind.QIDENT, s.substring(start, j), value.toString()));
        return j;
    }

    private static int number(String s, int i, List<Token> out) {
        int n = s.length();
        int j = i;
        while (j < n && Character.isDigit(s.charAt(j))) {
            j++;
        }
        if (j + 1 < n && s.charAt(j) == '.' && Character.isDigit(s.charAt(j + 1))) {
            j++;
            while (j < n && Character.isDigit(s.charAt(j))) {
                j++;
            }
        } else if (j == i && j < n && s.charAt(j) == '.') {
            j++;
            while (j < n && Character.isDigit(s.charAt(j))) {
                j++;
            }
        }
        if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
            int k = j + 1;
            if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                k++;
            }
            if (k < n && Character.isDigit(s.charAt(k))) {
                j = k;
                while (j < n && Character.isDigit(s.charAt(j))) {
                    j++;
                }
            }
        }
        String raw = s.substring(i, j);
        out.add(new Token(Kind.NUMBER, raw, raw));
        return j;
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || (c >= '0' && c <= '9') || c == '$';
    }
}
