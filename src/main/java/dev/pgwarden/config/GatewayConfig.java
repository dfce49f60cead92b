package dev.pgwarden.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Every {@code pgwarden.*} key; docs/configuration.md documents each one. */
@ConfigMapping(prefix = "pgwarden")
public interface GatewayConfig {

    Listen listen();

    Upstream upstream();

    Identity identity();

    Policy policy();

    @WithName("dev-issuer")
    DevIssuer devIssuer();

    Masking masking();

    Api api();

    Approvals approvals();

    Slack slack();

    Teams teams();

    Audit audit();

    Mcp mcp();

    /**
     * The Model Context Protocol endpoint ({@code /mcp} on the HTTP port). Each MCP session is a
     * session on the gateway's own listener, so every guard applies to it unchanged.
     */
    interface Mcp {
        /** Serve {@code /mcp}; when false it answers 404. */
        @WithDefault("true")
        boolean enabled();

        /** Rows a tool returns at most; a longer result says {@code "truncated": true}. */
        @WithName("row-cap")
        @WithDefault("1000")
        int rowCap();

        /** Bytes of row data a tool returns at most (the same truncated flag). */
        @WithName("result-max-bytes")
        @WithDefault("1048576")
        int resultMaxBytes();

        /** How long a tool call waits for a held statement's decision (sending progress) before answering "pending". */
        @WithName("approval-wait")
        @WithDefault("PT30S")
        Duration approvalWait();

        /** MCP sessions with an open session on the listener, at most; more get 53300. */
        @WithName("max-sessions")
        @WithDefault("64")
        int maxSessions();

        /** An MCP session without requests for this long ends, and its listener session with it. */
        @WithName("idle-timeout")
        @WithDefault("PT30M")
        Duration idleTimeout();

        /** Largest request body accepted on /mcp, in bytes; larger gets 413. */
        @WithName("max-request-size")
        @WithDefault("1048576")
        int maxRequestSize();
    }

    Budgets budgets();

    /**
     * Per-identity budgets (the policy's {@code budgets:}): usage is counted in memory, flushed to the
     * store and read back, so every replica sees every replica's usage.
     */
    interface Budgets {
        /** How often local usage is written to the store and everyone's usage read back. */
        @WithName("flush-interval")
        @WithDefault("PT1S")
        Duration flushInterval();

        /**
         * Statements on budgeted tables are refused (53000) while the last read of the store is older
         * than this: a budget that cannot see other replicas' usage cannot hold (fail closed).
         */
        @WithName("max-staleness")
        @WithDefault("PT10S")
        Duration maxStaleness();
    }

    /** The audit trail: every session, statement and (masked) result, in the gateway's store. */
    interface Audit {
        /** Record sessions at all. */
        @WithDefault("true")
        boolean enabled();

        /** Rows of a result kept per statement; the count of all rows is kept either way. */
        @WithName("capture-rows")
        @WithDefault("1000")
        int captureRows();

        /** Bytes of result rows kept per statement. */
        @WithName("capture-bytes")
        @WithDefault("1048576")
        int captureBytes();

        /** Records waiting for the store; beyond this, new statements are refused (fail closed) or records dropped. */
        @WithName("queue-size")
        @WithDefault("10000")
        int queueSize();

        /** Bytes of records waiting for the store (captured results dominate); the same rule applies beyond it. */
        @WithName("queue-bytes")
        @WithDefault("67108864")
        long queueBytes();

        /**
         * true: a statement's ReadyForQuery waits until its record is committed, and new statements
         * are refused while the store is down or the queue is full. false: recording never holds a
         * client up; records that cannot be queued are dropped (and counted).
         */
        @WithName("fail-closed")
        @WithDefault("true")
        boolean failClosed();

        /** How long a ReadyForQuery may wait for its record; then the session ends (the client saw no acknowledgement). */
        @WithName("commit-timeout")
        @WithDefault("PT30S")
        Duration commitTimeout();

        /**
         * Writer lanes: threads, each committing its own batches on its own store connection. A session's
         * records all go through one lane. One lane batches best (every waiting session's record in one
         * commit); more help only a store whose commits wait on I/O while its CPU is idle.
         */
        @WithDefault("1")
        int writers();

