// Paired t-test, Wilcoxon signed-rank test and McNemar's test.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "stats/common.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// SciPy's "auto" method: normal approximation above this many rows (zeros included).
constexpr size_t kWilcoxonExactMaxRows = 50;
// ... and, with zeros or ties, a full sign-flip enumeration up to this many rows.
constexpr size_t kWilcoxonPermutationMaxRows = 13;

std::vector<double> Differences(std::span<const double> a, std::span<const double> b) {
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

// Counts of each value of sum_i s_i w_i over the 2^n sign choices s_i in {0, 1}, for
// non-negative integer weights w_i: counts[k] = number of choices with sum k. The counts stay
// exact in doubles for n <= 53.
std::vector<double> SubsetSumCounts(std::span<const int64_t> weights) {
  int64_t total = 0;
  for (int64_t w : weights) total += w;
  std::vector<double> counts(static_cast<size_t>(total) + 1, 0.0);
  counts[0] = 1;
  int64_t reached = 0;
  for (int64_t w : weights) {
    reached += w;
    for (int64_t k = reached; k >= w; --k) counts[k] += counts[k - w];
  }
  return counts;
}

// Two-sided p-value min(1, 2 min(P(S <= observed), P(S >= observed))) for the distribution of
// subset sums of `weights` (each included with probability 1/2). `observed` is a sum of weights.
double SubsetSumTwoSidedPValue(std::span<const int64_t> weights, int64_t observed) {
  const std::vector<double> counts = SubsetSumCounts(weights);
  double at_most = 0;
  double at_least = 0;
  double all = 0;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (static_cast<int64_t>(k) <= observed) at_most += counts[k];
    if (static_cast<int64_t>(k) >= observed) at_least += counts[k];
    all += counts[k];
  }
  return std::min(1.0, 2 * std::min(at_most, at_least) / all);
}

void WilcoxonExactPValue(const std::vector<double>& abs_ranks, WilcoxonResult& result) {
  // Without ties the ranks are 1..n; with ties they are multiples of 1/2, so doubled ranks are
  // integer weights in both the exact and the permutation case.
  std::vector<int64_t> weights;
  weights.reserve(abs_ranks.size());
  for (double rank : abs_ranks) weights.push_back(std::llround(2 * rank));
  result.p_value = SubsetSumTwoSidedPValue(weights, std::llround(2 * result.w_plus));
}

void WilcoxonNormalPValue(double n, double tie_term, WilcoxonResult& result) {
  const double mean = n * (n + 1) / 4;
  const double sd = std::sqrt((n * (n + 1) * (2 * n + 1) - tie_term / 2) / 24);
  result.z = (result.w_plus - mean) / sd;
  result.p_value =
      std::isnan(result.z) ? kNaN : std::min(1.0, 2 * numeric::NormalSf(std::fabs(result.z)));
}

}  // namespace

Result<PairedTTestResult> PairedTTest(std::span<const double> a, std::span<const double> b,
                                      double confidence_level) {
  VERDICT_RETURN_IF_ERROR(CheckPairedInput("paired t-test", a, b, 2));
  VERDICT_RETURN_IF_ERROR(CheckConfidenceLevel("paired t-test", confidence_level));
  const double n = static_cast<double>(a.size());
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] - b[i];
  const double mean = sum / n;
  double squares = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double centered = a[i] - b[i] - mean;
    squares += centered * centered;
  }
  const double standard_error = std::sqrt(squares / (n - 1) / n);

  PairedTTestResult result;
  result.df = n - 1;
  result.mean_difference = mean;
  result.statistic = mean / standard_error;  // 0 / 0 = NaN when every difference is zero
  result.p_value = std::isnan(result.statistic)
                       ? kNaN
                       : 2 * numeric::StudentTSf(std::fabs(result.statistic), result.df);
  const double half_width =
      numeric::StudentTQuantile(0.5 + confidence_level / 2, result.df) * standard_error;
  result.ci_lower = mean - half_width;
  result.ci_upper = mean + half_width;
  return result;
}

