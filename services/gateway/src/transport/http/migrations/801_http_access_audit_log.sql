-- Audit log of operator requests at the HTTP edge (gateway schema). Numbered 801 so it sits beside the
-- gateway's own migrations in the same schema_migrations table without colliding.
CREATE TABLE http_access_audit_log (
  entry_id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  subject text NOT NULL,
  role text NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  params jsonb NOT NULL,
  request_id text NOT NULL,
  status_code integer,
  finished_at timestamptz
);
CREATE INDEX http_access_audit_log_by_subject ON http_access_audit_log (subject, occurred_at);
CREATE INDEX http_access_audit_log_by_time ON http_access_audit_log (occurred_at);
