#include "crmkit/segments/clv_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include <nlopt.hpp>

#include "crmkit/error.hpp"

namespace crmkit::segments {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// std::lgamma may write the global `signgam`; the reentrant variant keeps concurrent fits
// free of data races where the C library offers it.
double log_abs_gamma(double v) {
#if defined(__GLIBC__)
  int sign = 0;
  return ::lgamma_r(v, &sign);
#else
  return std::lgamma(v);
#endif
}

bool is_nonpositive_integer(double v) { return v <= 0 && v == std::floor(v); }

// log|Gamma(v)| with the sign of Gamma(v); sign 0 marks a pole (1/Gamma(v) = 0).
struct SignedLogGamma {
  double log_abs;
  double sign;
};

SignedLogGamma signed_log_gamma(double v) {
  if (v > 0) return {log_abs_gamma(v), 1.0};
  if (v == std::floor(v)) return {kInf, 0.0};
  const double whole = std::floor(v);
  const bool even = std::fmod(whole, 2.0) == 0.0;
  return {log_abs_gamma(v), even ? 1.0 : -1.0};
}

double log_sum_exp(double u, double v) {
  if (u == -kInf) return v;
  if (v == -kInf) return u;
  const double hi = std::max(u, v);
  return hi + std::log1p(std::exp(-std::fabs(u - v)));
}

// ---------------------------------------------------------------------------------------------
// Gauss hypergeometric function.

constexpr long kMaxSeriesTerms = 5'000'000;
constexpr double kRescale = 1e250;
const double kLogRescale = std::log(kRescale);

// sign * exp(log_scale) * sum_k (a)_k (b)_k / ((c)_k k!) z^k. The scale is kept as a logarithm
// and the partial sum is renormalised when it grows, so that prefactors like (1-z)^(r+x) can
// be applied to a series that would overflow on its own.
double scaled_series(double a, double b, double c, double z, double log_scale, double sign) {
  if (sign == 0.0) return 0.0;
  double term = 1.0;
  double sum = 1.0;
  double extra_log = 0.0;
  int small_terms = 0;
  // Past this index each ratio is close to z, so two negligible terms in a row mean the tail
  // is negligible too; before it, terms may still be on their way up.
  const double settle = 4.0 * std::max({std::fabs(a), std::fabs(b), std::fabs(c), 1.0});
  bool converged = false;
  for (long k = 0; k < kMaxSeriesTerms; ++k) {
    const double kd = static_cast<double>(k);
    const double ratio = (a + kd) * (b + kd) / ((c + kd) * (kd + 1.0)) * z;
    term *= ratio;
    if (term == 0.0) {  // a or b is a non-positive integer: the series is a polynomial
      converged = true;
      break;
    }
    sum += term;
    if (std::fabs(sum) > kRescale || std::fabs(term) > kRescale) {
      sum /= kRescale;
      term /= kRescale;
      extra_log += kLogRescale;
    }
    if (std::fabs(term) <= kEps * std::fabs(sum) && std::fabs(ratio) < 1.0 && kd > settle) {
      if (++small_terms >= 2) {
        converged = true;
        break;
      }
    } else {
      small_terms = 0;
    }
  }
  if (!converged) throw Error("internal error: hypergeometric series did not converge");
  if (sum == 0.0) return 0.0;
  const double total_log = std::log(std::fabs(sum)) + log_scale + extra_log;
  return sign * (sum < 0 ? -1.0 : 1.0) * std::exp(total_log);
}

// Linear transformation z -> 1 - z (valid when c - a - b is not an integer):
//   2F1(a,b;c;z) = G(c)G(m)/(G(c-a)G(c-b)) 2F1(a,b;1-m;1-z)
//                + (1-z)^m G(c)G(-m)/(G(a)G(b)) 2F1(c-a,c-b;1+m;1-z),   m = c - a - b.
double transformed_2f1(double a, double b, double c, double z, double log_scale) {
  const double w = 1.0 - z;
  const double m = c - a - b;
  const SignedLogGamma gc = signed_log_gamma(c);
  const SignedLogGamma gm = signed_log_gamma(m);
  const SignedLogGamma gca = signed_log_gamma(c - a);
  const SignedLogGamma gcb = signed_log_gamma(c - b);
  const SignedLogGamma gnm = signed_log_gamma(-m);
  const SignedLogGamma ga = signed_log_gamma(a);
  const SignedLogGamma gb = signed_log_gamma(b);
  double first = 0.0;
  if (gca.sign != 0.0 && gcb.sign != 0.0) {
    const double log_coef = gc.log_abs + gm.log_abs - gca.log_abs - gcb.log_abs;
    first = scaled_series(a, b, 1.0 - m, w, log_scale + log_coef,
                          gc.sign * gm.sign * gca.sign * gcb.sign);
  }
  const double log_coef2 = m * std::log(w) + gc.log_abs + gnm.log_abs - ga.log_abs - gb.log_abs;
  const double second = scaled_series(c - a, c - b, 1.0 + m, w, log_scale + log_coef2,
                                      gc.sign * gnm.sign * ga.sign * gb.sign);
  return first + second;
}

// exp(log_scale) * 2F1(a,b;c;z); arguments already checked.
double hyp2f1_scaled(double a, double b, double c, double z, double log_scale) {
  if (z == 0.0) return std::exp(log_scale);
  if (z < 0.0) {
    // Pfaff: 2F1(a,b;c;z) = (1-z)^(-a) 2F1(a, c-b; c; z/(z-1)), and z/(z-1) lies in (0, 1).
    return hyp2f1_scaled(a, c - b, c, z / (z - 1.0), log_scale - a * std::log1p(-z));
  }
  // Up to 0.9 the direct series needs a few hundred terms and, for positive parameters, has no
  // cancellation at all, so it beats every transformation there.
  if (z <= 0.9 || is_nonpositive_integer(a) || is_nonpositive_integer(b)) {
    return scaled_series(a, b, c, z, log_scale, 1.0);
  }
  const double m = c - a - b;
  // Near z = 1 the terms decay like k^(m-1) z^k, so with c - a - b well away from 0 the series
  // converges fast even at z -> 1 and, unlike the 1 - z transformation, does not cancel for
  // large parameters (the BG/NBD case of a customer with many purchases).
  constexpr double kFastExponent = 5.0;
  if (m >= kFastExponent) return scaled_series(a, b, c, z, log_scale, 1.0);
  if (m <= -kFastExponent) {
    // Euler: 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z).
    return scaled_series(c - a, c - b, c, z, log_scale + m * std::log1p(-z), 1.0);
  }
  const double m_int = std::round(m);
  // Trades the cancellation of the near-pole prefactors (~eps/kDelta) against the interpolation
  // error (~kDelta^4 ln(1-z)^4).
  constexpr double kDelta = 1e-4;
  if (std::fabs(m - m_int) >= kDelta) return transformed_2f1(a, b, c, z, log_scale);
  // At integral c - a - b the two gamma prefactors have poles that cancel. 2F1 is analytic in c,
  // so interpolate (cubic) from four values of c whose m sits at least kDelta from the integer.
  const double e = m - m_int;
  const std::array<double, 4> nodes = {-2 * kDelta, -kDelta, kDelta, 2 * kDelta};
  double value = 0.0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    double weight = 1.0;
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      if (j != i) weight *= (e - nodes[j]) / (nodes[i] - nodes[j]);
    }
    value += weight * transformed_2f1(a, b, c - e + nodes[i], z, log_scale);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Input checks shared by the models.

[[noreturn]] void bad_row(const std::string& message, const char* field, std::size_t row) {
  throw ValidationError(message + " (customer row " + std::to_string(row) + ")", field,
                        static_cast<std::int64_t>(row));
}

void check_summary(const CustomerSummary& s, std::size_t row) {
  if (!std::isfinite(s.frequency) || s.frequency < 0 || s.frequency != std::floor(s.frequency)) {
    bad_row("frequency must be a finite integer >= 0", "frequency", row);
  }
  if (!std::isfinite(s.T) || s.T < 0) bad_row("T must be a finite number >= 0", "T", row);
  if (!std::isfinite(s.recency) || s.recency < 0 || s.recency > s.T) {
    bad_row("recency must be a finite number in [0, T]", "recency", row);
  }
  if (!std::isfinite(s.monetary)) bad_row("monetary must be a finite number", "monetary", row);
}

void check_history(double x, double t_x, double T) {
  if (!std::isfinite(x) || x < 0) throw ValidationError("frequency must be >= 0", "frequency");
  if (!std::isfinite(T) || T < 0) throw ValidationError("T must be >= 0", "T");
  if (!std::isfinite(t_x) || t_x < 0 || t_x > T) {
    throw ValidationError("recency must be in [0, T]", "recency");
  }
}

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

void check_bg_nbd_model(const BgNbdFit& m) {
  if (!positive_finite(m.r) || !positive_finite(m.alpha) || !positive_finite(m.a) ||
      !positive_finite(m.b)) {
    throw ValidationError("BG/NBD parameters r, alpha, a, b must be finite and > 0", "model");
  }
}

void check_gamma_gamma_model(const GammaGammaFit& m) {
  if (!positive_finite(m.p) || !positive_finite(m.q) || !positive_finite(m.v)) {
    throw ValidationError("Gamma-Gamma parameters p, q, v must be finite and > 0", "model");
  }
}

constexpr std::size_t kMinCustomers = 10;

// ---------------------------------------------------------------------------------------------
// Optimiser.

struct Minimum {
  std::vector<double> theta;
  double value = kInf;
  bool converged = false;
};

using Objective = std::function<double(const std::vector<double>&)>;

double nlopt_trampoline(const std::vector<double>& theta, std::vector<double>& /*grad*/,
                        void* data) {
  const double v = (*static_cast<const Objective*>(data))(theta);
  // The simplex copes with a huge value but not with NaN.
  return std::isfinite(v) ? v : 1e300;
}

Minimum run_simplex(const Objective& objective, std::vector<double> theta, double step,
                    double bound) {
  nlopt::opt opt(nlopt::LN_NELDERMEAD, static_cast<unsigned>(theta.size()));
  opt.set_lower_bounds(std::vector<double>(theta.size(), -bound));
  opt.set_upper_bounds(std::vector<double>(theta.size(), bound));
  opt.set_min_objective(nlopt_trampoline, const_cast<Objective*>(&objective));
  opt.set_ftol_rel(1e-12);
  opt.set_xtol_rel(1e-9);
  opt.set_maxeval(4000);
  opt.set_initial_step(step);
  Minimum out;
  double value = kInf;
  nlopt::result result = nlopt::FAILURE;
  try {
    result = opt.optimize(theta, value);
  } catch (const nlopt::roundoff_limited&) {
    result = nlopt::ROUNDOFF_LIMITED;  // theta still holds the best point found
    value = objective(theta);
  } catch (const std::exception&) {
    result = nlopt::FAILURE;
    value = objective(theta);
  }
  out.theta = std::move(theta);
  out.value = std::isfinite(value) ? value : kInf;
  const bool tolerance_met = result == nlopt::SUCCESS || result == nlopt::FTOL_REACHED ||
                             result == nlopt::XTOL_REACHED || result == nlopt::ROUNDOFF_LIMITED;
  // A maximum within e^3 of the box edge means the likelihood was still rising towards a limit
  // model (e.g. r, alpha -> infinity with r/alpha fixed is the Poisson limit): not a fit whose
  // parameters mean anything.
  bool interior = true;
  for (double t : out.theta) interior = interior && std::fabs(t) < bound - 3.0;
  out.converged = tolerance_met && interior;
  return out;
}

// A simplex can stall on a ridge, so run it from several starts, keep the best, and restart it
// from there with a fresh (smaller) simplex.
Minimum multi_start_minimize(const Objective& objective,
                             const std::vector<std::vector<double>>& starts, double bound) {
  Minimum best;
  for (const auto& start : starts) {
    Minimum m = run_simplex(objective, start, 0.5, bound);
    if (best.theta.empty() || m.value < best.value) best = std::move(m);
  }
  Minimum polished = run_simplex(objective, best.theta, 0.05, bound);
  if (polished.value <= best.value) return polished;
  best.converged = false;
  return best;
}

// The objective with its gradient: fills `grad` (same size as theta) and returns the value.
using GradObjective = std::function<double(const std::vector<double>&, std::vector<double>&)>;

double nlopt_grad_trampoline(const std::vector<double>& theta, std::vector<double>& grad, void* data) {
  std::vector<double> g(theta.size());
  const double v = (*static_cast<const GradObjective*>(data))(theta, g);
  if (!grad.empty()) grad = g;
  return std::isfinite(v) ? v : 1e300;
}

// Quasi-Newton (L-BFGS) on the analytic gradient: a few dozen evaluations where the simplex
// needs thousands. Converged as run_simplex() defines it.
Minimum run_lbfgs(const GradObjective& objective, std::vector<double> theta, double bound) {
  nlopt::opt opt(nlopt::LD_LBFGS, static_cast<unsigned>(theta.size()));
  opt.set_lower_bounds(std::vector<double>(theta.size(), -bound));
  opt.set_upper_bounds(std::vector<double>(theta.size(), bound));
  opt.set_min_objective(nlopt_grad_trampoline, const_cast<GradObjective*>(&objective));
  opt.set_ftol_rel(1e-15);
  opt.set_xtol_rel(1e-11);
  opt.set_maxeval(2000);
  Minimum out;
  double value = kInf;
  nlopt::result result = nlopt::FAILURE;
  std::vector<double> g(theta.size());
  try {
    result = opt.optimize(theta, value);
  } catch (const nlopt::roundoff_limited&) {
    result = nlopt::ROUNDOFF_LIMITED;
    value = objective(theta, g);
  } catch (const std::exception&) {
    result = nlopt::FAILURE;
    value = objective(theta, g);
  }
  out.theta = std::move(theta);
  out.value = std::isfinite(value) ? value : kInf;
  const bool tolerance_met = result == nlopt::SUCCESS || result == nlopt::FTOL_REACHED ||
                             result == nlopt::XTOL_REACHED || result == nlopt::ROUNDOFF_LIMITED;
  bool interior = true;
  for (double t : out.theta) interior = interior && std::fabs(t) < bound - 3.0;
  out.converged = tolerance_met && interior;
  return out;
}

// L-BFGS from the first start; when that is not a converged interior optimum, from the others
// too, the best kept. When none is (a ridge or a limit model), the derivative-free search of
// multi_start_minimize() decides, as before the gradients existed.
Minimum gradient_minimize(const GradObjective& objective, const std::vector<std::vector<double>>& starts,
                          double bound) {
  Minimum best;
  for (const auto& start : starts) {
    Minimum m = run_lbfgs(objective, start, bound);
    if (best.theta.empty() || m.value < best.value) best = std::move(m);
    if (best.converged) return best;
  }
  const Objective plain = [&](const std::vector<double>& th) {
    std::vector<double> g(th.size());
    return objective(th, g);
  };
  Minimum simplex = multi_start_minimize(plain, starts, bound);
  return simplex.value <= best.value ? simplex : best;
}

// The digamma function psi(v) for v > 0: the recurrence up to v >= 6, then the asymptotic
// series (absolute error below 1e-13 there).
double digamma(double v) {
  double shift = 0;
  while (v < 6.0) {
    shift -= 1.0 / v;
    v += 1.0;
  }
  const double f = 1.0 / (v * v);
  const double tail = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
  return shift + std::log(v) - 0.5 / v - tail;
}

// Parameters are optimised as logarithms, the scale parameters relative to a data scale, so
// the same box (+-bound) suits days and months, cents and millions.
constexpr double kLogBound = 16.0;  // about a factor 9e6 either way

// ---------------------------------------------------------------------------------------------
// BG/NBD likelihood on compressed data.

struct BgNbdRow {
  std::size_t x_index;
  double t_x, T, weight;
};

struct BgNbdData {
  std::vector<double> xs;  // distinct frequencies
  std::vector<BgNbdRow> rows;
  double customers = 0;
  double mean_T = 0;
};

// Customers sharing (x, t_x, T) contribute identical terms; day-level data has many of them.
BgNbdData compress_bg_nbd(const std::vector<CustomerSummary>& summaries) {
  std::map<double, std::size_t> x_index;
  std::map<std::array<double, 3>, double> counts;
  double sum_T = 0;
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    const CustomerSummary& s = summaries[i];
    check_summary(s, i);
    const double t_x = s.frequency > 0 ? s.recency : 0.0;
    counts[{s.frequency, t_x, s.T}] += 1.0;
    x_index.emplace(s.frequency, 0);
    sum_T += s.T;
  }
  BgNbdData d;
  for (auto& [x, idx] : x_index) {
    idx = d.xs.size();
    d.xs.push_back(x);
  }
  d.rows.reserve(counts.size());
  for (const auto& [key, count] : counts) {
    d.rows.push_back(BgNbdRow{x_index.at(key[0]), key[1], key[2], count});
  }
  d.customers = static_cast<double>(summaries.size());
  d.mean_T = summaries.empty() ? 0.0 : sum_T / d.customers;
  return d;
}

