-- The audit trail (issue 6): every session, statement and (masked) result, with hash chains.
-- Hashes are computed by the gateway (dev.pgwarden.audit.AuditHash documents the exact input);
-- text columns keep the exact strings that were hashed (JSON is stored as text, not jsonb, which
-- would normalise it).

CREATE TABLE pgwarden.audit_session (
    id               text PRIMARY KEY,
    subject          text NOT NULL,
    groups           text NOT NULL,            -- JSON array, sorted
    role             text NOT NULL,
    client_address   text,
    application_name text,
    tls              boolean NOT NULL,
    started_at       timestamptz NOT NULL,
    start_hash       text NOT NULL,
    ended_at         timestamptz,
    end_reason       text,
    statement_count  integer,
    row_count        bigint,                   -- rows sent to the client
    byte_count       bigint,                   -- bytes sent to the client
    final_hash       text                      -- the session chain's last link; also in audit_chain
);
CREATE INDEX audit_session_started_at ON pgwarden.audit_session (started_at);
CREATE INDEX audit_session_subject ON pgwarden.audit_session (subject, started_at);

CREATE TABLE pgwarden.audit_statement (
    session_id     text NOT NULL,
    seq            integer NOT NULL,           -- 1, 2, ... in the order statements ended
    text           text NOT NULL,
    parameters     text,                       -- JSON array of bind values, content detectors applied
    decision       text NOT NULL,              -- allowed | masked | refused | approved
    rule           text,
    policy_version text,
    approval_id    text,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    row_count      bigint,                     -- from the command tag: rows returned or affected
    sql_state      text,
    message        text,
    byte_count     bigint NOT NULL,            -- bytes the client received for it
    result         text,                       -- JSON: columns, rows as the client got them, truncated, totalRows
    hash           text NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE INDEX audit_statement_notable ON pgwarden.audit_statement (decision, session_id) WHERE decision <> 'allowed';

-- The global chain: each ended session's final hash, and the retention job's own records.
CREATE TABLE pgwarden.audit_chain (
    seq          bigint PRIMARY KEY,
    kind         text NOT NULL,                -- session | retention
    session_id   text,
    session_hash text,
    detail       text,                         -- JSON (retention: cutoff, what was removed, the new anchor)
    created_at   timestamptz NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
CREATE INDEX audit_chain_session ON pgwarden.audit_chain (session_id);

-- The chain's head, one row, locked by whoever appends (gateway replicas share one chain).
CREATE TABLE pgwarden.audit_chain_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO pgwarden.audit_chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
