package dev.pgwarden.approvals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.OptionalLong;

/** Text shared by the channels' cards: safe truncation and how facts read. */
public final class CardText {
    public static final String ELLIPSIS = "…";
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private CardText() {
    }

    /**
     * At most {@code maxChars} UTF-16 units, ending in an ellipsis when cut; never splits a
     * surrogate pair (a lone surrogate is invalid JSON text for Slack and Teams).
     */
    public static String truncate(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int end = maxChars - ELLIPSIS.length();
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, Math.max(end, 0)) + ELLIPSIS;
    }

    /** Whether a link can be offered: chat clients only open absolute http(s) URLs. */
    public static boolean isAbsoluteWebUrl(String url) {
        return url != null && (url.startsWith("https://") || url.startsWith("http://"));
    }

    public static String rows(OptionalLong estimate) {
        return estimate.isPresent() ? String.format(Locale.ROOT, "≈ %,d", estimate.getAsLong()) : "not estimated";
    }

    public static String utc(Instant instant) {
        return UTC.format(instant);
    }

    /** The requester and their groups: {@code agent-7 (analysts, support)}. */
    public static String who(ApprovalCard card) {
        return card.groups() == null || card.groups().isEmpty() ? card.subject()
                : card.subject() + " (" + String.join(", ", card.groups()) + ")";
    }
}