// LL_i = ln G(r+x) - ln G(r) + r ln(alpha) + ln B(a, b+x) - ln B(a, b)
//        + ln[ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]
double bg_nbd_ll(const BgNbdData& d, double r, double alpha, double a, double b) {
  const std::size_t nx = d.xs.size();
  std::vector<double> common(nx), dropout(nx);
  const double lg_r = log_abs_gamma(r);
  const double lg_b = log_abs_gamma(b);
  const double lg_ab = log_abs_gamma(a + b);
  const double log_alpha = std::log(alpha);
  const double log_a = std::log(a);
  for (std::size_t j = 0; j < nx; ++j) {
    const double x = d.xs[j];
    common[j] = log_abs_gamma(r + x) - lg_r + r * log_alpha + lg_ab + log_abs_gamma(b + x) - lg_b -
                log_abs_gamma(a + b + x);
    dropout[j] = x > 0 ? log_a - std::log(b + x - 1.0) : -kInf;
  }
  double ll = 0;
  for (const BgNbdRow& row : d.rows) {
    const double x = d.xs[row.x_index];
    const double alive = -(r + x) * std::log(alpha + row.T);
    const double dead = x > 0 ? dropout[row.x_index] - (r + x) * std::log(alpha + row.t_x) : -kInf;
    ll += row.weight * (common[row.x_index] + log_sum_exp(alive, dead));
  }
  return ll;
}

