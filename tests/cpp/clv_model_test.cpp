// Tests of the customer-value models: transaction summaries, BG/NBD, Gamma-Gamma, the
// hypergeometric function they rely on, and RFM scoring.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crmkit/error.hpp"
#include "crmkit/segments/clv_model.hpp"
#include "crmkit/segments/rfm_model.hpp"

namespace seg = crmkit::segments;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

// A generator whose output is fixed by the seed on every platform (the standard distributions
// are implementation-defined, so the variates are drawn by hand).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  double uniform() {  // (0, 1)
    return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53;
  }
  double normal() {
    const double u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double exponential(double rate) { return -std::log(uniform()) / rate; }
  double gamma(double shape, double rate) {
    if (shape < 1.0) return gamma(shape + 1.0, rate) * std::pow(uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0, v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v / rate;
    }
  }
  double beta(double a, double b) {
    const double x = gamma(a, 1.0);
    return x / (x + gamma(b, 1.0));
  }

 private:
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

// BG/NBD process: repeat purchases at Poisson rate lambda; after each one the customer drops
// out with probability p. T is drawn uniformly in [t_min, t_max].
std::vector<seg::CustomerSummary> simulate_bg_nbd(std::size_t n, double r, double alpha, double a,
                                                  double b, double t_min, double t_max,
                                                  std::uint64_t seed) {
  Rng rng(seed);
  std::vector<seg::CustomerSummary> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double lambda = rng.gamma(r, alpha);
    const double p = rng.beta(a, b);
    const double T = t_min + (t_max - t_min) * rng.uniform();
    double t = 0, t_x = 0, x = 0;
    for (;;) {
      t += rng.exponential(lambda);
      if (t > T) break;
      x += 1;
      t_x = t;
      if (rng.uniform() < p) break;
    }
    out.push_back({static_cast<std::int64_t>(i), x, t_x, T, 0.0});
  }
  return out;
}

double rel_err(double got, double want) { return std::fabs(got - want) / std::fabs(want); }

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {  // proleptic Gregorian, UTC
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t ms_of(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d) * kDayMs; }

seg::BgNbdFit bg_model(double r, double alpha, double a, double b) {
  seg::BgNbdFit m;
  m.r = r;
  m.alpha = alpha;
  m.a = a;
  m.b = b;
  return m;
}

template <class F>
void expect_validation_error(F&& f, const std::string& field) {
  try {
    f();
    ADD_FAILURE() << "expected ValidationError on field " << field;
  } catch (const crmkit::ValidationError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// summarize

TEST(ClvSummary, CountsDistinctPositiveDaysAndAveragesRepeatDayTotals) {
  const std::int64_t d0 = ms_of(2024, 1, 1);
  const std::vector<seg::Purchase> purchases = {
      {7, d0 + 10 * kDayMs + 3'600'000, 30.0},  // day 10, two orders -> one purchase day of 50
      {7, d0 + 10 * kDayMs + 7'200'000, 20.0},
      {7, d0 + 2 * 3'600'000, 100.0},            // day 0: first purchase, not in monetary
      {7, d0 + 3 * kDayMs, 40.0},                // day 3: fully refunded -> not a purchase day
      {7, d0 + 3 * kDayMs + 1000, -40.0},
      {7, d0 + 17 * kDayMs, 25.0},               // day 17: 25 - 5 = 20
      {7, d0 + 17 * kDayMs + 5, -5.0},
      {7, d0 + 40 * kDayMs, 999.0},              // after asof: ignored
      {3, d0 + 14 * kDayMs, 12.0},               // a one-time buyer
      {9, d0 + 5 * kDayMs, -10.0},               // only a refund: no summary at all
  };
  const std::int64_t asof = d0 + 28 * kDayMs + 12 * 3'600'000;  // day 28, noon
  const auto s = seg::summarize(purchases, asof, seg::TimeUnit::Week);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].customer_id, 3);
  EXPECT_EQ(s[0].frequency, 0.0);
  EXPECT_EQ(s[0].recency, 0.0);
  EXPECT_DOUBLE_EQ(s[0].T, 14.0 / 7.0);
  EXPECT_EQ(s[0].monetary, 0.0);
  EXPECT_EQ(s[1].customer_id, 7);
  EXPECT_EQ(s[1].frequency, 2.0);
  EXPECT_DOUBLE_EQ(s[1].recency, 17.0 / 7.0);
  EXPECT_DOUBLE_EQ(s[1].T, 4.0);
  EXPECT_DOUBLE_EQ(s[1].monetary, (50.0 + 20.0) / 2.0);

  const auto days = seg::summarize(purchases, asof, seg::TimeUnit::Day);
  EXPECT_DOUBLE_EQ(days[1].T, 28.0);
  const auto months = seg::summarize(purchases, asof, seg::TimeUnit::Month);
  EXPECT_DOUBLE_EQ(months[1].recency, 17.0 / 30.4375);
}

