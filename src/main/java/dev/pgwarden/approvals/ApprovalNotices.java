package dev.pgwarden.approvals;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.wire.PgError;

/**
 * The NoticeResponse a held statement's client gets at once, written and read in one place: psql
 * prints it, and the MCP endpoint reads the request's id and rule back from it.
 */
public final class ApprovalNotices {
    /** A request that now waits for an approver. */
    public record Requested(String id, String rule) {
    }

    private static final Pattern REQUESTED = Pattern.compile(
            "^pgwarden: approval (apr-[a-z0-9]+) requested; the statement waits for an approver \\(rule (.+), expires [^)]+\\)$");

    private ApprovalNotices() {
    }

    public static PgError requested(String id, String rule, Instant expiresAt, String reviewLink) {
        return PgError.notice("pgwarden: approval " + id + " requested; the statement waits for an approver (rule "
                + rule + ", expires " + expiresAt + ")").withHint("review it at " + reviewLink);
    }

    /** The request a notice announces, if it is a {@link #requested} notice. */
    public static Optional<Requested> parseRequested(PgError notice) {
        if (notice.message() == null) {
            return Optional.empty();
        }
        Matcher m = REQUESTED.matcher(notice.message());
        return m.matches() ? Optional.of(new Requested(m.group(1), m.group(2))) : Optional.empty();
    }
}