std::string_view WilcoxonMethodName(WilcoxonMethod method) {
  switch (method) {
    case WilcoxonMethod::kExact:
      return "exact";
    case WilcoxonMethod::kPermutation:
      return "permutation";
    case WilcoxonMethod::kNormal:
      return "normal";
  }
  return "unknown";
}

Result<WilcoxonResult> Wilcoxon(std::span<const double> a, std::span<const double> b) {
  VERDICT_RETURN_IF_ERROR(CheckPairedInput("wilcoxon", a, b, 1));
  const std::vector<double> d = Differences(a, b);
  std::vector<double> nonzero;
  for (double v : d) {
    if (v != 0) nonzero.push_back(v);
  }
  std::vector<double> magnitudes(nonzero.size());
  std::transform(nonzero.begin(), nonzero.end(), magnitudes.begin(),
                 [](double v) { return std::fabs(v); });
  const Ranking ranking = AverageRanks(magnitudes);

  WilcoxonResult result;
  result.n_nonzero = static_cast<int64_t>(nonzero.size());
  result.n_zero = static_cast<int64_t>(d.size() - nonzero.size());
  for (size_t i = 0; i < nonzero.size(); ++i) {
    (nonzero[i] > 0 ? result.w_plus : result.w_minus) += ranking.ranks[i];
  }
  result.statistic = std::min(result.w_plus, result.w_minus);
  result.z = kNaN;

  const bool ties_or_zeros = ranking.tie_term > 0 || result.n_zero > 0;
  if (d.size() <= kWilcoxonExactMaxRows && !ties_or_zeros) {
    result.method = WilcoxonMethod::kExact;
  } else if (d.size() <= kWilcoxonPermutationMaxRows) {
    result.method = WilcoxonMethod::kPermutation;
  } else {
    result.method = WilcoxonMethod::kNormal;
  }
  if (result.method == WilcoxonMethod::kNormal) {
    WilcoxonNormalPValue(static_cast<double>(result.n_nonzero), ranking.tie_term, result);
  } else {
    WilcoxonExactPValue(ranking.ranks, result);
  }
  return result;
}

Result<PairedCorrectness> CountPairedCorrectness(std::span<const uint8_t> new_correct,
                                                 std::span<const uint8_t> previous_correct) {
  if (new_correct.size() != previous_correct.size()) {
    return InvalidArgument("mcnemar: the two correctness vectors differ in length (" +
                           std::to_string(new_correct.size()) + " vs " +
                           std::to_string(previous_correct.size()) + ")");
  }
  PairedCorrectness counts;
  for (size_t i = 0; i < new_correct.size(); ++i) {
    if (new_correct[i] > 1 || previous_correct[i] > 1) {
      return InvalidData("mcnemar: row " + std::to_string(i) + " has a correctness other than 0/1");
    }
    const bool by_new = new_correct[i] == 1;
    const bool by_previous = previous_correct[i] == 1;
    if (by_new && by_previous) ++counts.both_correct;
    if (by_new && !by_previous) ++counts.new_only_correct;
    if (!by_new && by_previous) ++counts.previous_only_correct;
    if (!by_new && !by_previous) ++counts.both_wrong;
  }
  return counts;
}

McNemarResult McNemar(int64_t b, int64_t c) {
  VERDICT_CHECK(b >= 0 && c >= 0);
  McNemarResult result;
  const int64_t discordant = b + c;
  if (discordant == 0) return result;  // statistic 0, both p-values 1
  const double excess = static_cast<double>(std::llabs(b - c) - 1);
  result.chi_square = excess * excess / static_cast<double>(discordant);
  result.chi_square_p_value = numeric::ChiSquareSf(result.chi_square, 1);
  result.exact_p_value = std::min(1.0, 2 * numeric::BinomialCdf(std::min(b, c), discordant, 0.5));
  return result;
}

}  // namespace verdict::stats
