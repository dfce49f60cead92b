package dev.pgwarden.proxy;

import java.time.Duration;

import org.jboss.logging.Logger;

import dev.pgwarden.proxy.upstream.SideQueryClient;
import io.vertx.core.Context;

/**
 * Notices that PostgreSQL's catalog changed (DDL, GRANT/REVOKE, a view or function redefined, a
 * role granted), whoever changed it, so decisions and lineage made on the old catalog are not reused.
 * A cheap probe reads a summary of the catalogs those answers depend on (every tuple version's
 * {@code xmin} and the row counts: any insert, update or delete changes it) every
 * {@code pgwarden.upstream.catalog-check-interval}, and at once when a session's statement suggests
 * a change ({@link #checkSoon}: DDL went through, or PostgreSQL answered with "permission denied" or
 * "does not exist", which a stale decision would otherwise keep running into). One per event loop,
 * on that loop's catalog side connection; use on its loop.
 */
public final class CatalogWatch {
    private static final Logger LOG = Logger.getLogger(CatalogWatch.class);
    /** Probes asked for by sessions run at most this often. */
    private static final long SOON_SPACING_MILLIS = 200;
    static final String PROBE = "SELECT "
            + String.join(" || '/' || ", summary("pg_class"), summary("pg_attribute"), summary("pg_rewrite"),
                    summary("pg_proc"), summary("pg_namespace"), summary("pg_policy"), summary("pg_auth_members"),
                    summary("pg_operator"));

    private final SideQueryClient side;
    private final Context context;
    private final long intervalMillis;
    private Runnable onChange = () -> { };
    private String last;
    private boolean probing;
    private boolean again;
    private long soonTimer = -1;
    private long periodic = -1;

    public CatalogWatch(SideQueryClient side, Context context, Duration interval) {
        this.side = side;
        this.context = context;
        this.intervalMillis = Math.max(100, interval.toMillis());
    }

    private static String summary(String catalog) {
        return "(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_catalog." + catalog + ")";
    }

    /** What to do when the catalog changed (after the first probe, which only sets the baseline). */
    public void onChange(Runnable action) {
        this.onChange = action;
    }

    public void start() {
        probe();
        periodic = context.owner().setPeriodic(intervalMillis, t -> probe());
    }

    public void stop() {
        context.owner().cancelTimer(periodic);
        context.owner().cancelTimer(soonTimer);
    }

    /** A session saw a sign of a catalog change: probe within a moment. Any thread. */
    public void checkSoon() {
        context.runOnContext(v -> {
            if (soonTimer == -1) {
                soonTimer = context.owner().setTimer(SOON_SPACING_MILLIS, t -> {
                    soonTimer = -1;
                    probe();
                });
            }
        });
    }

    private void probe() {
        if (probing) {
            again = true;
            return;
        }
        probing = true;
        side.query(PROBE).onComplete(r -> {
            probing = false;
            if (r.succeeded()) {
                String now = r.result().get(0).get(0);
                if (last != null && !last.equals(now)) {
                    LOG.debug("the catalog changed: decisions and lineage are made afresh");
                    onChange.run();
                }
                last = now;
            } else {
                LOG.debugf("catalog probe failed: %s", r.cause().getMessage());
            }
            if (again) {
                again = false;
                probe();
            }
        });
    }
}