// bg_nbd_ll() and its gradient with respect to (r, alpha, a, b), in one pass.
double bg_nbd_ll_grad(const BgNbdData& d, double r, double alpha, double a, double b, std::array<double, 4>& grad) {
  const std::size_t nx = d.xs.size();
  std::vector<double> common(nx), dropout(nx);
  std::vector<std::array<double, 4>> dcommon(nx);
  const double lg_r = log_abs_gamma(r), lg_b = log_abs_gamma(b), lg_ab = log_abs_gamma(a + b);
  const double psi_r = digamma(r), psi_b = digamma(b), psi_ab = digamma(a + b);
  const double log_alpha = std::log(alpha), log_a = std::log(a);
  for (std::size_t j = 0; j < nx; ++j) {
    const double x = d.xs[j];
    common[j] = log_abs_gamma(r + x) - lg_r + r * log_alpha + lg_ab + log_abs_gamma(b + x) - lg_b -
                log_abs_gamma(a + b + x);
    dropout[j] = x > 0 ? log_a - std::log(b + x - 1.0) : -kInf;
    const double psi_abx = digamma(a + b + x);
    dcommon[j] = {digamma(r + x) - psi_r + log_alpha, r / alpha, psi_ab - psi_abx,
                  psi_ab + digamma(b + x) - psi_b - psi_abx};
  }
  double ll = 0;
  std::array<double, 4> g{0, 0, 0, 0};
  for (const BgNbdRow& row : d.rows) {
    const std::size_t j = row.x_index;
    const double x = d.xs[j];
    const double log_T = std::log(alpha + row.T);
    const double alive = -(r + x) * log_T;
    std::array<double, 4> dl{-log_T, -(r + x) / (alpha + row.T), 0, 0};
    double term = alive;
    if (x > 0) {
      // ln[e^alive + e^dead]: each part's derivative weighted by its share of the sum.
      const double log_tx = std::log(alpha + row.t_x);
      const double dead = dropout[j] - (r + x) * log_tx;
      term = log_sum_exp(alive, dead);
      const double w_alive = std::exp(alive - term), w_dead = std::exp(dead - term);
      dl = {w_alive * dl[0] - w_dead * log_tx, w_alive * dl[1] - w_dead * (r + x) / (alpha + row.t_x),
            w_dead / a, -w_dead / (b + x - 1.0)};
    }
    ll += row.weight * (common[j] + term);
    for (std::size_t k = 0; k < 4; ++k) g[k] += row.weight * (dcommon[j][k] + dl[k]);
  }
  grad = g;
  return ll;
}

