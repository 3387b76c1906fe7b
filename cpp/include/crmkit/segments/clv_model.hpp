// crmkit/segments/clv_model.hpp — customer-lifetime-value models fitted on a purchase history.
//
// Three steps, all pure computation on values (no database, no logging):
//   1. summarize()        turns a purchase log into per-customer (x, t_x, T, monetary) summaries;
//   2. fit_bg_nbd()       fits the BG/NBD purchase-count model (Fader, Hardie & Lee 2005,
//                         "Counting your customers the easy way") by maximum likelihood, and the
//                         bg_nbd_* functions predict from a fit;
//   3. fit_gamma_gamma()  fits the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and
//                         CLV: using iso-value curves") on the repeat customers.
// docs/clv_rfm.md states the likelihoods, the parameterisation and the summary conventions.
//
// Thread-safety: every function is reentrant and keeps no state between calls; distinct threads
// may call any of them concurrently, including on the same const inputs. The fit structs are
// plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace crmkit::segments {

// The unit in which recency, T, alpha and prediction horizons are expressed. A month is the
// mean Gregorian month, 30.4375 days.
enum class TimeUnit { Day, Week, Month };

// Length of one `unit` in days (1, 7 or 30.4375).
double time_unit_days(TimeUnit unit);

// One purchase (order line or whole order). A negative amount is a refund.
struct Purchase {
  std::int64_t customer_id;
  std::int64_t at_ms;  // milliseconds since the Unix epoch, UTC
  double amount;
};

// The sufficient statistics of one customer, in the time unit given to summarize().
struct CustomerSummary {
  std::int64_t customer_id;
  double frequency;  // x: purchase days after the first purchase day (an integer >= 0)
  double recency;    // t_x: first to last purchase day; 0 when x = 0
  double T;          // first purchase day to the asof day
  double monetary;   // mean day total over the repeat purchase days; 0 when x = 0
};

// Summarizes a purchase log at `asof_ms`.
// Guarantees: purchases with at_ms > asof_ms are ignored; purchases are grouped by UTC calendar
// day; a day counts as a purchase day only when the sum of its amounts (refunds included) is
// > 0; customers without any purchase day up to asof are left out; the result is sorted by
// customer_id, and 0 <= recency <= T and frequency is integral for every row.
// Throws ValidationError (field "amount", row = index in `purchases`) for a non-finite amount,
// and ValidationError (field "time_unit") for an out-of-range unit.
std::vector<CustomerSummary> summarize(std::vector<Purchase> purchases, std::int64_t asof_ms,
                                       TimeUnit unit);

// A BG/NBD fit. Purchase rate lambda ~ Gamma(shape r, rate alpha) (alpha in the time unit of
// the summaries), drop-out probability p ~ Beta(a, b).
struct BgNbdFit {
  double r = 0, alpha = 0, a = 0, b = 0;
  double log_likelihood = 0;  // at the reported parameters, summed over customers
  std::size_t customers = 0;  // customers used in the fit
  // The optimiser met its tolerance and every parameter lies well inside its search box
  // (within a factor of about 4e5 of the data's scale). False typically means the likelihood
  // keeps rising towards a limit model (e.g. no drop-out, or Poisson-like buying); the values
  // are still the best found and usable for prediction, but not for interpretation.
  bool converged = false;
};

// Fits BG/NBD by maximum likelihood over log-parameters: L-BFGS on the analytic gradient of the
// likelihood summed over customers grouped by identical (x, t_x, T), from the first of several
// starts; the other starts, and then a derivative-free simplex search, only when that does not
// end at a converged interior optimum.
// Guarantees: r, alpha, a, b are finite and > 0; log_likelihood equals
// bg_nbd_log_likelihood(result, summaries).
// Throws ValidationError (field "orders") when there are fewer than 10 customers or every
// frequency is 0; ValidationError (field "frequency"/"recency"/"T", row = index) when a value is
// non-finite, negative, a frequency is not integral, or recency > T.
BgNbdFit fit_bg_nbd(const std::vector<CustomerSummary>& summaries);

