#include "crmkit/workflow/ledger.hpp"

#include <openssl/evp.h>

#include <memory>
#include <type_traits>

#include "crmkit/error.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/text.hpp"
#include "workflow_internal.h"

namespace crmkit::workflow {

namespace {

const std::string kGenesis(64, '0');

// One row as read back for verification: exactly the stored columns.
struct Row {
  std::int64_t id = 0;
  std::int64_t at = 0;
  std::string kind;
  std::optional<std::int64_t> request_id;
  std::optional<std::string> workflow;
  std::optional<std::int64_t> workflow_version;
  std::optional<std::string> entity;
  std::optional<std::int64_t> entity_id;
  std::optional<std::string> step;
  std::optional<std::int64_t> round;
  std::optional<std::int64_t> actor_id;
  std::optional<std::int64_t> on_behalf_of;
  std::optional<std::string> comment;
  std::optional<std::string> record;
  std::optional<std::string> detail;
  std::string prev_hash;
  std::string hash;
};

template <typename T>
void append_value(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, std::string>)
    text::append_json_string(out, v);
  else
    out += std::to_string(v);
}

template <typename T>
void append_value(std::string& out, const std::optional<T>& v) {
  if (v)
    append_value(out, *v);
  else
    out += "null";
}

// The canonical serialisation: a JSON array of every column but `hash`, in column order, with
// record and detail as their stored (canonical JSON) text, compact, UTF-8 — written directly,
// in the bytes nlohmann::json's dump of that array gives (which is how entries were first hashed).
std::string canonical(const Row& r) {
  std::string out;
  out.reserve(256 + r.kind.size() + (r.record ? r.record->size() * 5 / 4 : 0) +
              (r.detail ? r.detail->size() * 5 / 4 : 0) + (r.comment ? r.comment->size() : 0));
  out += '[';
  auto next = [&](const auto& v) {
    if (out.size() > 1) out += ',';
    append_value(out, v);
  };
  next(r.id);
  next(r.at);
  next(r.kind);
  next(r.request_id);
  next(r.workflow);
  next(r.workflow_version);
  next(r.entity);
  next(r.entity_id);
  next(r.step);
  next(r.round);
  next(r.actor_id);
  next(r.on_behalf_of);
  next(r.comment);
  next(r.record);
  next(r.detail);
  next(r.prev_hash);
  out += ']';
  return out;
}

constexpr const char* kRowColumns =
    "id, at, kind, request_id, workflow, workflow_version, entity, entity_id, step, round, actor_id, on_behalf_of, "
    "comment, record, detail, prev_hash, hash";

Row read_row(db::Stmt& q) {
  Row r;
  r.id = q.get_int(0);
  r.at = q.get_int(1);
  r.kind = q.get_text(2);
  r.request_id = q.get_opt_int(3);
  r.workflow = q.get_opt_text(4);
  r.workflow_version = q.get_opt_int(5);
  r.entity = q.get_opt_text(6);
  r.entity_id = q.get_opt_int(7);
  r.step = q.get_opt_text(8);
  r.round = q.get_opt_int(9);
  r.actor_id = q.get_opt_int(10);
  r.on_behalf_of = q.get_opt_int(11);
  r.comment = q.get_opt_text(12);
  r.record = q.get_opt_text(13);
  r.detail = q.get_opt_text(14);
  r.prev_hash = q.get_text(15);
  r.hash = q.get_text(16);
  return r;
}

std::string short_hash(const std::string& h) { return h.size() > 12 ? h.substr(0, 12) + "…" : h; }

}  // namespace

std::string sha256_hex(const std::string& data) {
  // Fetched once: OpenSSL 3 otherwise looks the algorithm up in its provider tables on every digest.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!sha256 || EVP_Digest(data.data(), data.size(), out, &len, sha256, nullptr) != 1)
    throw Error("internal error: SHA-256 failed");
  static const char* hex = "0123456789abcdef";
  std::string s;
  s.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    s += hex[out[i] >> 4];
    s += hex[out[i] & 15];
  }
  return s;
}