// (a+b+x-1) (1 - G) / (a-1) with G = ((alpha+T)/(alpha+T+t))^(r+x)
// 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t)): the expected purchases in (T, T+t] of a customer
// known to be alive at T. With x = 0, T = 0 it is the unconditional E[X(t)].
// `exact_a` stops the interpolation around a = 1 from recursing into itself.
double bg_nbd_alive_expectation(double r, double alpha, double a, double b, double x, double T,
                                double t, bool exact_a = false) {
  if (t == 0.0) return 0.0;
  const double a1 = r + x;
  const double c1 = a + b + x - 1.0;
  const double w = -t / (alpha + T);
  if (std::fabs(w) <= 0.5) {
    // By Pfaff, G = 2F1(a1, a-1; c1; w); dividing 1 - G by (a-1) termwise removes the removable
    // singularity at a = 1, and folding in (a+b+x-1) the one at c1 = 0:
    //   result = -sum_{k>=1} (a1)_k (a)_{k-1} / ((c1+1)_{k-1} k!) w^k.
    double term = -a1 * w;
    double sum = term;
    int small_terms = 0;
    for (long k = 1; k < kMaxSeriesTerms; ++k) {
      const double kd = static_cast<double>(k);
      term *= (a1 + kd) * (a + kd - 1.0) / ((c1 + kd) * (kd + 1.0)) * w;
      sum += term;
      if (std::fabs(term) <= kEps * std::fabs(sum)) {
        if (++small_terms >= 2) return sum;
      } else {
        small_terms = 0;
      }
    }
    throw Error("internal error: BG/NBD expectation series did not converge");
  }
  constexpr double kNearOne = 1e-5;
  if (std::fabs(a - 1.0) < kNearOne && !exact_a) {
    // 1 - G and a - 1 vanish together; the function is smooth in a, so interpolate across.
    const double lo = bg_nbd_alive_expectation(r, alpha, 1.0 - kNearOne, b, x, T, t, true);
    const double hi = bg_nbd_alive_expectation(r, alpha, 1.0 + kNearOne, b, x, T, t, true);
    return lo + (hi - lo) * (a - (1.0 - kNearOne)) / (2 * kNearOne);
  }
  const double z = t / (alpha + T + t);
  const double log_prefactor = -a1 * std::log1p(t / (alpha + T));
  const double g = hyp2f1_scaled(a1, b + x, c1, z, log_prefactor);
  return c1 * (1.0 - g) / (a - 1.0);
}

