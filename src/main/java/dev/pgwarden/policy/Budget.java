package dev.pgwarden.policy;

import java.util.Collection;
import java.util.List;

import dev.pgwarden.sql.TableName;

/**
 * One entry of {@code budgets:}: how much one identity (token subject) may receive from some tables
 * in any hour, across all its sessions and every gateway replica. Past it, the subject's next
 * statement on those tables waits for a person's approval.
 *
 * @param groups         the budget applies to principals in any of these groups; empty = everyone
 * @param tables         statements that read or write a table matching any of these count
 * @param rowsPerHour    rows (DataRow, COPY TO line) the subject may receive in any 60 minutes; -1 = no row limit
 * @param bytesPerHour   bytes of those rows; -1 = no byte limit
 * @param lookupsPerHour equality lookups on masked columns; -1 = no lookup limit
 * @param grantMinutes   an approval lets the subject's statements on these tables run for this long without
 *                       asking again; 0 = an approval covers the held statement only
 * @param line           where the budget starts in the policy file
 */
public record Budget(String name, List<String> groups, List<NamePattern> tables, long rowsPerHour,
        long bytesPerHour, long lookupsPerHour, int grantMinutes, int line) {

    public static final long UNLIMITED = -1;

    /** Whether the budget covers a principal in {@code principalGroups}. */
    public boolean appliesTo(Collection<String> principalGroups) {
        if (groups.isEmpty()) {
            return true;
        }
        for (String g : groups) {
            if (principalGroups.contains(g)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a statement touching {@code touched} counts against this budget. */
    public boolean covers(Collection<TableName> touched) {
        for (TableName t : touched) {
            for (NamePattern p : tables) {
                if (p.matchesTable(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether usage of this size has spent the budget (reached any of its limits). */
    public boolean spentBy(long rows, long bytes, long lookups) {
        return reached(rows, rowsPerHour) || reached(bytes, bytesPerHour) || reached(lookups, lookupsPerHour);
    }

    private static boolean reached(long used, long limit) {
        return limit != UNLIMITED && used >= limit;
    }
}
