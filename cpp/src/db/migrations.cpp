#include "migrations_internal.h"

namespace crmkit::db {

namespace {

// Version 1: organisation, schema-as-data, customers, contacts, tags and field-level history.
// Times are INTEGER ms since the epoch (UTC); custom field values are one JSON object per record
// (see docs/architecture.md for why).
constexpr const char* kV1 = R"sql(
CREATE TABLE roles (
  name TEXT PRIMARY KEY,
  scopes TEXT NOT NULL,            -- JSON {"customers": "own", ...}
  can_approve INTEGER NOT NULL DEFAULT 0,
  is_admin INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO roles(name, scopes, can_approve, is_admin) VALUES
  ('admin',    '{"customers":"all","opportunities":"all","leads":"all"}', 1, 1),
  ('director', '{"customers":"all","opportunities":"all","leads":"all"}', 1, 0),
  ('manager',  '{"customers":"team","opportunities":"team","leads":"team"}', 1, 0),
  ('sales',    '{"customers":"own","opportunities":"own","leads":"own"}', 0, 0),
  ('service',  '{"customers":"team","opportunities":"none","leads":"none"}', 0, 0),
  ('finance',  '{"customers":"all","opportunities":"all","leads":"none"}', 1, 0);

CREATE TABLE teams (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused: history and links stay unambiguous
  name TEXT NOT NULL UNIQUE,
  parent_id INTEGER REFERENCES teams(id),
  lead_id INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused: history and links stay unambiguous
  login TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  email TEXT,
  role TEXT NOT NULL REFERENCES roles(name),
  team_id INTEGER REFERENCES teams(id),
  manager_id INTEGER REFERENCES users(id),
  active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_team ON users(team_id);
CREATE INDEX users_manager ON users(manager_id);

CREATE TABLE field_defs (
  id INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  label TEXT,
  options TEXT,                    -- JSON array for enum / multi_enum
  min_value REAL,
  max_value REAL,
  required INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE(entity, name)
);

CREATE TABLE stages (
  kind TEXT NOT NULL,              -- 'lifecycle' | 'pipeline'
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  probability REAL,
  PRIMARY KEY(kind, name)
);
INSERT INTO stages(kind, name, position, probability) VALUES
  ('lifecycle', 'prospect', 0, NULL), ('lifecycle', 'active', 1, NULL),
  ('lifecycle', 'loyal', 2, NULL), ('lifecycle', 'at_risk', 3, NULL),
  ('lifecycle', 'churned', 4, NULL),
  ('pipeline', '初步接洽', 0, 0.1), ('pipeline', '需求确认', 1, 0.3),
  ('pipeline', '方案报价', 2, 0.5), ('pipeline', '商务谈判', 3, 0.7),
  ('pipeline', '赢单', 4, 1.0), ('pipeline', '输单', 5, 0.0);

CREATE TABLE customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused: history and links stay unambiguous
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'company',
  industry TEXT,
  owner_id INTEGER REFERENCES users(id),
  source TEXT,
  phone TEXT,
  email TEXT,
  stage TEXT NOT NULL,
  fields TEXT NOT NULL DEFAULT '{}',
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX customers_owner ON customers(owner_id);
CREATE INDEX customers_stage ON customers(stage);
CREATE INDEX customers_industry ON customers(industry);

CREATE TABLE customer_tags (
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY(customer_id, tag)
) WITHOUT ROWID;
CREATE INDEX customer_tags_tag ON customer_tags(tag, customer_id);

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused: history and links stay unambiguous
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  title TEXT,
  phone TEXT,
  email TEXT,
  fields TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX contacts_customer ON contacts(customer_id);

CREATE TABLE groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused: history and links stay unambiguous
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE group_members (
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  added_at INTEGER NOT NULL,
  PRIMARY KEY(group_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX group_members_customer ON group_members(customer_id);

CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  actor_id INTEGER,
  at INTEGER NOT NULL,
  reason TEXT
);
CREATE INDEX history_entity ON history(entity, entity_id, id);
)sql";


// Version 2: the customer relationship process — interactions, tasks, revisit plans, tickets,
// orders, the public pool, and the derived per-customer facts kept current by every write.
// Money is INTEGER cents. Every customer has exactly one customer_facts row (created with the
// customer; back-filled here for customers that predate this version).
constexpr const char* kV2 = R"sql(
CREATE TABLE customer_facts (
  customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
  last_contact_at INTEGER,
  interaction_count INTEGER NOT NULL DEFAULT 0,
  order_count INTEGER NOT NULL DEFAULT 0,
  lifetime_value_cents INTEGER NOT NULL DEFAULT 0,
  first_order_at INTEGER,
  last_order_at INTEGER,
  satisfaction_sum INTEGER NOT NULL DEFAULT 0,
  satisfaction_count INTEGER NOT NULL DEFAULT 0,
  open_tickets INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
INSERT INTO customer_facts(customer_id, updated_at)
  SELECT id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) FROM customers;

CREATE TABLE interactions (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('call', 'visit', 'email', 'wechat', 'meeting', 'other')),
  user_id INTEGER REFERENCES users(id),
  at INTEGER NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
  follow_up_task_id INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX interactions_customer ON interactions(customer_id, at);
CREATE INDEX interactions_user ON interactions(user_id, at);

CREATE TABLE revisit_plans (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('segment', 'group', 'tag')),
  target TEXT NOT NULL,
  every_days INTEGER NOT NULL CHECK (every_days > 0),
  assignee_id INTEGER REFERENCES users(id),   -- NULL: the customer's owner
  title TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'task' CHECK (kind IN ('task', 'follow_up', 'revisit', 'pool_warning')),
  due_at INTEGER NOT NULL,
  all_day INTEGER NOT NULL DEFAULT 0,         -- due on a date: overdue once that day has ended
  assignee_id INTEGER REFERENCES users(id),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  notes TEXT,
  interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
  plan_id INTEGER REFERENCES revisit_plans(id) ON DELETE SET NULL,
  dedupe_key TEXT,                            -- makes a generated reminder happen once
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  closed_at INTEGER,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tasks_assignee ON tasks(assignee_id, status, due_at);
CREATE INDEX tasks_status_due ON tasks(status, due_at);
CREATE INDEX tasks_customer ON tasks(customer_id, kind, status);
CREATE INDEX tasks_plan ON tasks(plan_id, customer_id, created_at) WHERE plan_id IS NOT NULL;
CREATE UNIQUE INDEX tasks_dedupe ON tasks(dedupe_key) WHERE dedupe_key IS NOT NULL;

CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  opened_by INTEGER REFERENCES users(id),
  opened_at INTEGER NOT NULL,
  closed_by INTEGER REFERENCES users(id),
  closed_at INTEGER,
  satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
  reopened INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_customer ON tickets(customer_id, status);
CREATE INDEX tickets_status ON tickets(status, opened_at);

CREATE TABLE ticket_notes (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id),
  at INTEGER NOT NULL
);
CREATE INDEX ticket_notes_ticket ON ticket_notes(ticket_id, id);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0),
  at INTEGER NOT NULL,
  refund_of INTEGER REFERENCES orders(id) ON DELETE CASCADE,
  note TEXT,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  CHECK ((amount_cents > 0) = (refund_of IS NULL))
);
CREATE INDEX orders_customer ON orders(customer_id, at);
CREATE INDEX orders_at ON orders(at);
CREATE INDEX orders_refund_of ON orders(refund_of) WHERE refund_of IS NOT NULL;

CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  line INTEGER NOT NULL,
  sku TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY(order_id, line)
) WITHOUT ROWID;
CREATE INDEX order_items_sku ON order_items(sku);