TEST(ClvSummary, UsesUtcCalendarDaysBeforeTheEpochToo) {
  // 23:59 and 00:01 on either side of a UTC midnight are two days, also for negative times.
  const std::vector<seg::Purchase> purchases = {{1, -kDayMs - 60'000, 5.0},
                                                {1, -kDayMs + 60'000, 5.0}};
  const auto s = seg::summarize(purchases, 0, seg::TimeUnit::Day);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].frequency, 1.0);
  EXPECT_EQ(s[0].recency, 1.0);
  EXPECT_EQ(s[0].T, 2.0);
}

TEST(ClvSummary, RejectsNonFiniteAmountsWithTheirRow) {
  const std::vector<seg::Purchase> purchases = {{1, 0, 5.0}, {1, kDayMs, std::nan("")}};
  try {
    seg::summarize(purchases, 10 * kDayMs, seg::TimeUnit::Day);
    FAIL() << "expected ValidationError";
  } catch (const crmkit::ValidationError& e) {
    EXPECT_EQ(e.field(), "amount");
    ASSERT_TRUE(e.row().has_value());
    EXPECT_EQ(*e.row(), 1);
  }
  EXPECT_TRUE(seg::summarize({}, 0, seg::TimeUnit::Day).empty());
}

// ---------------------------------------------------------------------------------------------
// hypergeometric 2F1

TEST(Hypergeometric2F1, MatchesClosedForms) {
  auto log_form = [](double z) { return -std::log1p(-z) / z; };  // 2F1(1,1;2;z)
  for (double z : {-3.0, -0.5, 0.3, 0.75, 0.9, 0.95, 0.999, 0.999999}) {
    EXPECT_NEAR(seg::hypergeometric_2f1(1, 1, 2, z) / log_form(z), 1.0, 1e-10) << z;
  }
  for (double z : {-20.0, -0.9, 0.5, 0.97, 0.99999}) {  // 2F1(a,b;b;z) = (1-z)^-a
    EXPECT_NEAR(seg::hypergeometric_2f1(1.7, 2.3, 2.3, z) / std::pow(1 - z, -1.7), 1.0, 1e-10) << z;
  }
  for (double y : {0.2, 0.9, 0.99, 0.99999}) {  // 2F1(1/2,1/2;3/2;y^2) = asin(y)/y
    EXPECT_NEAR(seg::hypergeometric_2f1(0.5, 0.5, 1.5, y * y), std::asin(y) / y, 1e-11) << y;
  }
  // Terminating series: 2F1(-2,b;c;z) is a quadratic.
  const double b = 1.3, c = 2.9, z = 0.97;
  EXPECT_NEAR(seg::hypergeometric_2f1(-2, b, c, z),
              1 - 2 * b * z / c + b * (b + 1) * z * z / (c * (c + 1)), 1e-13);
  // Reference values (computed independently at 40 digits).
  EXPECT_NEAR(seg::hypergeometric_2f1(1.838107213735297, 2.0746063213414367, 2.9128029394038917,
                                      0.9925807958935833) / 248.7808369504613, 1.0, 1e-11);
  EXPECT_NEAR(seg::hypergeometric_2f1(3.566285613259036, 0.8124330157184639, 3.3794926310237843,
                                      0.9999979114989574) / 335981.44557611266, 1.0, 1e-10);
  EXPECT_NEAR(seg::hypergeometric_2f1(78.30306769570497, 87.21776231034367, 87.90652958819285,
                                      -3.2390630337759934) / 1.6819396701783733e-49, 1.0, 1e-10);
  EXPECT_EQ(seg::hypergeometric_2f1(2, 3, 4, 0), 1.0);
}

TEST(Hypergeometric2F1, RejectsArgumentsOutsideItsDomain) {
  expect_validation_error([] { seg::hypergeometric_2f1(1, 1, 2, 1.0); }, "z");
  expect_validation_error([] { seg::hypergeometric_2f1(1, 1, 2, std::nan("")); }, "z");
  expect_validation_error([] { seg::hypergeometric_2f1(1, 1, -2, 0.5); }, "c");
}

// ---------------------------------------------------------------------------------------------
// BG/NBD

TEST(BgNbd, RecoversSimulatedParameters) {
  const double r = 0.25, alpha = 4.0, a = 0.8, b = 2.5;
  const auto data = simulate_bg_nbd(10000, r, alpha, a, b, 39, 78, 20240601);
  const auto start = std::chrono::steady_clock::now();
  const seg::BgNbdFit fit = seg::fit_bg_nbd(data);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("BG/NBD simulated: r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f converged=%d (%.2fs)\n",
              fit.r, fit.alpha, fit.a, fit.b, fit.log_likelihood, fit.converged, seconds);
  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(fit.customers, data.size());
  // Tolerances are a few standard errors at n = 10,000; the fixed seed makes this exact.
  EXPECT_LT(rel_err(fit.r, r), 0.10);
  EXPECT_LT(rel_err(fit.alpha, alpha), 0.10);
  EXPECT_LT(rel_err(fit.a, a), 0.20);
  EXPECT_LT(rel_err(fit.b, b), 0.20);
  // A maximum: no worse than the truth, and no worse than nearby points.
  EXPECT_GE(fit.log_likelihood, seg::bg_nbd_log_likelihood(bg_model(r, alpha, a, b), data));
  EXPECT_DOUBLE_EQ(fit.log_likelihood, seg::bg_nbd_log_likelihood(fit, data));
  for (int k = 0; k < 4; ++k) {
    for (double f : {0.98, 1.02}) {
      seg::BgNbdFit moved = fit;
      double* params[] = {&moved.r, &moved.alpha, &moved.a, &moved.b};
      *params[k] *= f;
      EXPECT_GT(fit.log_likelihood, seg::bg_nbd_log_likelihood(moved, data)) << k << " " << f;
    }
  }
}

TEST(BgNbd, UnconditionalExpectationMatchesSimulation) {
  const double r = 0.25, alpha = 4.0, a = 0.8, b = 2.5;
  const auto model = bg_model(r, alpha, a, b);
  for (double t : {10.0, 52.0}) {  // one horizon in each evaluation branch
    const auto data = simulate_bg_nbd(40000, r, alpha, a, b, t, t, 77);
    double mean = 0;
    for (const auto& s : data) mean += s.frequency;
    mean /= static_cast<double>(data.size());
    EXPECT_NEAR(mean / seg::bg_nbd_unconditional_expected_purchases(model, t), 1.0, 0.04) << t;
  }
}

TEST(BgNbd, PAliveAndConditionalExpectationProperties) {
  const auto model = bg_model(0.243, 4.414, 0.793, 2.426);
  EXPECT_EQ(seg::bg_nbd_p_alive(model, 0, 0, 30), 1.0);
  EXPECT_EQ(seg::bg_nbd_p_alive(model, 0, 0, 0), 1.0);
  // Silence after the last purchase lowers P(alive).
  double previous = 1.0;
  for (double T : {20.0, 25.0, 30.0, 38.0, 60.0}) {
    const double p = seg::bg_nbd_p_alive(model, 3, 20, T);
    EXPECT_LE(p, previous);
    EXPECT_GT(p, 0.0);
    previous = p;
  }
  EXPECT_EQ(seg::bg_nbd_p_alive(model, 200, 1, 1e6), 0.0);  // no overflow, just 0

  // Published illustration (Fader, Hardie & Lee 2005): x=2, t_x=30.43, T=38.86 -> 1.226 in
  // 39 weeks.
  EXPECT_NEAR(seg::bg_nbd_expected_purchases(model, 39, 2, 30.43, 38.86), 1.226, 0.0015);

  // Closed form evaluated independently at 50 digits, including long horizons and heavy buyers.
  EXPECT_NEAR(seg::bg_nbd_expected_purchases(model, 500, 2, 30.43, 38.86) / 7.1684842069392678,
              1.0, 1e-11);
  EXPECT_NEAR(seg::bg_nbd_expected_purchases(model, 1e5, 300, 38, 39) / 1491.7087325605511, 1.0,
              1e-10);
  EXPECT_NEAR(seg::bg_nbd_expected_purchases(bg_model(0.243, 4.414, 1.7, 2.426), 100, 50, 38, 39) /
                  38.047935445939293,
              1.0, 1e-11);
  EXPECT_NEAR(seg::bg_nbd_unconditional_expected_purchases(model, 1e4) / 15.067913315055177, 1.0,
              1e-11);
  EXPECT_NEAR(seg::bg_nbd_unconditional_expected_purchases(model, 1) / 0.053267891171658282, 1.0,
              1e-12);

  for (const auto& [x, t_x, T] : std::vector<std::array<double, 3>>{
           {0, 0, 38}, {2, 30.43, 38.86}, {1, 2, 30}, {25, 37, 38}, {150, 38, 39}}) {
    double last = 0.0;
    EXPECT_EQ(seg::bg_nbd_expected_purchases(model, 0, x, t_x, T), 0.0);
    for (double t = 1; t <= 2000; t *= 1.3) {  // crosses both evaluation branches
      const double e = seg::bg_nbd_expected_purchases(model, t, x, t_x, T);
      ASSERT_TRUE(std::isfinite(e));
      EXPECT_GT(e, last) << "x=" << x << " t=" << t;
      last = e;
    }
    // Continuous where the evaluation switches branch, at t = (alpha + T) / 2.
    const double t0 = (model.alpha + T) / 2;
    const double below = seg::bg_nbd_expected_purchases(model, t0 * (1 - 1e-9), x, t_x, T);
    const double above = seg::bg_nbd_expected_purchases(model, t0 * (1 + 1e-9), x, t_x, T);
    EXPECT_NEAR(above / below, 1.0, 1e-8) << x;
  }
  // a = 1 is a removable singularity of the closed form.
  for (double t : {5.0, 100.0}) {
    const double at_one = seg::bg_nbd_expected_purchases(bg_model(0.3, 5, 1.0, 2), t, 3, 20, 30);
    const double near =
        seg::bg_nbd_expected_purchases(bg_model(0.3, 5, 1.0 + 1e-7, 2), t, 3, 20, 30);
    const double off = seg::bg_nbd_expected_purchases(bg_model(0.3, 5, 1.001, 2), t, 3, 20, 30);
    EXPECT_NEAR(at_one / near, 1.0, 1e-7);
    EXPECT_NEAR(at_one / off, 1.0, 1e-3);
  }
}

TEST(BgNbd, RejectsBadInput) {
  auto data = simulate_bg_nbd(50, 0.25, 4, 0.8, 2.5, 39, 78, 5);
  const std::vector<seg::CustomerSummary> nine(data.begin(), data.begin() + 9);
  expect_validation_error([&] { seg::fit_bg_nbd(nine); }, "orders");
  std::vector<seg::CustomerSummary> no_repeat = data;
  for (auto& s : no_repeat) s.frequency = s.recency = 0;
  expect_validation_error([&] { seg::fit_bg_nbd(no_repeat); }, "orders");
  auto bad = data;
  bad[4].T = std::numeric_limits<double>::infinity();
  expect_validation_error([&] { seg::fit_bg_nbd(bad); }, "T");
  bad = data;
  bad[3].frequency = 1.5;
  expect_validation_error([&] { seg::fit_bg_nbd(bad); }, "frequency");
  bad = data;
  bad[3].frequency = 2;
  bad[3].recency = bad[3].T + 1;
  expect_validation_error([&] { seg::fit_bg_nbd(bad); }, "recency");
  const auto model = bg_model(0.25, 4, 0.8, 2.5);
  expect_validation_error([&] { seg::bg_nbd_p_alive(model, -1, 0, 1); }, "frequency");
  expect_validation_error([&] { seg::bg_nbd_p_alive(model, 1, 2, 1); }, "recency");
  expect_validation_error([&] { seg::bg_nbd_expected_purchases(model, -1, 1, 1, 2); }, "t");
  expect_validation_error([&] { seg::bg_nbd_p_alive(bg_model(0, 4, 0.8, 2.5), 1, 1, 2); }, "model");
}

TEST(BgNbd, DegenerateDataIsFittedButNotReportedAsConverged) {
  // Everyone buys steadily up to T: nothing in the data supports drop-out or rate heterogeneity,
  // so the likelihood rises towards a limit model and the parameters run away.
  std::vector<seg::CustomerSummary> steady;
  for (std::int64_t i = 0; i < 200; ++i) {
    steady.push_back({i, 5.0 + static_cast<double>(i % 4), 9.5, 10.0, 10.0});
  }
  const auto fit = seg::fit_bg_nbd(steady);
  EXPECT_FALSE(fit.converged);
  for (double v : {fit.r, fit.alpha, fit.a, fit.b}) EXPECT_TRUE(std::isfinite(v) && v > 0);
  EXPECT_TRUE(std::isfinite(seg::bg_nbd_expected_purchases(fit, 10, 5, 9.5, 10)));
}

// ---------------------------------------------------------------------------------------------
// Gamma-Gamma

TEST(GammaGamma, RecoversSimulatedParameters) {
  const double p = 6.0, q = 4.0, v = 15.0;
  Rng rng(99);
  std::vector<seg::CustomerSummary> data;
  for (std::int64_t i = 0; i < 8000; ++i) {
    const double x = i % 500 == 0 ? 0.0 : 1.0 + std::floor(8.0 * rng.uniform());
    const double nu = rng.gamma(q, v);
    // The mean of x Gamma(p, nu) spends is Gamma(p x, nu) / x.
    const double m = x > 0 ? rng.gamma(p * x, nu) / x : 0.0;
    data.push_back({i, x, x > 0 ? 1.0 : 0.0, 10.0, m});
  }
  const auto fit = seg::fit_gamma_gamma(data);
  std::printf("Gamma-Gamma simulated: p=%.4f q=%.4f v=%.4f LL=%.2f converged=%d\n", fit.p, fit.q,
              fit.v, fit.log_likelihood, fit.converged);
  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(fit.customers, 8000u - 16u);
  EXPECT_LT(rel_err(fit.p, p), 0.10);
  EXPECT_LT(rel_err(fit.q, q), 0.15);
  EXPECT_LT(rel_err(fit.v, v), 0.20);
  seg::GammaGammaFit truth;
  truth.p = p;
  truth.q = q;
  truth.v = v;
  EXPECT_GE(fit.log_likelihood, seg::gamma_gamma_log_likelihood(truth, data));
}

TEST(GammaGamma, ExpectedSpendAndErrors) {
  seg::GammaGammaFit m;
  m.p = 6;
  m.q = 4;
  m.v = 15;
  EXPECT_DOUBLE_EQ(seg::gamma_gamma_expected_spend(m, 0, 0), 6.0 * 15.0 / 3.0);
  EXPECT_DOUBLE_EQ(seg::gamma_gamma_expected_spend(m, 2, 40), 6.0 * (15.0 + 80.0) / 15.0);
  // Shrinks towards the population mean of 30: between it and the observed 40.
  const double e = seg::gamma_gamma_expected_spend(m, 2, 40);
  EXPECT_GT(e, 30.0);
  EXPECT_LT(e, 40.0);
  m.q = 0.5;
  expect_validation_error([&] { seg::gamma_gamma_expected_spend(m, 0, 0); }, "model");
  std::vector<seg::CustomerSummary> few;
  for (std::int64_t i = 0; i < 30; ++i) few.push_back({i, i < 9 ? 2.0 : 0.0, 1.0, 5.0, 10.0});
  expect_validation_error([&] { seg::fit_gamma_gamma(few); }, "orders");
  few[0].monetary = 0;
  expect_validation_error([&] { seg::fit_gamma_gamma(few); }, "monetary");
  few[0].monetary = std::nan("");
  expect_validation_error([&] { seg::fit_gamma_gamma(few); }, "monetary");
}

// ---------------------------------------------------------------------------------------------
// CDNOW

TEST(Cdnow, CalibrationPeriodFitsNearPublishedEstimates) {
  // The log ships gzip-compressed inside the Python package (crmkit/datasets); CMake passes its path.
  gzFile in = gzopen(CRMKIT_CDNOW_GZ, "rb");
  ASSERT_NE(in, nullptr) << "cannot open " << CRMKIT_CDNOW_GZ;
  std::vector<seg::Purchase> purchases;
  char buffer[256];
  bool header = true;
  while (gzgets(in, buffer, sizeof buffer) != nullptr) {
    if (std::exchange(header, false)) continue;
    std::istringstream fields(buffer);
    std::int64_t id = 0, date = 0, cds = 0;
    double dollars = 0;
    if (!(fields >> id >> date >> cds >> dollars)) continue;
    const auto y = static_cast<int>(date / 10000);
    const auto m = static_cast<unsigned>(date / 100 % 100);
    const auto d = static_cast<unsigned>(date % 100);
    purchases.push_back({id, ms_of(y, m, d), dollars});
  }
  gzclose(in);
  ASSERT_EQ(purchases.size(), 69659u);
  const auto start = std::chrono::steady_clock::now();
  const auto summaries = seg::summarize(purchases, ms_of(1997, 9, 30), seg::TimeUnit::Week);
  const auto bg = seg::fit_bg_nbd(summaries);
  const auto gg = seg::fit_gamma_gamma(summaries);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("CDNOW: %zu customers, BG/NBD r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f conv=%d\n",
              bg.customers, bg.r, bg.alpha, bg.a, bg.b, bg.log_likelihood, bg.converged);
  std::printf("CDNOW: %zu repeat customers, Gamma-Gamma p=%.4f q=%.4f v=%.4f LL=%.2f conv=%d\n",
              gg.customers, gg.p, gg.q, gg.v, gg.log_likelihood, gg.converged);
  std::printf("CDNOW: summarize + both fits took %.2fs\n", seconds);
  EXPECT_TRUE(bg.converged);
  EXPECT_TRUE(gg.converged);
  // Published: r=0.243 alpha=4.414 a=0.793 b=2.426; p=6.25 q=3.74 v=15.44 (on a 1/10 sample
  // with per-transaction counts, hence the tolerances).
  EXPECT_LT(rel_err(bg.r, 0.243), 0.15);
  EXPECT_LT(rel_err(bg.alpha, 4.414), 0.15);
  EXPECT_LT(rel_err(bg.a, 0.793), 0.25);
  EXPECT_LT(rel_err(bg.b, 2.426), 0.25);
  EXPECT_LT(rel_err(gg.p, 6.25), 0.30);
  EXPECT_LT(rel_err(gg.q, 3.74), 0.30);
  EXPECT_LT(rel_err(gg.v, 15.44), 0.30);
}

// ---------------------------------------------------------------------------------------------
// RFM

TEST(Rfm, CellsCoverEveryScorePairExactlyOnce) {
  const auto& names = seg::rfm_cell_names();
  const std::set<std::string_view> known(names.begin(), names.end());
  ASSERT_EQ(known.size(), 11u);
  std::map<std::string_view, int> used;
  for (int r = 1; r <= 5; ++r) {
    for (int f = 1; f <= 5; ++f) {
      const std::string_view cell = seg::rfm_cell(r, f);  // a function: one cell per pair
      EXPECT_TRUE(known.count(cell)) << r << f;
      ++used[cell];
    }
  }
  EXPECT_EQ(used.size(), 11u);  // every cell is reachable
  int total = 0;
  for (const auto& [name, count] : used) total += count;
  EXPECT_EQ(total, 25);
  EXPECT_EQ(seg::rfm_cell(5, 5), "Champions");
  EXPECT_EQ(seg::rfm_cell(1, 1), "Lost");
  EXPECT_EQ(seg::rfm_cell(1, 5), "Cannot Lose Them");
  EXPECT_EQ(seg::rfm_cell(5, 1), "New Customers");
  expect_validation_error([] { seg::rfm_cell(0, 3); }, "r");
  expect_validation_error([] { seg::rfm_cell(3, 6); }, "f");
}

TEST(Rfm, QuintilesWithTiesAndDirection) {
  std::vector<seg::RfmInput> in;
  for (int i = 0; i < 10; ++i) {
    in.push_back({100 + i, static_cast<double>(10 * i), static_cast<double>(i), 10.0 * i});
  }
  in[3].frequency = in[4].frequency = in[5].frequency = 4;  // a tie across a quintile boundary
  in[7].monetary = in[8].monetary = in[9].monetary = 500;
  const auto s = seg::rfm_scores(in);
  ASSERT_EQ(s.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(s[i].customer_id, 100 + i);
    EXPECT_EQ(s[i].r, 5 - i / 2) << i;  // most recent is best
    EXPECT_EQ(s[i].label, seg::rfm_cell(s[i].r, s[i].f));
  }
  // Sorted frequencies 0,1,2,4,4,4,6,7,8,9: the tied 4s take the score of their first rank (3).
  EXPECT_EQ(s[3].f, 2);
  EXPECT_EQ(s[4].f, 2);
  EXPECT_EQ(s[5].f, 2);
  EXPECT_EQ(s[6].f, 4);
  EXPECT_EQ(s[9].f, 5);
  EXPECT_EQ(s[7].m, 4);
  EXPECT_EQ(s[8].m, 4);
  EXPECT_EQ(s[9].m, 4);
  EXPECT_EQ(s[0].m, 1);
}

TEST(Rfm, TinyAndEmptyInputsAndErrors) {
  EXPECT_TRUE(seg::rfm_scores({}).empty());
  const auto one = seg::rfm_scores({{1, 3, 2, 50}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].r, 1);
  EXPECT_EQ(one[0].f, 1);
  EXPECT_EQ(one[0].m, 1);
  const auto three = seg::rfm_scores({{1, 30, 1, 10}, {2, 1, 5, 90}, {3, 10, 2, 50}});
  EXPECT_EQ(three[0].r, 1);
  EXPECT_EQ(three[2].r, 2);  // floor(5 * 1 / 3) + 1
  EXPECT_EQ(three[1].r, 4);  // floor(5 * 2 / 3) + 1
  EXPECT_EQ(three[1].f, 4);
  EXPECT_EQ(three[1].label, "Loyal");
  const auto same = seg::rfm_scores({{1, 5, 2, 9}, {2, 5, 2, 9}, {3, 5, 2, 9}});
  for (const auto& s : same) {
    EXPECT_EQ(s.r, 1);
    EXPECT_EQ(s.f, 1);
    EXPECT_EQ(s.m, 1);
  }
  try {
    seg::rfm_scores({{1, 5, 2, 9}, {2, -1, 2, 9}});
    FAIL() << "expected ValidationError";
  } catch (const crmkit::ValidationError& e) {
    EXPECT_EQ(e.field(), "recency_days");
    EXPECT_EQ(e.row(), 1);
  }
  expect_validation_error([] { seg::rfm_scores({{1, 5, std::nan(""), 9}}); }, "frequency");
  expect_validation_error([] { seg::rfm_scores({{1, 5, 2, INFINITY}}); }, "monetary");
  EXPECT_EQ(seg::rfm_scores({{1, 5, 2, -20}})[0].m, 1);  // net refunds are allowed
}