// ---------------------------------------------------------------------------------------------
// Gamma-Gamma likelihood.

struct GammaGammaData {
  std::vector<double> xs;  // distinct frequencies (> 0)
  std::vector<std::size_t> x_index;
  std::vector<double> x, log_x, m, log_m;
  double mean_monetary = 0;
};

GammaGammaData prepare_gamma_gamma(const std::vector<CustomerSummary>& summaries) {
  GammaGammaData d;
  std::map<double, std::size_t> index;
  double sum_m = 0;
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    const CustomerSummary& s = summaries[i];
    check_summary(s, i);
    if (s.frequency == 0) continue;
    if (!(s.monetary > 0)) bad_row("monetary must be > 0 when frequency > 0", "monetary", i);
    d.x.push_back(s.frequency);
    d.log_x.push_back(std::log(s.frequency));
    d.m.push_back(s.monetary);
    d.log_m.push_back(std::log(s.monetary));
    index.emplace(s.frequency, 0);
    sum_m += s.monetary;
  }
  for (auto& [x, idx] : index) {
    idx = d.xs.size();
    d.xs.push_back(x);
  }
  d.x_index.reserve(d.x.size());
  for (double x : d.x) d.x_index.push_back(index.at(x));
  d.mean_monetary = d.x.empty() ? 0.0 : sum_m / static_cast<double>(d.x.size());
  return d;
}

