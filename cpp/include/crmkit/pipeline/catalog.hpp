// crmkit/pipeline/catalog.hpp — what rules may say about opportunities and documents.
//
// The rule catalogs (built-in columns plus custom fields) for "opportunity" and for every
// document kind, and the in-memory values of one record under such a catalog. The values are
// read with the catalog's own SQL, so rules::evaluate on them agrees with rules::compile.
// Opportunity SQL uses the table alias `o`; document SQL the alias `d`; lead SQL the alias `l`.
// Thread-safety: see Database; the functions read inside the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/pipeline/observer.hpp"
#include "crmkit/rules/catalog.hpp"

namespace crmkit::pipeline {

// The FROM items the catalogs' SQL reads: "opportunities o" and "documents d".
inline constexpr const char* kOpportunityFrom = "opportunities o";
inline constexpr const char* kDocumentFrom = "documents d";

rules::Catalog opportunity_catalog(const Context& ctx);
// What report filters may say about leads (alias `l`: "leads l").
rules::Catalog lead_catalog(const Context& ctx);
rules::Catalog document_catalog(const Context& ctx, const std::string& kind);
bool is_document_kind(const Context& ctx, const std::string& kind);
// The names of the document kinds, ascending.
std::vector<std::string> document_kinds(const Context& ctx);
// The kind of document `id`; nullopt when there is no such document.
std::optional<std::string> document_kind_of(const Context& ctx, std::int64_t id);

// Loads the values of one record under `catalog` from `table_alias` (kOpportunityFrom or
// kDocumentFrom).
// nullopt when there is no such row. Multi-enum values come back as lists.
std::optional<RecordValues> load_values(const Context& ctx, const rules::Catalog& catalog,
                                        const std::string& table_alias, std::int64_t id);

}  // namespace crmkit::pipeline