-- One row: the public pool's rules (0 disables a limit).
CREATE TABLE pool_rules (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  idle_days INTEGER NOT NULL,
  no_deal_days INTEGER NOT NULL,
  warn_days INTEGER NOT NULL,
  max_held_per_user INTEGER NOT NULL,
  max_claims_per_day INTEGER NOT NULL,
  reclaim_cooldown_days INTEGER NOT NULL,
  exempt_won INTEGER NOT NULL,
  updated_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO pool_rules(id, idle_days, no_deal_days, warn_days, max_held_per_user, max_claims_per_day,
                       reclaim_cooldown_days, exempt_won) VALUES (1, 30, 90, 3, 200, 20, 7, 1);

-- Claims from the pool, for the daily quota.
CREATE TABLE pool_claims (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  at INTEGER NOT NULL
);
CREATE INDEX pool_claims_user ON pool_claims(user_id, at);
CREATE INDEX pool_claims_customer ON pool_claims(customer_id);

-- Owner changes of customers: when the current owner got the customer (the pool's idle clock)
-- and who held it last (the reclaim cool-down).
CREATE INDEX history_owner ON history(entity_id, at) WHERE entity = 'customer' AND field = 'owner_id';
)sql";

// Version 3: the opportunity approval process — leads, opportunities and their stage history,
// documents attached to opportunities (quotes, contracts), workflow definitions (one row per
// version), approval requests, step instances with their resolved approvers, delegations, and
// the hash-chained approval ledger. Money is INTEGER cents.
constexpr const char* kV3 = R"sql(
CREATE TABLE leads (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  company TEXT,
  phone TEXT,
  email TEXT,
  source TEXT,
  status TEXT NOT NULL DEFAULT 'new',      -- new | qualified | disqualified | converted
  owner_id INTEGER REFERENCES users(id),
  reason TEXT,                             -- why it was disqualified
  fields TEXT NOT NULL DEFAULT '{}',
  customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
  contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
  opportunity_id INTEGER,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  qualified_at INTEGER,
  converted_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX leads_status_source ON leads(status, source);
CREATE INDEX leads_owner ON leads(owner_id);

CREATE TABLE opportunities (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  title TEXT NOT NULL,
  amount_cents INTEGER NOT NULL DEFAULT 0,
  owner_id INTEGER REFERENCES users(id),
  close_date INTEGER,                      -- ms of midnight UTC
  stage TEXT NOT NULL,
  probability REAL,                        -- an override; NULL: the stage's probability
  status TEXT NOT NULL DEFAULT 'open',     -- open | won | lost
  lost_reason TEXT,
  lead_id INTEGER REFERENCES leads(id) ON DELETE SET NULL,
  fields TEXT NOT NULL DEFAULT '{}',
  locked_by_request INTEGER,               -- the pending approval request that locks it
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX opportunities_owner ON opportunities(owner_id, status);
CREATE INDEX opportunities_customer ON opportunities(customer_id);
CREATE INDEX opportunities_stage ON opportunities(stage, status);

CREATE TABLE opportunity_stage_history (
  id INTEGER PRIMARY KEY,
  opportunity_id INTEGER NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
  from_stage TEXT,                         -- NULL for the creation
  to_stage TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor_id INTEGER,
  reason TEXT
);
CREATE INDEX opportunity_stage_history_opp ON opportunity_stage_history(opportunity_id, at);

CREATE TABLE document_kinds (
  name TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
INSERT INTO document_kinds(name, created_at) VALUES ('quote', 0), ('contract', 0);

CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  opportunity_id INTEGER NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
  kind TEXT NOT NULL REFERENCES document_kinds(name),
  title TEXT NOT NULL,
  amount_cents INTEGER,
  discount REAL,
  fields TEXT NOT NULL DEFAULT '{}',
  locked_by_request INTEGER,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX documents_opportunity ON documents(opportunity_id, kind);

CREATE TABLE workflows (
  id INTEGER PRIMARY KEY,                  -- one row per version
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  entity TEXT NOT NULL,
  trigger_on TEXT NOT NULL,                -- submit | stage_enter | field_change
  trigger_stage TEXT,
  definition TEXT NOT NULL,                -- canonical JSON
  current INTEGER NOT NULL DEFAULT 1,      -- 1 for the latest version of each name
  active INTEGER NOT NULL DEFAULT 1,       -- 0 once deactivated
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE(name, version)
);
CREATE INDEX workflows_trigger ON workflows(entity, trigger_on, current, active);

CREATE TABLE approval_requests (
  id INTEGER PRIMARY KEY,
  workflow_id INTEGER NOT NULL REFERENCES workflows(id),
  entity TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  submitter_id INTEGER REFERENCES users(id),
  status TEXT NOT NULL,                    -- pending | approved | rejected | recalled
  round INTEGER NOT NULL DEFAULT 1,
  current_step_id INTEGER,                 -- the pending step instance; NULL when ended
  snapshot TEXT NOT NULL DEFAULT '{}',     -- the record's key fields at the last submission/decision
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  ended_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX approval_requests_entity ON approval_requests(entity, entity_id, status);
CREATE INDEX approval_requests_status ON approval_requests(status, workflow_id);

CREATE TABLE approval_steps (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES approval_requests(id),
  round INTEGER NOT NULL,
  step_index INTEGER NOT NULL,
  name TEXT NOT NULL,
  mode TEXT NOT NULL,                      -- any | all | quorum
  quorum INTEGER NOT NULL DEFAULT 1,       -- approvals needed
  status TEXT NOT NULL,                    -- pending | approved | rejected | skipped | cancelled
  started_at INTEGER NOT NULL,
  due_at INTEGER,
  escalated_at INTEGER,
  ended_at INTEGER,
  trace TEXT NOT NULL DEFAULT '[]'         -- the routing trace: who was resolved and why
);
CREATE INDEX approval_steps_request ON approval_steps(request_id, round, step_index);
CREATE INDEX approval_steps_due ON approval_steps(due_at) WHERE status = 'pending' AND due_at IS NOT NULL;

CREATE TABLE approval_assignees (
  step_id INTEGER NOT NULL REFERENCES approval_steps(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  open INTEGER NOT NULL DEFAULT 1,         -- 1 while the step is pending and this user has not acted
  decision TEXT,                           -- approved | rejected
  acted_by INTEGER,                        -- the delegate who acted in this user's name, or the user
  decided_at INTEGER,
  comment TEXT,
  PRIMARY KEY(step_id, user_id)
) WITHOUT ROWID;
CREATE INDEX approval_assignees_inbox ON approval_assignees(user_id, step_id) WHERE open = 1;

CREATE TABLE delegations (
  id INTEGER PRIMARY KEY,
  delegator_id INTEGER NOT NULL REFERENCES users(id),
  delegate_id INTEGER NOT NULL REFERENCES users(id),
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX delegations_delegate ON delegations(delegate_id, start_at);
CREATE INDEX delegations_delegator ON delegations(delegator_id, start_at);

CREATE TABLE approval_ledger (
  id INTEGER PRIMARY KEY,                  -- 1, 2, 3, ... in chain order
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  request_id INTEGER,
  workflow TEXT,
  workflow_version INTEGER,
  entity TEXT,
  entity_id INTEGER,
  step TEXT,
  round INTEGER,
  actor_id INTEGER,                        -- who acted (NULL: the engine itself)
  on_behalf_of INTEGER,                    -- in whose name (a delegator), else NULL
  comment TEXT,
  record TEXT,                             -- the record's key fields at that moment (canonical JSON)
  detail TEXT,                             -- what else the entry needs to say (canonical JSON)
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX approval_ledger_request ON approval_ledger(request_id, id);
)sql";


// Segmentation: saved segments, their snapshots, and the automatic tag/stage rules.
constexpr const char* kSegments = R"sql(
CREATE TABLE segments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  rule TEXT NOT NULL,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE segment_snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
  taken_at INTEGER NOT NULL,
  taken_by INTEGER,
  count INTEGER NOT NULL
);
CREATE TABLE segment_snapshot_members (
  snapshot_id INTEGER NOT NULL REFERENCES segment_snapshots(id) ON DELETE CASCADE,
  customer_id INTEGER NOT NULL,
  PRIMARY KEY(snapshot_id, customer_id)
) WITHOUT ROWID;
CREATE TABLE auto_rules (
  kind TEXT NOT NULL,              -- 'tag' | 'stage'
  target TEXT NOT NULL,            -- the tag or lifecycle stage the rule owns
  rule TEXT NOT NULL,
  position INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(kind, target)
);
)sql";

// Version 5: the change log of the in-memory segment column store. Triggers record the id of
// every customer whose row, facts, tags or group memberships change (and every member of a
// renamed group), so that a store in any process reloads just those customers. Rows are trimmed
// by the stores themselves (see crmkit/segments/column_store.hpp); AUTOINCREMENT keeps seq
// increasing even after trimming.
constexpr const char* kSegmentChanges = R"sql(
CREATE TABLE segment_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL
);
CREATE TRIGGER segment_changes_customers_ins AFTER INSERT ON customers BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.id);
END;
CREATE TRIGGER segment_changes_customers_upd AFTER UPDATE ON customers BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.id);
  INSERT INTO segment_changes(customer_id) SELECT OLD.id WHERE OLD.id <> NEW.id;
END;
CREATE TRIGGER segment_changes_customers_del AFTER DELETE ON customers BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (OLD.id);
END;
CREATE TRIGGER segment_changes_facts_ins AFTER INSERT ON customer_facts BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.customer_id);
END;
CREATE TRIGGER segment_changes_facts_upd AFTER UPDATE ON customer_facts BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.customer_id);
  INSERT INTO segment_changes(customer_id) SELECT OLD.customer_id WHERE OLD.customer_id <> NEW.customer_id;
