-- Approval requests for held statements. Rows change status exactly once (PENDING -> decided);
-- every change is announced with NOTIFY pgwarden_approvals so the replica holding the session resumes it.
CREATE TABLE approval_request (
    id                 varchar(32)  PRIMARY KEY,
    requester_subject  text         NOT NULL,
    requester_groups   text         NOT NULL,
    client_address     text,
    session_id         text         NOT NULL,
    database_name      text         NOT NULL,
    statement          text         NOT NULL,
    fingerprint        text         NOT NULL,
    estimated_rows     bigint,
    rule               text,
    policy_version     text,
    status             varchar(16)  NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'DENIED', 'EXPIRED', 'CANCELLED')),
    decided_by         text,
    decided_at         timestamptz,
    reason             text,
    created_at         timestamptz  NOT NULL,
    expires_at         timestamptz  NOT NULL,
    grant_minutes      integer      NOT NULL DEFAULT 0,
    grant_until        timestamptz,
    channel_refs       text,
    CHECK ((status = 'PENDING') = (decided_at IS NULL))
);

CREATE INDEX approval_request_pending ON approval_request (expires_at) WHERE status = 'PENDING';
CREATE INDEX approval_request_created ON approval_request (created_at);
CREATE INDEX approval_request_grants ON approval_request (requester_subject, fingerprint, grant_until)
    WHERE status = 'APPROVED' AND grant_until IS NOT NULL;
