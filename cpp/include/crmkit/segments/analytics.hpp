// crmkit/segments/analytics.hpp — RFM scores and customer lifetime value from the order history.
//
// Both read the orders (refunds are negative orders) as of a date, within the view's scope. RFM
// starts from the per-customer facts (order count, net spend, last purchase) and undoes the
// orders after the asof, which for a current asof is one row per customer instead of a pass over
// every order; CLV needs every purchase day and reads the orders.
// The models themselves are in rfm_model.hpp and clv_model.hpp (docs/clv_rfm.md).
// Thread-safety: see Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crmkit/context.hpp"
#include "crmkit/segments/clv_model.hpp"
#include "crmkit/table.hpp"

namespace crmkit::segments {

class Rfm {
 public:
  explicit Rfm(Context ctx) : ctx_(std::move(ctx)) {}
  // The database's time zone, in which the bindings read date text given to this service.
  TimeZone zone() const { return ctx_.zone(); }
  // Per customer with at least one purchase up to `asof` (default: now): recency_days (days
  // since the last purchase), frequency (purchases), monetary (net spend incl. refunds), r, f, m
  // scores 1-5 by quintiles, and the named cell. Columns: customer_id, recency_days, frequency,
  // monetary, r, f, m, label.
  Table score(std::optional<std::int64_t> asof_ms = std::nullopt) const;

 private:
  Context ctx_;
};

struct ClvFit {
  BgNbdFit purchases;
  GammaGammaFit spend;
  bool spend_fitted = false;  // false when too few repeat customers for the spend model
  std::string time_unit;      // "day" | "week" | "month"
  std::int64_t asof_ms = 0;
  std::size_t customers = 0;
};

class Clv {
 public:
  explicit Clv(Context ctx) : ctx_(std::move(ctx)) {}
  // The database's time zone, in which the bindings read date text given to this service.
  TimeZone zone() const { return ctx_.zone(); }
  // Fits BG/NBD (purchase process) and Gamma-Gamma (spend) by maximum likelihood on the orders up
  // to `asof`. ValidationError for fewer than 10 customers or no repeat purchases at all.
  ClvFit fit(std::optional<std::int64_t> asof_ms = std::nullopt, const std::string& time_unit = "week") const;
  // Per customer: frequency, recency, T, monetary, p_alive, expected_purchases in the next
  // `horizon_days`, expected_value (expected purchases × expected spend). Fits first when no fit
  // is given.
  Table predict(double horizon_days, const std::optional<ClvFit>& fit = std::nullopt,
                std::optional<std::int64_t> asof_ms = std::nullopt, const std::string& time_unit = "week") const;

 private:
  std::vector<CustomerSummary> summaries(std::int64_t asof_ms, TimeUnit unit) const;
  Context ctx_;
};

TimeUnit parse_time_unit(const std::string& unit);

}  // namespace crmkit::segments