END;
CREATE TRIGGER segment_changes_facts_del AFTER DELETE ON customer_facts BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (OLD.customer_id);
END;
CREATE TRIGGER segment_changes_tags_ins AFTER INSERT ON customer_tags BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.customer_id);
END;
CREATE TRIGGER segment_changes_tags_upd AFTER UPDATE ON customer_tags BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.customer_id);
  INSERT INTO segment_changes(customer_id) SELECT OLD.customer_id WHERE OLD.customer_id <> NEW.customer_id;
END;
CREATE TRIGGER segment_changes_tags_del AFTER DELETE ON customer_tags BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (OLD.customer_id);
END;
CREATE TRIGGER segment_changes_members_ins AFTER INSERT ON group_members BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.customer_id);
END;
CREATE TRIGGER segment_changes_members_upd AFTER UPDATE ON group_members BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (NEW.customer_id);
  INSERT INTO segment_changes(customer_id) SELECT OLD.customer_id WHERE OLD.customer_id <> NEW.customer_id;
END;
CREATE TRIGGER segment_changes_members_del AFTER DELETE ON group_members BEGIN
  INSERT INTO segment_changes(customer_id) VALUES (OLD.customer_id);
END;
CREATE TRIGGER segment_changes_groups_upd AFTER UPDATE OF name ON groups BEGIN
  INSERT INTO segment_changes(customer_id) SELECT customer_id FROM group_members WHERE group_id = NEW.id;
