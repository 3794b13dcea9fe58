// stats: paired statistics for comparing a new scorer with a previous one on the same rows.
//
// Pure numerical functions over spans: correlation (Pearson, Spearman), the paired t-test, the
// Wilcoxon signed-rank test, McNemar's test, DeLong's test for two correlated AUCs, paired
// stratified bootstrap intervals for any statistic and the ship decision of comparison mode. The
// distribution functions, quantiles and the seeded resampler they rest on live in numeric/. No
// file I/O, no knowledge of metrics.json: the caller maps NaN results to null. Conventions and
// formulas: docs/statistics.md.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(stats::CorrelationResult r, stats::Pearson(new_scores, old_scores));
//   VERDICT_ASSIGN_OR_RETURN(stats::DeLongResult d,
//                            stats::DeLongPairedTest(labels, new_scores, old_scores, 0.95));
//   VERDICT_ASSIGN_OR_RETURN(stats::BootstrapInterval ap,
//       stats::PairedBootstrapDifference(labels, new_scores, old_scores, average_precision, {}));
//   VERDICT_ASSIGN_OR_RETURN(stats::Decision decision,
//                            stats::Decide(d.ci_lower, d.ci_upper, /*margin=*/0.005));
//   std::string_view name = stats::DecisionName(decision);  // "better", "not_worse", ...
//
// Parity: every test reproduces SciPy 1.17.1 / statsmodels 0.15 (tests/golden/stats/).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "numeric/numeric.h"

