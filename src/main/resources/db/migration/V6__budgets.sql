-- Per-identity budgets (issue 11, part 5): what each subject received from budgeted tables, by the
-- minute, summed by every gateway replica; a rolling hour is the sum of the last 60 minutes.
CREATE TABLE pgwarden.budget_usage (
    budget  text        NOT NULL,
    subject text        NOT NULL,
    minute  timestamptz NOT NULL,          -- date_trunc('minute', now()) of the store when flushed
    rows    bigint      NOT NULL,          -- DataRows and COPY TO lines the subject's clients received
    bytes   bigint      NOT NULL,          -- their size
    lookups bigint      NOT NULL,          -- equality lookups on masked columns
    PRIMARY KEY (budget, subject, minute)
);
CREATE INDEX budget_usage_minute ON pgwarden.budget_usage (minute);

-- A subject found over a budget: at most one row per budget, subject and clock hour, whichever replica
-- saw it first; the same transaction adds a 'budget' entry to the audit chain (chain_seq).
CREATE TABLE pgwarden.budget_crossing (
    budget           text        NOT NULL,
    subject          text        NOT NULL,
    hour             timestamptz NOT NULL,
    crossed_at       timestamptz NOT NULL,
    rows             bigint      NOT NULL,
    bytes            bigint      NOT NULL,
    lookups          bigint      NOT NULL,
    rows_per_hour    bigint,               -- the budget's limits then (null: none)
    bytes_per_hour   bigint,
    lookups_per_hour bigint,
    policy_version   text        NOT NULL,
    chain_seq        bigint,               -- null when the audit trail is off
    PRIMARY KEY (budget, subject, hour)
);
CREATE INDEX budget_crossing_at ON pgwarden.budget_crossing (crossed_at);

-- Approvals of budget holds whose grant window is open, read by every replica every second.
CREATE INDEX approval_request_budget_grants ON pgwarden.approval_request (grant_until)
    WHERE status = 'APPROVED' AND grant_until IS NOT NULL AND fingerprint LIKE 'budget:%';