END;
)sql";

// Version 7: approval state held in columns rather than read out of text. An approver added by SLA
// escalation is marked on the assignment (formerly recognised by its reason starting with
// "escalated"), and a customer carries the approval lock opportunities and documents already
// have: the pending request and the step it waits at, so that the customers domain can refuse
// and explain an edit without reading the approval tables. Both are back-filled.
constexpr const char* kApprovalColumns = R"sql(
ALTER TABLE approval_assignees ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
UPDATE approval_assignees SET escalated = 1 WHERE reason LIKE 'escalated%';
ALTER TABLE customers ADD COLUMN locked_by_request INTEGER;   -- the pending approval request that locks it
ALTER TABLE customers ADD COLUMN locked_step TEXT;            -- the step that request waits at
UPDATE customers SET
  locked_by_request = (SELECT r.id FROM approval_requests r WHERE r.entity = 'customer' AND
                       r.entity_id = customers.id AND r.status = 'pending' ORDER BY r.id LIMIT 1),
  locked_step = (SELECT s.name FROM approval_requests r JOIN approval_steps s ON s.id = r.current_step_id
                 WHERE r.entity = 'customer' AND r.entity_id = customers.id AND r.status = 'pending'
                 ORDER BY r.id LIMIT 1)
WHERE id IN (SELECT entity_id FROM approval_requests WHERE entity = 'customer' AND status = 'pending');
)sql";