// Log-likelihood of the summaries under the r, alpha, a, b of `model` (other fields ignored).
// Throws ValidationError as fit_bg_nbd() does for bad rows (no minimum count) or for
// non-positive parameters (field "model").
double bg_nbd_log_likelihood(const BgNbdFit& model,
                             const std::vector<CustomerSummary>& summaries);

// Probability that a customer with history (x, t_x, T) is still active at T. Exactly 1 when
// x = 0 (the model lets customers drop out only after a repeat purchase).
// Throws ValidationError for a bad model (field "model") or history (x < 0, t_x < 0, t_x > T,
// non-finite; fields "frequency", "recency", "T").
double bg_nbd_p_alive(const BgNbdFit& model, double x, double t_x, double T);

// Expected number of purchases in (T, T + t] for a customer with history (x, t_x, T):
// E[Y(t) | x, t_x, T]. 0 at t = 0, non-decreasing in t. Throws as bg_nbd_p_alive(), and
// ValidationError (field "t") for t < 0 or non-finite.
double bg_nbd_expected_purchases(const BgNbdFit& model, double t, double x, double t_x,
                                 double T);

// Expected number of repeat purchases in (0, t] for a customer picked at random when making a
// first purchase at time 0: E[X(t)]. Throws as bg_nbd_expected_purchases().
double bg_nbd_unconditional_expected_purchases(const BgNbdFit& model, double t);

// A Gamma-Gamma fit: a purchase's value ~ Gamma(shape p, rate nu), nu ~ Gamma(shape q, rate v)
// across customers (v in the currency of the amounts).
struct GammaGammaFit {
  double p = 0, q = 0, v = 0;
  double log_likelihood = 0;  // at the reported parameters, over the customers with x > 0
  std::size_t customers = 0;  // customers with x > 0, the only ones used
  bool converged = false;  // as for BgNbdFit
};

// Fits Gamma-Gamma by maximum likelihood on the customers with frequency > 0 (their monetary
// value is the mean of x spends). Throws ValidationError (field "orders") when fewer than 10
// customers have frequency > 0 (this includes "all frequencies are 0"); ValidationError
// (field "frequency"/"monetary", row) for non-finite values, a non-integral or negative
// frequency, or monetary <= 0 where frequency > 0.
GammaGammaFit fit_gamma_gamma(const std::vector<CustomerSummary>& summaries);

// Log-likelihood of the customers with frequency > 0 under p, q, v of `model`. Throws
// ValidationError as fit_gamma_gamma() does for bad rows (no minimum count), or (field "model")
// for non-positive parameters.
double gamma_gamma_log_likelihood(const GammaGammaFit& model,
                                  const std::vector<CustomerSummary>& summaries);

// Conditional expected mean spend per purchase, E[Z | x, monetary] =
// p (v + x monetary) / (p x + q - 1); for x = 0 this is the population mean p v / (q - 1).
// Throws ValidationError (field "model") when that mean does not exist (p x + q <= 1) or the
// model is not positive; (field "frequency"/"monetary") for bad inputs.
double gamma_gamma_expected_spend(const GammaGammaFit& model, double x, double monetary);

// Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1. Negative z is first mapped into
// (0, 1) by the Pfaff transformation. The power series is summed directly (with a convergence
// check) for z <= 0.9, and also above when |c - a - b| >= 5 (after an Euler transformation if
// c - a - b < 0); otherwise z > 0.9 uses the linear transformation z -> 1 - z, interpolated in c
// when c - a - b is within 1e-4 of an integer (docs/clv_rfm.md). Relative accuracy is about
// 1e-11 or better for parameters up to about 10 in size, and for any size when the path is a
// series with positive terms; large parameters with |c - a - b| < 5 and z > 0.9 (or z < -9)
// may lose digits to cancellation.
// Throws ValidationError (field "z") for z >= 1 or non-finite arguments, (field "c") when c is
// a non-positive integer; crmkit::Error if a series fails to converge (a bug, not an input).
double hypergeometric_2f1(double a, double b, double c, double z);

}  // namespace crmkit::segments
