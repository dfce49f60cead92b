-- Crash recovery of the audit trail (issue 12): each session names the gateway replica that served
-- it, so a replica restarted after a crash closes the sessions it left open, and only its own.
-- Not covered by the session's hash: it is bookkeeping, like the end reason it leads to.
ALTER TABLE pgwarden.audit_session ADD COLUMN replica_id text;
CREATE INDEX audit_session_open_by_replica ON pgwarden.audit_session (replica_id) WHERE final_hash IS NULL;