// Version 6: one change feed. The per-row triggers of version 5 are replaced by `events`, written
// by the engine once per changed entity per committed transaction (crmkit/db/change_feed.hpp),
// which the segment column store and applications (crm.events.since) both read. The old change
// log is kept as events: each row becomes an "updated" customer event under its old position, so
// a position taken from the old log stays valid and ids keep increasing. No secondary index: the
// only read path is a range of ids, which the rowid B-tree serves, and every write pays for an
// index.
constexpr const char* kEvents = R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- the cursor: ascends in commit order, never reused
  at INTEGER NOT NULL,                   -- the writing transaction's time (ms)
  kind TEXT NOT NULL,                    -- 'created' | 'updated' | 'deleted'
  entity TEXT NOT NULL,                  -- 'customer', 'contact', 'order', 'opportunity', ...
  entity_id INTEGER NOT NULL,
  customer_id INTEGER,                   -- the customer the entity belongs to (NULL: none, e.g. a lead)
  payload TEXT NOT NULL DEFAULT '{}'     -- {"fields": [names of the changed fields]}
);
INSERT INTO events(id, at, kind, entity, entity_id, customer_id, payload)
  SELECT seq, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'updated', 'customer', customer_id,
         customer_id, '{"fields":[]}'
  FROM segment_changes ORDER BY seq;
INSERT INTO sqlite_sequence(name, seq)
  SELECT 'events', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');
UPDATE sqlite_sequence
  SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'segment_changes'), 0))
  WHERE name = 'events';
DROP TRIGGER segment_changes_customers_ins;
DROP TRIGGER segment_changes_customers_upd;
DROP TRIGGER segment_changes_customers_del;
DROP TRIGGER segment_changes_facts_ins;
DROP TRIGGER segment_changes_facts_upd;
DROP TRIGGER segment_changes_facts_del;
DROP TRIGGER segment_changes_tags_ins;
DROP TRIGGER segment_changes_tags_upd;
DROP TRIGGER segment_changes_tags_del;
DROP TRIGGER segment_changes_members_ins;
DROP TRIGGER segment_changes_members_upd;
DROP TRIGGER segment_changes_members_del;
DROP TRIGGER segment_changes_groups_upd;
DROP TABLE segment_changes;
)sql";
// Version 11: zero-amount orders. Free items, samples and promotions are orders of 0: the CHECKs
// that refused amount 0 become "a refund is negative and names its order; every other order is
// >= 0". SQLite cannot change a CHECK in place, so orders and its child order_items are rebuilt
// (same columns, same rows, same ids, same indexes). The child is copied and dropped before the
// parent, because dropping orders with foreign keys on runs its ON DELETE CASCADE; the renames
// then point order_items' and refund_of's references at the new orders table.
constexpr const char* kZeroAmountOrders = R"sql(
CREATE TABLE orders_v11 (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  amount_cents INTEGER NOT NULL,
  at INTEGER NOT NULL,
  refund_of INTEGER REFERENCES orders_v11(id) ON DELETE CASCADE,
  note TEXT,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  CHECK ((amount_cents >= 0) = (refund_of IS NULL))   -- a refund is negative; any other order, 0 included, is not
);
INSERT INTO orders_v11(id, customer_id, amount_cents, at, refund_of, note, created_by, created_at)
  SELECT id, customer_id, amount_cents, at, refund_of, note, created_by, created_at FROM orders ORDER BY id;
