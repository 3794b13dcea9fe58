// Pearson and Spearman correlation with two-sided p-values (scipy.stats.pearsonr / spearmanr).
#include <algorithm>
#include <cmath>
#include <limits>

#include "stats/common.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsConstant(std::span<const double> values) {
  return std::all_of(values.begin(), values.end(), [&](double v) { return v == values[0]; });
}

double Mean(std::span<const double> values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// Pearson's r of two non-constant inputs, clipped to [-1, 1].
double CorrelationCoefficient(std::span<const double> x, std::span<const double> y) {
  const double mean_x = Mean(x);
  const double mean_y = Mean(y);
  double sxy = 0;
  double sxx = 0;
  double syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x;
    const double dy = y[i] - mean_y;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

// Two-sided p-value of a correlation r on n rows under independence: P(|T| >= |t|) for
// t = r sqrt((n - 2) / (1 - r^2)) with n - 2 degrees of freedom, i.e. I_{1-r^2}((n-2)/2, 1/2).
double CorrelationPValue(double r, int64_t n) {
  const double one_minus_r2 = (1 - r) * (1 + r);
  return numeric::IncompleteBeta(0.5 * static_cast<double>(n - 2), 0.5, one_minus_r2, r * r).lower;
}

}  // namespace

Result<CorrelationResult> Pearson(std::span<const double> x, std::span<const double> y) {
  VERDICT_RETURN_IF_ERROR(CheckPairedInput("pearson", x, y, 2));
  CorrelationResult result;
  result.n = static_cast<int64_t>(x.size());
  if (IsConstant(x) || IsConstant(y)) {
    result.statistic = result.p_value = kNaN;
    return result;
  }
  result.statistic = CorrelationCoefficient(x, y);
  result.p_value = result.n == 2 ? 1.0 : CorrelationPValue(result.statistic, result.n);
  return result;
}

Result<CorrelationResult> Spearman(std::span<const double> x, std::span<const double> y) {
  VERDICT_RETURN_IF_ERROR(CheckPairedInput("spearman", x, y, 2));
  CorrelationResult result;
  result.n = static_cast<int64_t>(x.size());
  if (IsConstant(x) || IsConstant(y)) {
    result.statistic = result.p_value = kNaN;
    return result;
  }
  const Ranking rank_x = AverageRanks(x);
  const Ranking rank_y = AverageRanks(y);
  result.statistic = CorrelationCoefficient(rank_x.ranks, rank_y.ranks);
  // SciPy refers t to n - 2 = 0 degrees of freedom when n = 2 and returns NaN.
  result.p_value = result.n == 2 ? kNaN : CorrelationPValue(result.statistic, result.n);
  return result;
}

}  // namespace verdict::stats