namespace verdict::stats {

// ---------------------------------------------------------------------------------------------
// Correlation (scipy.stats.pearsonr / spearmanr, two-sided p-values).

struct CorrelationResult {
  double statistic = 0;  // r (Pearson) or rho (Spearman); NaN when an input is constant
  double p_value = 0;    // two-sided; NaN when the statistic is NaN; 1 when n = 2
  int64_t n = 0;
};

// Errors: lengths differ, fewer than 2 rows, a non-finite value (the message names the row).
Result<CorrelationResult> Pearson(std::span<const double> x, std::span<const double> y);
// Pearson on average ranks (ties share the mean rank). The p-value uses the t approximation
// t = rho * sqrt((n - 2) / (1 - rho^2)) with n - 2 degrees of freedom, as SciPy does.
Result<CorrelationResult> Spearman(std::span<const double> x, std::span<const double> y);

// ---------------------------------------------------------------------------------------------
// Paired t-test (scipy.stats.ttest_rel, two-sided) on d = a - b.

struct PairedTTestResult {
  double statistic = 0;        // mean(d) / (sd(d) / sqrt(n)); NaN when every d is 0
  double p_value = 0;          // NaN when every d is 0; 0 when d is constant and non-zero
  double df = 0;               // n - 1
  double mean_difference = 0;  // mean(a - b)
  double ci_lower = 0;         // mean(d) -/+ t_{(1+level)/2, n-1} * sd(d) / sqrt(n)
  double ci_upper = 0;
};

// Errors: lengths differ, fewer than 2 rows, non-finite values, level outside (0, 1).
Result<PairedTTestResult> PairedTTest(std::span<const double> a, std::span<const double> b,
                                      double confidence_level);

// ---------------------------------------------------------------------------------------------
// Wilcoxon signed-rank test (scipy.stats.wilcoxon(a, b) defaults: zero_method "wilcox",
// no continuity correction, two-sided, method "auto").

enum class WilcoxonMethod {
  kExact,        // no zero and no tied |d|, n <= 50: exact null distribution of W+
  kPermutation,  // zeros or ties and n <= 13: all 2^n sign flips enumerated (exact, with ties)
  kNormal,       // otherwise: normal approximation with tie correction
};
std::string_view WilcoxonMethodName(WilcoxonMethod method);  // "exact", "permutation", "normal"

struct WilcoxonResult {
  double statistic = 0;  // min(W+, W-), SciPy's two-sided statistic
  double p_value = 0;    // NaN when n > 13 and every difference is zero (SciPy's value)
  double w_plus = 0;     // sum of the ranks of |d| over d > 0 (R's V)
  double w_minus = 0;
  double z = 0;           // (W+ - n(n+1)/4) / sd, kNormal only (NaN otherwise)
  int64_t n_nonzero = 0;  // rows ranked (zero differences are dropped)
  int64_t n_zero = 0;
  WilcoxonMethod method = WilcoxonMethod::kExact;
};

// n counts every row, zeros included, when choosing the method (as SciPy does).
// Errors: lengths differ, no rows, non-finite values.
Result<WilcoxonResult> Wilcoxon(std::span<const double> a, std::span<const double> b);

// ---------------------------------------------------------------------------------------------
// McNemar's test on paired correctness (1 = the row is classified correctly, 0 = not).

struct PairedCorrectness {
  int64_t both_correct = 0;
  int64_t new_only_correct = 0;       // the seed's new_correct_prev_wrong
  int64_t previous_only_correct = 0;  // the seed's new_wrong_prev_correct
  int64_t both_wrong = 0;
};
// Errors: lengths differ, a value other than 0 or 1.
Result<PairedCorrectness> CountPairedCorrectness(std::span<const uint8_t> new_correct,
                                                 std::span<const uint8_t> previous_correct);

struct McNemarResult {
  // (|b - c| - 1)^2 / (b + c), not clipped (|b - c| = 0 gives 1 / (b + c)); 0 when b + c = 0.
  // Equals statsmodels mcnemar(exact=False, correction=True) except at b + c = 0, where
  // statsmodels gives inf and p = 0.
  double chi_square = 0;
  double chi_square_p_value = 1;  // chi-square(1) upper tail; 1 when b + c = 0
  // statsmodels mcnemar(exact=True): min(1, 2 * P[Binomial(b + c, 1/2) <= min(b, c)]).
  double exact_p_value = 1;
};
// b and c are the two discordant counts (in either order); both >= 0.
McNemarResult McNemar(int64_t b, int64_t c);

// ---------------------------------------------------------------------------------------------
// DeLong's test for two correlated AUCs on the same rows (DeLong, DeLong & Clarke-Pearson 1988),
// with placements from metrics::ComputeDeLongPlacements. Higher score = more likely positive.

struct DeLongResult {
  double auc_new = 0;
  double auc_previous = 0;
  double difference = 0;  // auc_new - auc_previous
  double variance = 0;    // Var(difference) = S11 + S22 - 2 S12
  double z = 0;           // difference / sqrt(variance); 0 when both are 0
  double p_value = 1;     // 2 * (1 - Phi(|z|))
  double ci_lower = 0;    // difference -/+ z_{(1+level)/2} * sqrt(variance)
  double ci_upper = 0;
};

// `labels` are 0/1 (1 = positive). Errors: lengths differ, a label other than 0/1, one class
// absent, non-finite scores, level outside (0, 1).
Result<DeLongResult> DeLongPairedTest(std::span<const int32_t> labels,
                                      std::span<const double> new_scores,
                                      std::span<const double> previous_scores,
                                      double confidence_level);

// ---------------------------------------------------------------------------------------------
// Paired bootstrap of the difference statistic(new) - statistic(previous).

// A statistic of one scorer on a set of rows, e.g. average precision or F1 at a threshold.
// Returns NaN when undefined on those rows (such resamples are counted as degenerate).
using Statistic =
    std::function<double(std::span<const int32_t> labels, std::span<const double> scores)>;

struct BootstrapOptions {
  int resamples = numeric::kDefaultBootstrapResamples;
  uint64_t seed = numeric::kDefaultSeed;
  double confidence_level = numeric::kDefaultConfidenceLevel;
};

struct BootstrapInterval {
  double estimate = 0;        // statistic(new) - statistic(previous) on all rows
  double lower = 0;           // percentile interval of the resampled differences (NumPy's
  double upper = 0;           //   default linear quantile); NaN with fewer than 2 valid
  double standard_error = 0;  // sample sd (ddof 1) of the valid resampled differences
  int valid_resamples = 0;
  int degenerate_resamples = 0;  // the statistic was NaN for either scorer
};

// Stratified by label (numeric::StratifiedResampler with numeric::Generator seeded by
// options.seed): each resample draws, within each distinct label value, as many rows as that
// label has, uniformly with replacement, and evaluates both scorers on the same rows. The
// resampled rows are handed to `statistic` grouped by label in ascending label order. Results
// are reproducible across platforms (docs/statistics.md); the interval is
// numeric::PercentileInterval of the valid differences. Errors: lengths differ, no rows,
// resamples < 1, level outside (0, 1).
Result<BootstrapInterval> PairedBootstrapDifference(std::span<const int32_t> labels,
                                                    std::span<const double> new_scores,
                                                    std::span<const double> previous_scores,
                                                    const Statistic& statistic,
                                                    const BootstrapOptions& options);

// ---------------------------------------------------------------------------------------------
// Multiple comparisons (e.g. per-class DeLong tests of a multiclass comparison).

// Holm-Bonferroni step-down adjusted p-values, in input order: with the m non-NaN p-values
// sorted ascending, the k-th (0-based) becomes min(1, max over j <= k of (m - j) p_(j)).
// Equals statsmodels multipletests(p, method="holm")[1]. NaN entries stay NaN and do not count
// in m.
std::vector<double> HolmAdjust(std::span<const double> p_values);

// ---------------------------------------------------------------------------------------------
// The comparison-mode decision from an interval [lower, upper] of (new - previous) for a metric
// where higher is better, and a non-inferiority margin m >= 0, in this order:
//   better        lower > 0
//   not_worse     lower > -m              (non-inferior: cannot be worse by m or more)
//   worse         upper < -m              (worse by more than the margin)
//   inconclusive  otherwise, and when a bound is NaN
// With a two-sided interval at level 1 - 2*alpha, "better" and "not_worse" are one-sided tests at
// level alpha. With m = 0, not_worse never occurs and worse means upper < 0.
enum class Decision { kBetter, kNotWorse, kWorse, kInconclusive };
std::string_view DecisionName(Decision decision);  // "better", "not_worse", "worse", "inconclusive"
// Errors: margin negative or not finite, lower > upper.
Result<Decision> Decide(double lower, double upper, double margin);

}  // namespace verdict::stats