CREATE TABLE order_items_v11 (
  order_id INTEGER NOT NULL REFERENCES orders_v11(id) ON DELETE CASCADE,
  line INTEGER NOT NULL,
  sku TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY(order_id, line)
) WITHOUT ROWID;
INSERT INTO order_items_v11(order_id, line, sku, qty, price_cents)
  SELECT order_id, line, sku, qty, price_cents FROM order_items;
DROP TABLE order_items;
DROP TABLE orders;
ALTER TABLE orders_v11 RENAME TO orders;
ALTER TABLE order_items_v11 RENAME TO order_items;
CREATE INDEX orders_customer ON orders(customer_id, at);
CREATE INDEX orders_at ON orders(at);
CREATE INDEX orders_refund_of ON orders(refund_of) WHERE refund_of IS NOT NULL;
CREATE INDEX order_items_sku ON order_items(sku);
)sql";

// Version 10: settings of the whole database, one row per name. The first is `timezone`, the IANA
// name of the zone whose calendar the engine reckons local days in (report periods, due dates,
// daily quotas); absent means UTC. A table rather than a column of some domain's table because a
// setting belongs to no domain, and a new one is then a row, not a migration. IF NOT EXISTS: a
// file taken back to an older user_version by hand (as the migration tests do) still migrates.
constexpr const char* kSettings = R"sql(
CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,    -- 'timezone'
  value TEXT NOT NULL,      -- 'Asia/Shanghai'
  updated_at INTEGER NOT NULL,
  updated_by INTEGER REFERENCES users(id)  -- NULL: the system view (crmkit.open)
);
)sql";

// Version 9: customer search (customers.search). One FTS5 row per customer, rowid = customer id,
// kept current by the customer and contact writers in the same transaction as their change.
// The trigram tokenizer indexes every three-character window, so any substring of three or more
// characters is found in Chinese text without a word segmenter; `grams` spells each character and
// each adjacent pair of the names padded with U+0001 to three characters, so one- and
// two-character terms use the same index (see cpp/src/customers/search.cpp). Columns:
//   name    the customer's name
//   people  its contacts' names, one per line
//   phones  the customer's and contacts' phones, as written and as bare digits
//   emails  the customer's and contacts' e-mail addresses
//   grams   the short-term spellings of name and people
// The back-fill below builds the same text in SQL; the writers also NFKC-normalise it, which SQL
// cannot, so a full-width name written before this version is found once it is next changed.
constexpr const char* kCustomerSearch = R"sql(
DROP TABLE IF EXISTS customer_search;  -- a file taken back to an older version keeps a stale one
CREATE VIRTUAL TABLE customer_search USING fts5(name, people, phones, emails, grams, tokenize = 'trigram');

CREATE TEMP TABLE search_names AS
  SELECT id AS customer_id, name FROM customers
  UNION ALL SELECT customer_id, name FROM contacts;
CREATE TEMP TABLE search_grams AS
  WITH RECURSIVE pos(customer_id, name, i) AS (
    SELECT customer_id, name, 1 FROM search_names WHERE length(name) > 0
    UNION ALL SELECT customer_id, name, i + 1 FROM pos WHERE i < length(name)
  )
  SELECT customer_id, group_concat(g, '') AS grams FROM (
    SELECT DISTINCT customer_id, substr(name, i, 1) || char(1, 1) AS g FROM pos WHERE substr(name, i, 1) <> ' '
    UNION
    SELECT customer_id, substr(name, i, 2) || char(1) FROM pos
      WHERE i < length(name) AND substr(name, i, 1) <> ' ' AND substr(name, i + 1, 1) <> ' '
  ) GROUP BY customer_id;