namespace internal {

std::string append(const Context& ctx, const LedgerEntry& e) {
  auto last = ctx.db().prepare("SELECT id, hash FROM approval_ledger ORDER BY id DESC LIMIT 1");
  Row r;
  r.prev_hash = kGenesis;
  r.id = 1;
  if (last.step()) {
    r.id = last.get_int(0) + 1;
    r.prev_hash = last.get_text(1);
  }
  r.at = ctx.now();
  r.kind = e.kind;
  r.request_id = e.request_id;
  r.workflow = e.workflow;
  r.workflow_version = e.workflow_version;
  r.entity = e.entity;
  r.entity_id = e.entity_id;
  r.step = e.step;
  r.round = e.round;
  r.actor_id = e.actor_id;
  r.on_behalf_of = e.on_behalf_of;
  r.comment = e.comment;
  if (!e.record.is_null()) r.record = e.record.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!e.detail.is_null()) r.detail = e.detail.dump(-1, ' ', false, json::error_handler_t::replace);
  r.hash = sha256_hex(canonical(r));
  ctx.db()
      .prepare(std::string("INSERT INTO approval_ledger(") + kRowColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind_all(r.id, r.at, r.kind, r.request_id, r.workflow, r.workflow_version, r.entity, r.entity_id, r.step,
                r.round, r.actor_id, r.on_behalf_of, r.comment, r.record, r.detail, r.prev_hash, r.hash)
      .exec();
  return r.hash;
}

Table request_history(const Context& ctx, std::int64_t request_id) {
  // An entry without an actor was made by the engine itself (an SLA job, a trigger): "system".
  auto q = ctx.db().prepare(
      "SELECT l.id, l.at, l.kind, l.step, l.round, l.actor_id, "
      "CASE WHEN l.actor_id IS NULL THEN 'system' ELSE coalesce(u.login, '') END, l.on_behalf_of, l.comment, "
      "l.record, l.detail "
      "FROM approval_ledger l LEFT JOIN users u ON u.id = l.actor_id WHERE l.request_id = ? ORDER BY l.id");
  q.bind_all(request_id);
  return db::read_table(q, {{"id", ColumnType::Int},
                            {"at", ColumnType::Time},
                            {"kind", ColumnType::Text},
                            {"step", ColumnType::Text},
                            {"round", ColumnType::Int},
                            {"actor_id", ColumnType::Int},
                            {"actor", ColumnType::Text},
                            {"on_behalf_of", ColumnType::Int},
                            {"comment", ColumnType::Text},
                            {"record", ColumnType::Text},
                            {"detail", ColumnType::Text}});
}

}  // namespace internal

std::string Audit::head() const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare("SELECT hash FROM approval_ledger ORDER BY id DESC LIMIT 1");
  return q.step() ? q.get_text(0) : std::string();
}

