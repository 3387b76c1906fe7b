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

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, kV1},
  };
  return all;
}

}  // namespace crmkit::db