INSERT INTO customer_search(rowid, name, people, phones, emails, grams)
  SELECT c.id, c.name,
         coalesce((SELECT group_concat(k.name, char(10)) FROM contacts k WHERE k.customer_id = c.id), ''),
         coalesce((SELECT group_concat(p, char(10)) FROM (
             SELECT c.phone AS p WHERE c.phone IS NOT NULL
             UNION ALL SELECT k.phone FROM contacts k WHERE k.customer_id = c.id AND k.phone IS NOT NULL)), ''),
         coalesce((SELECT group_concat(e, char(10)) FROM (
             SELECT c.email AS e WHERE c.email IS NOT NULL
             UNION ALL SELECT k.email FROM contacts k WHERE k.customer_id = c.id AND k.email IS NOT NULL)), ''),
         coalesce((SELECT g.grams FROM search_grams g WHERE g.customer_id = c.id), '')
  FROM customers c;
DROP TABLE search_names;
DROP TABLE search_grams;
)sql";

// Version 8: identity keys. The normalised forms under which a customer is recognised again (E.164
// phone, lower-cased e-mail, the company-name key), of the customer's own attributes and of its
// contacts', written by the customers domain in the same transaction as each write. Lead
// conversion, imports and de-duplication look keys up here instead of normalising every stored
// row. The normalisers (libphonenumber, ICU) live in C++, so the back-fill of rows that predate
// this version cannot be SQL: the marker row tells the customers domain to compute them once
// when the database is next opened (crmkit/customers/keys.hpp).
constexpr const char* kIdentityKeys = R"sql(
-- A file taken back to an older version by hand keeps stale keys: start over (the back-fill
-- below recomputes every key).
DROP TABLE IF EXISTS customer_keys;
DROP TABLE IF EXISTS customer_keys_backfill;
DROP INDEX IF EXISTS leads_phone;
DROP INDEX IF EXISTS leads_email;
CREATE TABLE customer_keys (
  kind TEXT NOT NULL,                      -- 'phone' (E.164) | 'email' (lower-cased) | 'name' (a company's
                                           -- name key) | 'person' (a person's folded name)
  key TEXT NOT NULL,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  contact_id INTEGER NOT NULL DEFAULT 0,   -- the contact the key comes from; 0: the customer itself
  PRIMARY KEY (kind, key, customer_id, contact_id)   -- the lookup: all holders of one key
) WITHOUT ROWID;
-- Rewriting or dropping the keys of one customer or contact, and the cascade on delete.
CREATE INDEX customer_keys_holder ON customer_keys(customer_id, contact_id);
-- A lead import recognises a lead it already holds by its phone or e-mail (stored cleaned).
CREATE INDEX leads_phone ON leads(phone);
CREATE INDEX leads_email ON leads(email);
-- One row while the keys of existing customers and contacts still need computing.
CREATE TABLE customer_keys_backfill (pending INTEGER PRIMARY KEY);
INSERT INTO customer_keys_backfill(pending) VALUES (1);
)sql";
// Version 12: terms of one or two characters get their own index. Version 9 spelled them with
// padding inside the trigram index, where every window across two spellings was indexed too:
// three times the terms for nothing, and most of the cost of each customer write.
// customer_grams holds one token per adjacent pair of characters of a name or a contact's name
// and per word's last character (crmkit/customers/search.cpp spells them). customer_search is
// recreated without its grams column (FTS5 cannot drop one), and the marker row asks the
// customers domain to rebuild both from the customers and contacts when the database is next
// opened: the token spelling needs ICU's case folding, which SQL lacks.
constexpr const char* kShortTermSearch = R"sql(
DROP TABLE IF EXISTS customer_search;
DROP TABLE IF EXISTS customer_grams;
DROP TABLE IF EXISTS customer_search_rebuild;
CREATE VIRTUAL TABLE customer_search USING fts5(name, people, phones, emails, tokenize = 'trigram');
CREATE VIRTUAL TABLE customer_grams USING fts5(grams, tokenize = 'ascii', detail = none);
CREATE TABLE customer_search_rebuild (pending INTEGER PRIMARY KEY);
INSERT INTO customer_search_rebuild(pending) VALUES (1);
)sql";