// LL_i = ln G(px+q) - ln G(px) - ln G(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v + x m)
double gamma_gamma_ll(const GammaGammaData& d, double p, double q, double v) {
  std::vector<double> per_x(d.xs.size());
  const double lg_q = log_abs_gamma(q);
  for (std::size_t j = 0; j < d.xs.size(); ++j) {
    const double px = p * d.xs[j];
    per_x[j] = log_abs_gamma(px + q) - log_abs_gamma(px) - lg_q;
  }
  const double q_log_v = q * std::log(v);
  double ll = 0;
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    const double px = p * d.x[i];
    ll += per_x[d.x_index[i]] + q_log_v + (px - 1.0) * d.log_m[i] + px * d.log_x[i] -
          (px + q) * std::log(v + d.x[i] * d.m[i]);
  }
  return ll;
}

// gamma_gamma_ll() and its gradient with respect to (p, q, v), in one pass.
double gamma_gamma_ll_grad(const GammaGammaData& d, double p, double q, double v, std::array<double, 3>& grad) {
  const std::size_t nx = d.xs.size();
  std::vector<double> per_x(nx), dp_x(nx), dq_x(nx);
  const double lg_q = log_abs_gamma(q), psi_q = digamma(q);
  for (std::size_t j = 0; j < nx; ++j) {
    const double px = p * d.xs[j];
    per_x[j] = log_abs_gamma(px + q) - log_abs_gamma(px) - lg_q;
    const double psi_pxq = digamma(px + q);
    dp_x[j] = psi_pxq - digamma(px);
    dq_x[j] = psi_pxq - psi_q;
  }
  const double log_v = std::log(v);
  double ll = 0, gp = 0, gq = 0, gv = 0;
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    const std::size_t j = d.x_index[i];
    const double x = d.x[i], px = p * x;
    const double denom = v + x * d.m[i];
    const double log_denom = std::log(denom);
    ll += per_x[j] + q * log_v + (px - 1.0) * d.log_m[i] + px * d.log_x[i] - (px + q) * log_denom;
    gp += x * (dp_x[j] + d.log_m[i] + d.log_x[i] - log_denom);
    gq += dq_x[j] + log_v - log_denom;
    gv += q / v - (px + q) / denom;
  }
  grad = {gp, gq, gv};
  return ll;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

double time_unit_days(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::Day:
      return 1.0;
    case TimeUnit::Week:
      return 7.0;
    case TimeUnit::Month:
      return 30.4375;
  }
  throw ValidationError("time_unit must be day, week or month", "time_unit");
}