        /**
         * How long a lane holding records waits for the records of statements its sessions are still
         * running, so they share one commit (PostgreSQL's commit_delay, for the trail); it stops waiting as
         * soon as none is out. 0 (the default) commits at once: a statement that runs long, or waits for
         * an approval, is "out" the whole time, and every commit of its lane would wait the full time.
         */
        @WithName("gather-wait")
        @WithDefault("PT0S")
        Duration gatherWait();

        /**
         * At shutdown, once the sessions have ended, how long queued records may take to reach the
         * store; what is still unwritten then (the store down) is counted, logged and given up.
         */
        @WithName("shutdown-drain")
        @WithDefault("PT5S")
        Duration shutdownDrain();

        /**
         * This replica's name in the trail; after a crash the replica closes the sessions it left open
         * under it, and only those. Must be stable across restarts and unique among running replicas;
         * unset: {@code <host name>:<listen port>}.
         */
        @WithName("replica-id")
        Optional<String> replicaId();

        /** Sessions that ended longer ago than this are removed by the retention job; 0 keeps everything. */
        @WithName("retention-days")
        @WithDefault("365")
        int retentionDays();

        /** Token groups allowed to read, export and verify the trail. */
        @WithName("auditor-groups")
        @WithDefault("auditors")
        List<String> auditorGroups();
    }

    /** Held statements: who may decide, how long a request waits, how far an approved estimate may be exceeded. */
    interface Approvals {
        /** Token groups whose members may approve in the console / REST API. */
        @WithName("approver-groups")
        @WithDefault("pgwarden-approvers")
        List<String> approverGroups();

        /** A request nobody decides on expires after this (the client gets 57014). */
        @WithDefault("PT10M")
        Duration timeout();

        /** An approved SELECT is cancelled once its rows exceed the approved estimate times this. */
        @WithName("ceiling-factor")
        @WithDefault("2.0")
        double ceilingFactor();

        /** The gateway's public HTTPS base URL, for links in cards (the console's approval page). */
        @WithName("public-url")
        Optional<String> publicUrl();

        /** A card post or update that failed (Slack or Teams down) is retried for this long at most. */
        @WithName("channel-retry-for")
        @WithDefault("PT10M")
        Duration channelRetryFor();

        /** Retries start 1 s after a failure and double up to this. */
        @WithName("channel-retry-max-backoff")
        @WithDefault("PT30S")
        Duration channelRetryMaxBackoff();
    }

    /** Slack: cards posted with chat.postMessage, decisions received on /slack/interactivity. */
    interface Slack {
        @WithName("bot-token")
        Optional<String> botToken();

        Optional<String> channel();

        @WithName("signing-secret")
        Optional<String> signingSecret();

        /** Slack's Web API base; tests point it at a local server speaking the same API. */
        @WithName("api-url")
        @WithDefault("https://slack.com/api/")
        String apiUrl();

        /** A Web API call that has not answered within this fails (and a card post is retried). */
        @WithDefault("PT10S")
        Duration timeout();

        /** Slack user ids (U...) or e-mail addresses allowed to click Approve/Deny. */
        Optional<List<String>> approvers();
    }

    /** Microsoft Teams: an Adaptive Card posted to a Workflows / incoming-webhook URL. */
    interface Teams {
        @WithName("webhook-url")
        Optional<String> webhookUrl();
    }

    interface Api {
        /** Groups whose members may use the admin API (policy view and policy test). */
        @WithName("admin-groups")
        @WithDefault("pgwarden-admins,auditors")
        List<String> adminGroups();
    }

    interface Masking {
        /**
         * Key of the keyed hash behind the {@code hash} mask (at least 16 bytes). Give every replica
         * the same secret so equal values hash alike everywhere; when unset a random key is made at
         * start, so hashes only compare within one process.
         */
        @WithName("hash-key")
        Optional<String> hashKey();
    }

    interface Listen {
        @WithDefault("0.0.0.0")
        String host();

        @WithDefault("15432")
        int port();

        /** Refuse clients that do not negotiate TLS (their password is a bearer token). */
        @WithName("require-tls")
        @WithDefault("false")
        boolean requireTls();