Verification Audit::verify(const std::optional<std::string>& expected_head) const {
  db::Transaction tx(ctx_.db(), false);
  Verification v;
  auto q = ctx_.db().prepare(std::string("SELECT ") + kRowColumns + " FROM approval_ledger ORDER BY id");
  std::string prev = kGenesis;
  std::optional<std::int64_t> prev_id;
  bool head_seen = !expected_head || expected_head->empty();
  auto fail = [&](std::int64_t id, std::string reason) {
    if (v.ok) {
      v.ok = false;
      v.first_bad = id;
      v.reason = std::move(reason);
    }
  };
  while (q.step()) {
    Row r = read_row(q);
    ++v.entries;
    if (v.ok) {
      std::int64_t expected_id = prev_id ? *prev_id + 1 : 1;
      if (r.prev_hash != prev) {
        fail(r.id, "entry " + std::to_string(r.id) + ": its prev_hash " + short_hash(r.prev_hash) +
                       " does not match the hash of the entry before it (" +
                       (prev_id ? "entry " + std::to_string(*prev_id) : std::string("the start of the chain")) +
                       ", " + short_hash(prev) + "): an entry before it was deleted, changed or moved");
      } else if (r.id != expected_id) {
        fail(r.id, "entry " + std::to_string(r.id) + " follows " +
                       (prev_id ? "entry " + std::to_string(*prev_id) : std::string("the start of the chain")) +
                       ": the ids are not consecutive, so entries were renumbered");
      } else if (sha256_hex(canonical(r)) != r.hash) {
        fail(r.id, "entry " + std::to_string(r.id) + " (" + r.kind +
                       "): its content does not match its hash: the entry was edited after it was written");
      }
    }
    if (!head_seen && r.hash == *expected_head) head_seen = true;
    prev = r.hash;
    prev_id = r.id;
  }
  v.head = prev_id ? prev : std::string();
  if (v.ok && !head_seen) {
    v.ok = false;
    v.first_bad = prev_id ? *prev_id + 1 : 1;
    v.reason = "the expected head " + short_hash(*expected_head) + " is not in the chain, which ends at " +
               (prev_id ? "entry " + std::to_string(*prev_id) + " (" + short_hash(prev) + ")" : std::string("nothing")) +
               ": entries after it were deleted, or the chain was rewritten";
  }
  return v;
}

Table Audit::entries(std::optional<std::int64_t> after_id, std::int64_t limit) const {
  paging::check_limit(limit);
  paging::check_cursor(after_id);
  db::Transaction tx(ctx_.db(), false);
  if (!ctx_.who->is_system() && !ctx_.who->is_admin)
    throw PermissionDenied("user '" + ctx_.who->login + "' may not read the approval ledger (admins only)");
  Table t;
  auto add = [&](const char* n, ColumnType ty) { return t.add_column(n, ty); };
  auto c_id = add("id", ColumnType::Int);
  auto c_at = add("at", ColumnType::Time);
  auto c_kind = add("kind", ColumnType::Text);
  auto c_req = add("request_id", ColumnType::Int);
  auto c_wf = add("workflow", ColumnType::Text);
  auto c_wfv = add("workflow_version", ColumnType::Int);
  auto c_ent = add("entity", ColumnType::Text);
  auto c_eid = add("entity_id", ColumnType::Int);
  auto c_step = add("step", ColumnType::Text);
  auto c_round = add("round", ColumnType::Int);
  auto c_actor = add("actor_id", ColumnType::Int);
  auto c_behalf = add("on_behalf_of", ColumnType::Int);
  auto c_comment = add("comment", ColumnType::Text);
  auto c_record = add("record", ColumnType::Text);
  auto c_detail = add("detail", ColumnType::Text);
  auto c_prev = add("prev_hash", ColumnType::Text);
  auto c_hash = add("hash", ColumnType::Text);
  auto q = ctx_.db().prepare(std::string("SELECT ") + kRowColumns +
                             " FROM approval_ledger WHERE id > ? ORDER BY id LIMIT ?");
  q.bind_all(after_id.value_or(0), limit);
  while (q.step()) {
    Row r = read_row(q);
    t.column(c_id).push_int(r.id);
    t.column(c_at).push_int(r.at);
    t.column(c_kind).push_text(r.kind);
    t.column(c_req).push_opt(r.request_id);
    t.column(c_wf).push_opt(r.workflow);
    t.column(c_wfv).push_opt(r.workflow_version);
    t.column(c_ent).push_opt(r.entity);
    t.column(c_eid).push_opt(r.entity_id);
    t.column(c_step).push_opt(r.step);
    t.column(c_round).push_opt(r.round);
    t.column(c_actor).push_opt(r.actor_id);
    t.column(c_behalf).push_opt(r.on_behalf_of);
    t.column(c_comment).push_opt(r.comment);
    t.column(c_record).push_opt(r.record);
    t.column(c_detail).push_opt(r.detail);
    t.column(c_prev).push_text(r.prev_hash);
    t.column(c_hash).push_text(r.hash);
  }
  return t;
}

}  // namespace crmkit::workflow
