-- Risk cases opened by rules for operator review, blacklists, T0 suspensions, and a version the
-- replicas poll to refresh their in-memory caches.
CREATE TABLE risk_cases (
  case_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('open', 'merchant_frozen', 't0_suspended', 'dismissed')),
  rule text NOT NULL,
  reason text NOT NULL,
  merchant_id text NOT NULL,
  terminal_id text NOT NULL DEFAULT '',
  card_token text NOT NULL DEFAULT '',
  hit_count integer NOT NULL DEFAULT 1 CHECK (hit_count >= 1),
  txn_ids text[] NOT NULL DEFAULT '{}',
  opened_at timestamptz NOT NULL DEFAULT now(),
  last_hit_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by text,
  decision_note text,
  CHECK ((status = 'open') = (decided_at IS NULL))
);
-- One open case per merchant and rule: repeated hits join it instead of flooding operators.
CREATE UNIQUE INDEX risk_cases_one_open_per_rule ON risk_cases (merchant_id, rule) WHERE status = 'open';
CREATE INDEX risk_cases_by_opened ON risk_cases (opened_at DESC, case_id DESC);
CREATE INDEX risk_cases_by_merchant ON risk_cases (merchant_id, opened_at DESC);

CREATE TABLE blacklist_entries (
  kind text NOT NULL CHECK (kind IN ('card', 'terminal', 'merchant')),
  value text NOT NULL CHECK (length(value) BETWEEN 1 AND 128),
  reason text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, value)
);

CREATE TABLE t0_suspensions (
  merchant_id text PRIMARY KEY,
  reason text NOT NULL,
  case_id text NOT NULL,
  suspended_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cache_version (
  id integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO cache_version (id, version) VALUES (1, 1);