// Version 13: every customer-owned table carries `customer_id` (docs/scale-out.md). The four
// tables that reached their customer only through a parent (an order's items, a ticket's notes,
// an opportunity's stage history and documents) get the column, copied from the parent, and
// their reference to the parent becomes (customer_id, parent id): the form a distributed
// PostgreSQL (Citus) can enforce between co-located tables, and one that keeps the copy right by
// itself here, since a parent moving to another customer (a merge, an opportunity's customer
// changed) carries its children along through ON UPDATE CASCADE. The parents get the unique
// (customer_id, id) index such a reference needs; opportunities' (customer_id) index is its prefix
// and goes. The children are rebuilt (SQLite cannot add a table constraint) with their ids,
// rows and indexes; nothing references them, so dropping the old tables cascades nowhere. IF
// [NOT] EXISTS on the parents' indexes: a file taken back to an older version by hand migrates.
constexpr const char* kCustomerColumn = R"sql(
CREATE UNIQUE INDEX IF NOT EXISTS orders_customer_id ON orders(customer_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS tickets_customer_id ON tickets(customer_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS opportunities_customer_id ON opportunities(customer_id, id);
DROP INDEX IF EXISTS opportunities_customer;

CREATE TABLE order_items_v13 (
  customer_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL,
  line INTEGER NOT NULL,
  sku TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY(order_id, line),
  FOREIGN KEY (customer_id, order_id) REFERENCES orders(customer_id, id) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
INSERT INTO order_items_v13(customer_id, order_id, line, sku, qty, price_cents)
  SELECT o.customer_id, i.order_id, i.line, i.sku, i.qty, i.price_cents FROM order_items i JOIN orders o ON o.id = i.order_id;
DROP TABLE order_items;
ALTER TABLE order_items_v13 RENAME TO order_items;
CREATE INDEX order_items_sku ON order_items(sku);
CREATE INDEX order_items_customer ON order_items(customer_id, order_id);

CREATE TABLE ticket_notes_v13 (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL,
  ticket_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id),
  at INTEGER NOT NULL,
  FOREIGN KEY (customer_id, ticket_id) REFERENCES tickets(customer_id, id) ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO ticket_notes_v13(id, customer_id, ticket_id, body, user_id, at)
  SELECT n.id, t.customer_id, n.ticket_id, n.body, n.user_id, n.at FROM ticket_notes n JOIN tickets t ON t.id = n.ticket_id
  ORDER BY n.id;
DROP TABLE ticket_notes;
ALTER TABLE ticket_notes_v13 RENAME TO ticket_notes;
CREATE INDEX ticket_notes_ticket ON ticket_notes(ticket_id, id);
CREATE INDEX ticket_notes_customer ON ticket_notes(customer_id, ticket_id);

CREATE TABLE opportunity_stage_history_v13 (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL,
  opportunity_id INTEGER NOT NULL,
  from_stage TEXT,                         -- NULL for the creation
  to_stage TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor_id INTEGER,
  reason TEXT,
  FOREIGN KEY (customer_id, opportunity_id) REFERENCES opportunities(customer_id, id)
    ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO opportunity_stage_history_v13(id, customer_id, opportunity_id, from_stage, to_stage, at, actor_id, reason)
  SELECT h.id, o.customer_id, h.opportunity_id, h.from_stage, h.to_stage, h.at, h.actor_id, h.reason
  FROM opportunity_stage_history h JOIN opportunities o ON o.id = h.opportunity_id ORDER BY h.id;
DROP TABLE opportunity_stage_history;
ALTER TABLE opportunity_stage_history_v13 RENAME TO opportunity_stage_history;
CREATE INDEX opportunity_stage_history_opp ON opportunity_stage_history(opportunity_id, at);
CREATE INDEX opportunity_stage_history_customer ON opportunity_stage_history(customer_id, opportunity_id);

CREATE TABLE documents_v13 (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL,
  opportunity_id INTEGER NOT NULL,
  kind TEXT NOT NULL REFERENCES document_kinds(name),
  title TEXT NOT NULL,
  amount_cents INTEGER,
  discount REAL,
  fields TEXT NOT NULL DEFAULT '{}',
  locked_by_request INTEGER,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  FOREIGN KEY (customer_id, opportunity_id) REFERENCES opportunities(customer_id, id)
    ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO documents_v13(id, customer_id, opportunity_id, kind, title, amount_cents, discount, fields,
                          locked_by_request, created_by, created_at, updated_at, version)
  SELECT d.id, o.customer_id, d.opportunity_id, d.kind, d.title, d.amount_cents, d.discount, d.fields,
         d.locked_by_request, d.created_by, d.created_at, d.updated_at, d.version
  FROM documents d JOIN opportunities o ON o.id = d.opportunity_id ORDER BY d.id;
DROP TABLE documents;
ALTER TABLE documents_v13 RENAME TO documents;
CREATE INDEX documents_opportunity ON documents(opportunity_id, kind);
CREATE INDEX documents_customer ON documents(customer_id, opportunity_id);
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, kV1},
      {2, kV2},
      {3, kV3},
      {4, kSegments},
      {5, kSegmentChanges},
      {6, kEvents},
      {7, kApprovalColumns},
      {8, kIdentityKeys},
      {9, kCustomerSearch},
      {10, kSettings},
      {11, kZeroAmountOrders},
      {12, kShortTermSearch},
      {13, kCustomerColumn},
  };
  return all;
}

}  // namespace crmkit::db