std::vector<CustomerSummary> summarize(std::vector<Purchase> purchases, std::int64_t asof_ms,
                                       TimeUnit unit) {
  const double unit_days = time_unit_days(unit);
  for (std::size_t i = 0; i < purchases.size(); ++i) {
    if (!std::isfinite(purchases[i].amount)) {
      throw ValidationError("purchase amount must be a finite number (purchase " +
                                std::to_string(i) + ")",
                            "amount", static_cast<std::int64_t>(i));
    }
  }
  std::erase_if(purchases, [&](const Purchase& p) { return p.at_ms > asof_ms; });
  std::sort(purchases.begin(), purchases.end(), [](const Purchase& l, const Purchase& r) {
    return l.customer_id != r.customer_id ? l.customer_id < r.customer_id : l.at_ms < r.at_ms;
  });
  const std::int64_t asof_day = floor_div(asof_ms, kMsPerDay);
  std::vector<CustomerSummary> out;
  std::vector<std::pair<std::int64_t, double>> days;  // (day, total) of one customer
  std::size_t i = 0;
  while (i < purchases.size()) {
    const std::int64_t id = purchases[i].customer_id;
    days.clear();
    for (; i < purchases.size() && purchases[i].customer_id == id; ++i) {
      const std::int64_t day = floor_div(purchases[i].at_ms, kMsPerDay);
      if (days.empty() || days.back().first != day) days.emplace_back(day, 0.0);
      days.back().second += purchases[i].amount;
    }
    std::erase_if(days, [](const auto& d) { return !(d.second > 0); });
    if (days.empty()) continue;
    const std::int64_t first = days.front().first;
    double repeat_total = 0;
    for (std::size_t k = 1; k < days.size(); ++k) repeat_total += days[k].second;
    const double x = static_cast<double>(days.size() - 1);
    CustomerSummary s{};
    s.customer_id = id;
    s.frequency = x;
    s.recency = static_cast<double>(days.back().first - first) / unit_days;
    s.T = static_cast<double>(asof_day - first) / unit_days;
    s.monetary = x > 0 ? repeat_total / x : 0.0;
    out.push_back(s);
  }
  return out;
}

double bg_nbd_log_likelihood(const BgNbdFit& model,
                             const std::vector<CustomerSummary>& summaries) {
  check_bg_nbd_model(model);
  return bg_nbd_ll(compress_bg_nbd(summaries), model.r, model.alpha, model.a, model.b);
}

BgNbdFit fit_bg_nbd(const std::vector<CustomerSummary>& summaries) {
  const BgNbdData data = compress_bg_nbd(summaries);
  if (summaries.size() < kMinCustomers) {
    throw ValidationError("BG/NBD needs the orders of at least " + std::to_string(kMinCustomers) +
                              " customers, got " + std::to_string(summaries.size()),
                          "orders");
  }
  if (data.xs.size() == 1 && data.xs[0] == 0.0) {
    throw ValidationError(
        "BG/NBD cannot be fitted: no customer has a repeat purchase (every frequency is 0)",
        "orders");
  }
  // alpha is a time scale: measure it against the mean age of the customers.
  const double alpha_scale = std::max(data.mean_T, 1e-9);
  const double n = data.customers;
  // On log-parameters: d/d(log p) = p d/dp.
  const GradObjective objective = [&](const std::vector<double>& th, std::vector<double>& grad) {
    const double r = std::exp(th[0]), alpha = alpha_scale * std::exp(th[1]), a = std::exp(th[2]),
                 b = std::exp(th[3]);
    std::array<double, 4> g{};
    const double ll = bg_nbd_ll_grad(data, r, alpha, a, b, g);
    const double scale[4] = {r, alpha, a, b};
    for (int k = 0; k < 4; ++k) grad[k] = -g[k] * scale[k] / n;
    return -ll / n;
  };
  // Starts: (r, alpha / mean T, a, b) spanning slow/fast buyers and early/late drop-out.
  const std::vector<std::vector<double>> starts = {
      {0.0, 0.0, 0.0, 0.0},
      {std::log(0.25), std::log(0.1), std::log(0.8), std::log(2.5)},
      {std::log(2.0), std::log(1.0), std::log(2.0), std::log(10.0)},
  };
  const Minimum best = gradient_minimize(objective, starts, kLogBound);
  BgNbdFit fit;
  fit.r = std::exp(best.theta[0]);
  fit.alpha = alpha_scale * std::exp(best.theta[1]);
  fit.a = std::exp(best.theta[2]);
  fit.b = std::exp(best.theta[3]);
  fit.log_likelihood = bg_nbd_ll(data, fit.r, fit.alpha, fit.a, fit.b);
  fit.customers = summaries.size();
  fit.converged = best.converged;
  return fit;
}

