package dev.pgwarden.lineage;

import java.util.ArrayList;
import java.util.List;

/** The elements of a PostgreSQL array literal's text ({@code {a,"b,c",{d,e}}}), for counting lookups. */
final class ArrayLiteral {
    private ArrayLiteral() {
    }

    /**
     * @param text the literal's content, without the SQL quotes
     * @return its elements at every depth, each as written; null if the text is not an array literal
     */
    static List<String> elements(String text) {
        String s = text.strip();
        int start = 0;
        if (s.startsWith("[")) { // explicit bounds: [1:2]={a,b}
            start = s.indexOf('=') + 1;
            if (start == 0) {
                return null;
            }
        }
        if (start >= s.length() || s.charAt(start) != '{' || !s.endsWith("}")) {
            return null;
        }
        List<String> out = new ArrayList<>();
        StringBuilder element = new StringBuilder();
        boolean quoted = false;
        boolean inElement = false;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < s.length()) {
                    element.append(c).append(s.charAt(++i));
                } else {
                    element.append(c);
                    quoted = c != '"';
                }
                continue;
            }
            switch (c) {
                case '{' -> {
                }
                case ',', '}' -> {
                    if (inElement) {
                        out.add(element.toString().strip());
                        element.setLength(0);
                        inElement = false;
                    }
                }
                case '"' -> {
                    element.append(c);
                    quoted = true;
                    inElement = true;
                }
                default -> {
                    if (!Character.isWhitespace(c) || inElement) {
                        element.append(c);
                        inElement = true;
                    }
                }
            }
        }
        return quoted ? null : out;
    }
}
