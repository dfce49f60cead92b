package dev.pgwarden.loopback;

import java.util.List;

import dev.pgwarden.masking.Field;
import dev.pgwarden.wire.PgError;

/**
 * What one statement returned, as the gateway sent it (masked values are what the client sees).
 *
 * @param columns    empty for statements that return no rows
 * @param rows       text values, null for SQL NULL; at most the row cap
 * @param truncated  more rows existed than the cap (or the byte cap) let through
 * @param commandTag CommandComplete's tag ({@code SELECT 3}), null when the statement failed or was cut short
 * @param error      the ErrorResponse, or null
 * @param notices    NoticeResponses received while it ran, in order
 */
public record StatementOutcome(List<Field> columns, List<List<String>> rows, boolean truncated,
        String commandTag, PgError error, List<PgError> notices) {
}
