package dev.pgwarden.approvals.slack;

import dev.pgwarden.approvals.CardText;

/** Slack mrkdwn from untrusted text: escaped, fenced, within Slack's limits. */
final class SlackText {
    /** Slack's limit for a section block's text. */
    static final int SECTION_LIMIT = 3000;
    /** Slack's limit for each of a section block's fields. */
    static final int FIELD_LIMIT = 2000;

    private static final String FENCE_OPEN = "```\n";
    private static final String FENCE_CLOSE = "\n```";
    /** Breaks a run of backticks so statement text can never close the fence around it. */
    private static final String BACKTICK = "`\u200B";

    private SlackText() {
    }

    /**
     * Escapes the three characters Slack reads as control sequences ({@code <@U123>}, {@code <!channel>},
     * {@code <https://x|label>}); everything else is shown as written.
     */
    static String escape(String text) {
        return fit(text, Integer.MAX_VALUE, false).text();
    }

    /** An escaped value cut to fit {@code maxChars} after escaping, never inside an entity or a surrogate pair. */
    static String escapeWithin(String text, int maxChars) {
        return fit(text, maxChars, false).text();
    }

    /**
     * The statement as a code block of at most {@code maxChars} (fences and note included). When it
     * does not fit, it is cut on a character boundary and a note says how much is not shown.
     */
    static String codeBlock(String statement, int maxChars) {
        int total = statement.codePointCount(0, statement.length());
        Fitted all = fit(statement, maxChars - FENCE_OPEN.length() - FENCE_CLOSE.length(), true);
        if (all.shown() == total) {
            return FENCE_OPEN + all.text() + FENCE_CLOSE;
        }
        Fitted part = fit(statement, maxChars - FENCE_OPEN.length() - FENCE_CLOSE.length() - note(total).length(), true);
        return FENCE_OPEN + part.text() + FENCE_CLOSE + note(total - part.shown());
    }

    private static String note(int hidden) {
        return "\n_" + hidden + " more characters not shown; the console shows the whole statement._";
    }

    /** Escaped text and how many code points of the original it shows. */
    private record Fitted(String text, int shown) {
    }

    /**
     * Appends escaped code points while they fit in {@code budget} (with room for an ellipsis when
     * cut), so an entity like {@code &amp;} or a surrogate pair is either whole or absent.
     */
    private static Fitted fit(String text, int budget, boolean inCode) {
        StringBuilder out = new StringBuilder(Math.min(text.length() + 16, Math.max(budget, 16)));
        int shown = 0;
        for (int i = 0; i < text.length();) {
            int cp = text.codePointAt(i);
            String piece = piece(cp, inCode);
            boolean last = i + Character.charCount(cp) == text.length();
            int reserve = last ? 0 : CardText.ELLIPSIS.length();
            if (out.length() + piece.length() + reserve > budget) {
                return new Fitted(out.append(CardText.ELLIPSIS).toString(), shown);
            }
            out.append(piece);
            shown++;
            i += Character.charCount(cp);
        }
        return new Fitted(out.toString(), shown);
    }

    private static String piece(int cp, boolean inCode) {
        return switch (cp) {
            case '&' -> "&amp;";
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '`' -> inCode ? BACKTICK : "`";
            default -> new String(Character.toChars(cp));
        };
    }
}