        /** PEM certificate chain; TLS is offered only when both files are set. */
        @WithName("tls-cert-file")
        Optional<String> tlsCertFile();

        @WithName("tls-key-file")
        Optional<String> tlsKeyFile();

        /** Largest single protocol message accepted from a client or the upstream (hard cap 1 GiB). */
        @WithName("max-message-size")
        @WithDefault("67108864")
        int maxMessageSize();

        /** Clients that have not authenticated within this time are disconnected. */
        @WithName("auth-timeout")
        @WithDefault("PT30S")
        Duration authTimeout();

        /** FunctionCall messages carry no SQL a policy could read, so they are refused unless allowed. */
        @WithName("allow-function-call")
        @WithDefault("false")
        boolean allowFunctionCall();

        /** Event-loop threads for the listener; 0 = one per core. */
        @WithName("event-loops")
        @WithDefault("0")
        int eventLoops();

        /**
         * Graceful shutdown: once new connections are refused, how long open sessions get to finish their
         * statement or transaction; each ends (57P01) as soon as it is idle, the rest when this runs out.
         */
        @WithName("shutdown-grace")
        @WithDefault("PT10S")
        Duration shutdownGrace();
    }

    interface Upstream {
        @WithDefault("127.0.0.1")
        String host();

        @WithDefault("5432")
        int port();

        String database();

        String user();

        /** The gateway's own credential; prefer password-file or the PGWARDEN_UPSTREAM_PASSWORD env var. */
        Optional<String> password();

        /** A file holding the password (Kubernetes / Secrets Manager mounts); trailing newline ignored. */
        @WithName("password-file")
        Optional<String> passwordFile();

        /** disable | require | verify-full */
        @WithName("ssl-mode")
        @WithDefault("disable")
        String sslMode();

        /** PEM CA bundle for verify-full; the JVM's trust store when unset. */
        @WithName("ssl-root-cert")
        Optional<String> sslRootCert();

        /**
         * How often each event loop checks whether PostgreSQL's catalog changed (tables, views,
         * functions, grants, role memberships), so that cached decisions and lineage are made afresh.
         */
        @WithName("catalog-check-interval")
        @WithDefault("PT2S")
        Duration catalogCheckInterval();

        /**
         * The gateway's own connections for EXPLAIN (row estimates, plan lineage), at most this many per
         * database role and event loop, opened as questions queue up: new statement texts from several
         * sessions are planned side by side.
         */
        @WithName("side-connections")
        @WithDefault("4")
        int sideConnections();

        @WithName("connect-timeout")
        @WithDefault("PT10S")
        Duration connectTimeout();
    }

    interface Identity {
        /** Where the groups live in the token: a claim name or a slash path (Keycloak: realm_access/roles). */
        @WithName("groups-claim")
        @WithDefault("groups")
        String groupsClaim();

        /**
         * End each listener session when its token expires (FATAL 57P01): a session must not outlive
         * the access it was given. A statement in flight then finishes first, within the grace below.
         */
        @WithName("end-at-token-expiry")
        @WithDefault("true")
        boolean endAtTokenExpiry();

        /** How long a statement in flight when the token expires may still run; then it is cancelled and the session ends. */
        @WithName("expiry-grace")
        @WithDefault("PT30S")
        Duration expiryGrace();
    }

    interface Policy {
        /** The policy YAML (role mapping, rules, masking). */
        String file();

        /** How often the file is checked for changes. */
        @WithName("reload-interval")
        @WithDefault("PT2S")
        Duration reloadInterval();
    }

    interface DevIssuer {
        /** A built-in token issuer for demos and tests. Never enable in production. */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("127.0.0.1")
        String host();

        @WithDefault("8180")
        int port();

        /** The {@code aud} of its tokens, and the client id of its login flow. */
        @WithDefault("pgwarden")
        String audience();

        /** The login client's secret (the console's {@code quarkus.oidc.console.credentials.secret}); no login without it. */
        @WithName("client-secret")
        Optional<String> clientSecret();

        /** People who may log in through its form, by name: {@code users.alice.password}, {@code users.alice.groups}. */
        Map<String, User> users();

        interface User {
            String password();

            List<String> groups();
        }
    }
}