double bg_nbd_p_alive(const BgNbdFit& model, double x, double t_x, double T) {
  check_bg_nbd_model(model);
  check_history(x, t_x, T);
  if (x == 0) return 1.0;
  // P = 1 / (1 + exp(l)), l = ln(a/(b+x-1)) + (r+x) ln((alpha+T)/(alpha+t_x)); the log form
  // keeps large x and long silences from overflowing.
  const double l = std::log(model.a) - std::log(model.b + x - 1.0) +
                   (model.r + x) * (std::log(model.alpha + T) - std::log(model.alpha + t_x));
  if (l > 0) {
    const double e = std::exp(-l);
    return e / (1.0 + e);
  }
  return 1.0 / (1.0 + std::exp(l));
}

double bg_nbd_expected_purchases(const BgNbdFit& model, double t, double x, double t_x,
                                 double T) {
  check_bg_nbd_model(model);
  check_history(x, t_x, T);
  if (!std::isfinite(t) || t < 0) throw ValidationError("t must be a finite number >= 0", "t");
  const double alive = bg_nbd_alive_expectation(model.r, model.alpha, model.a, model.b, x, T, t);
  return alive * bg_nbd_p_alive(model, x, t_x, T);
}

double bg_nbd_unconditional_expected_purchases(const BgNbdFit& model, double t) {
  check_bg_nbd_model(model);
  if (!std::isfinite(t) || t < 0) throw ValidationError("t must be a finite number >= 0", "t");
  return bg_nbd_alive_expectation(model.r, model.alpha, model.a, model.b, 0.0, 0.0, t);
}

double gamma_gamma_log_likelihood(const GammaGammaFit& model,
                                  const std::vector<CustomerSummary>& summaries) {
  check_gamma_gamma_model(model);
  return gamma_gamma_ll(prepare_gamma_gamma(summaries), model.p, model.q, model.v);
}

GammaGammaFit fit_gamma_gamma(const std::vector<CustomerSummary>& summaries) {
  const GammaGammaData data = prepare_gamma_gamma(summaries);
  if (data.x.size() < kMinCustomers) {
    throw ValidationError("Gamma-Gamma needs at least " + std::to_string(kMinCustomers) +
                              " customers with a repeat purchase, got " +
                              std::to_string(data.x.size()),
                          "orders");
  }
  // v is in currency units: measure it against the mean spend.
  const double v_scale = data.mean_monetary;
  const double n = static_cast<double>(data.x.size());
  const GradObjective objective = [&](const std::vector<double>& th, std::vector<double>& grad) {
    const double p = std::exp(th[0]), q = std::exp(th[1]), v = v_scale * std::exp(th[2]);
    std::array<double, 3> g{};
    const double ll = gamma_gamma_ll_grad(data, p, q, v, g);
    grad[0] = -g[0] * p / n;
    grad[1] = -g[1] * q / n;
    grad[2] = -g[2] * v / n;
    return -ll / n;
  };
  // Starts: (p, q, v / mean spend); the mean spend is p v / (q - 1), so each start is roughly
  // consistent with the data's scale.
  const std::vector<std::vector<double>> starts = {
      {0.0, std::log(2.0), 0.0},
      {std::log(5.0), std::log(4.0), std::log(0.6)},
      {std::log(20.0), std::log(10.0), std::log(0.45)},
  };
  const Minimum best = gradient_minimize(objective, starts, kLogBound);
  GammaGammaFit fit;
  fit.p = std::exp(best.theta[0]);
  fit.q = std::exp(best.theta[1]);
  fit.v = v_scale * std::exp(best.theta[2]);
  fit.log_likelihood = gamma_gamma_ll(data, fit.p, fit.q, fit.v);
  fit.customers = data.x.size();
  fit.converged = best.converged;
  return fit;
}

double gamma_gamma_expected_spend(const GammaGammaFit& model, double x, double monetary) {
  check_gamma_gamma_model(model);
  if (!std::isfinite(x) || x < 0) throw ValidationError("frequency must be >= 0", "frequency");
  if (!std::isfinite(monetary)) throw ValidationError("monetary must be finite", "monetary");
  const double denominator = model.p * x + model.q - 1.0;
  if (!(denominator > 0)) {
    throw ValidationError(
        "the Gamma-Gamma mean spend does not exist for these parameters (p x + q <= 1)", "model");
  }
  return model.p * (model.v + x * monetary) / denominator;
}

double hypergeometric_2f1(double a, double b, double c, double z) {
  if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c) || !std::isfinite(z)) {
    throw ValidationError("hypergeometric_2f1 needs finite arguments", "z");
  }
  if (z >= 1.0) throw ValidationError("hypergeometric_2f1 needs z < 1", "z");
  if (is_nonpositive_integer(c)) {
    throw ValidationError("hypergeometric_2f1 is undefined for c = 0, -1, -2, ...", "c");
  }
  return hyp2f1_scaled(a, b, c, z, 0.0);
}

}  // namespace crmkit::segments
