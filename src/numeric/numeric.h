// numeric: the numerical building blocks below metrics and stats, written once.
//
//   distributions   normal, Student t, chi-square and binomial tails and quantiles, on the
//                   regularized incomplete beta and gamma functions;
//   quantiles       one definition of a sample quantile (NumPy's default, "linear") and the
//                   percentile interval built on it;
//   Generator       the one seeded random generator (xoshiro256** seeded by splitmix64), which
//                   the Python oracles reproduce draw for draw;
//   StratifiedResampler  bootstrap resampling within strata (class labels), paired: one draw of
//                   row indices serves every scorer evaluated on it;
//   defaults        the seed, confidence level and bootstrap size every stage starts from.
//
// Usage:
//   numeric::Generator rng(numeric::kDefaultSeed);
//   numeric::StratifiedResampler resampler(labels);
//   std::vector<size_t> rows;
//   resampler.Draw(rng, rows);  // rows grouped by label, ascending label order
//   numeric::Interval ci = numeric::PercentileInterval(replicates, 0.95);
//
// Pure functions and small value types; no I/O. Conventions: docs/statistics.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace verdict::numeric {

// ---------------------------------------------------------------------------------------------
// Defaults shared by metrics, stats, comparison, pipeline and cli.

// Seed of every bootstrap (metrics intervals, comparison's paired bootstraps).
inline constexpr uint64_t kDefaultSeed = 20261129;
// Two-sided level of every confidence interval.
inline constexpr double kDefaultConfidenceLevel = 0.95;
// Resamples of a bootstrap when the caller asks for one without choosing its size.
inline constexpr int kDefaultBootstrapResamples = 1000;

// ---------------------------------------------------------------------------------------------
// Distribution functions. Each tail is computed directly (never as 1 - the other tail when that
// would cancel), so small p-values keep full relative precision. Parity with SciPy is checked by
// the stats goldens (tests/golden/stats/).

// Both tails of a distribution at one point: lower = P(X <= x), upper = P(X > x).
struct Tails {
  double lower = 0;
  double upper = 0;
};

// Regularized incomplete beta I_x(a, b) and its complement, for a, b > 0 and x in [0, 1].
// `y` must be 1 - x computed without cancellation by the caller (e.g. t^2 / (df + t^2)).
Tails IncompleteBeta(double a, double b, double x, double y);
// Regularized incomplete gamma P(a, x) (lower) and Q(a, x) (upper), for a > 0 and x >= 0.
Tails IncompleteGamma(double a, double x);

double NormalCdf(double z);
double NormalSf(double z);  // 1 - Phi(z)
// z with Phi(z) = p, for p in (0, 1); -inf / +inf at 0 / 1.
double NormalQuantile(double p);
double StudentTSf(double t, double df);  // P(T > t), df > 0
// t with P(T <= t) = p for Student's t with df > 0 degrees of freedom, p in (0, 1).
double StudentTQuantile(double p, double df);
double ChiSquareSf(double x, double df);  // P(X > x)
// P(X <= k) for X ~ Binomial(n, p); 0 for k < 0, 1 for k >= n.
double BinomialCdf(int64_t k, int64_t n, double p);

// ---------------------------------------------------------------------------------------------
// Quantiles.

struct Interval {
  double lower = 0;
  double upper = 0;
};

// The q-quantile (0 <= q <= 1) of ascending, non-empty `sorted`, NumPy's default ("linear",
// Hyndman & Fan type 7): position h = q (n - 1), value x[floor h] + (h - floor h) (x[ceil h] -
// x[floor h]).
double SortedQuantile(std::span<const double> sorted, double q);

// Percentile interval at two-sided `level`: the alpha / 2 and 1 - alpha / 2 quantiles
// (alpha = 1 - level) of `values`, which it sorts; `values` must not be empty.
Interval PercentileInterval(std::vector<double>& values, double level);

// ---------------------------------------------------------------------------------------------
// The seeded generator: xoshiro256** (Blackman & Vigna 2018), its state filled by splitmix64
// from one 64-bit seed. Reproducible on every platform and by the Python oracles
// (tests/golden/stats/gen_stats_golden.py).

class Generator {
 public:
  explicit Generator(uint64_t seed);

  // The next 64 random bits.
  uint64_t Next();
  // Uniform integer in [0, bound), bound >= 1: Lemire's multiply-shift with rejection (unbiased).
  uint64_t Below(uint64_t bound);

 private:
  uint64_t state_[4];
};

// ---------------------------------------------------------------------------------------------
// Stratified (paired) bootstrap resampling.

// Rows grouped by stratum (a label value). Each draw takes, within every stratum, as many rows
// as it has, uniformly with replacement, so the class balance is the same in every resample.
// Paired: evaluating several scorers on the rows of one draw compares them on the same rows.
class StratifiedResampler {
 public:
  // Strata are the distinct values of `labels`, in ascending order.
  explicit StratifiedResampler(std::span<const int32_t> labels);

  // The rows of each stratum, in row order; strata in ascending label order.
  const std::vector<std::vector<size_t>>& strata() const { return strata_; }
  // Labels of a resample, aligned with Draw's rows (the same in every draw).
  const std::vector<int32_t>& resampled_labels() const { return resampled_labels_; }

  // One resample: replaces `rows` with labels.size() row indices grouped by stratum in
  // ascending label order; within a stratum of n rows, each index is rows[rng.Below(n)].
  void Draw(Generator& rng, std::vector<size_t>& rows) const;

 private:
  std::vector<std::vector<size_t>> strata_;
  std::vector<int32_t> resampled_labels_;
};

}  // namespace verdict::numeric
