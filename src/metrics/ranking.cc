#include "metrics/ranking.h"

#include <algorithm>
#include <limits>

namespace verdict::metrics::internal {
namespace {

int64_t CountAbove(const std::vector<uint64_t>& ascending, uint64_t key, Inclusion inclusion) {
  const auto first = inclusion == Inclusion::kInclusive
                         ? std::lower_bound(ascending.begin(), ascending.end(), key)
                         : std::upper_bound(ascending.begin(), ascending.end(), key);
  return ascending.end() - first;
}

// Mean and sum of squared deviations of values that arrive in weighted groups (West 1979).
class WeightedMoments {
 public:
  void Add(double value, int64_t weight) {
    if (weight == 0) return;
    total_weight_ += static_cast<double>(weight);
    const double delta = value - mean_;
    mean_ += delta * static_cast<double>(weight) / total_weight_;
    squared_deviations_ += static_cast<double>(weight) * delta * (value - mean_);
  }
  // Sample variance (denominator total weight - 1); NaN with fewer than two values.
  double SampleVariance() const {
    if (total_weight_ < 2) return std::numeric_limits<double>::quiet_NaN();
    return squared_deviations_ / (total_weight_ - 1);
  }

 private:
  double total_weight_ = 0;
  double mean_ = 0;
  double squared_deviations_ = 0;
};

}  // namespace

ThresholdCounts CountAtThreshold(const ClassSortedScores& sorted, double threshold,
                                 Inclusion inclusion) {
  const uint64_t key = OrderedKey(threshold);
  return {CountAbove(sorted.positives, key, inclusion),
          CountAbove(sorted.negatives, key, inclusion), sorted.PositiveCount(),
          sorted.NegativeCount()};
}

AucWithVariance AucAndDeLongVariance(const ClassSortedScores& sorted) {
  const int64_t m = sorted.PositiveCount();
  const int64_t n = sorted.NegativeCount();
  // Twice the Mann-Whitney U, summed in integers so that the AUC is exact and never above 1.
  int64_t twice_u = 0;
  WeightedMoments positive_placements;  // V10: share of negatives below, ties one half
  WeightedMoments negative_placements;  // V01: share of positives above, ties one half
  ForEachOperatingPoint(sorted, [&](const OperatingPoint& point) {
    const int64_t negatives_below = n - point.false_positives;
    const int64_t positives_above = point.true_positives - point.positives_at;
    twice_u += point.positives_at * (2 * negatives_below + point.negatives_at);
    positive_placements.Add(
        (static_cast<double>(negatives_below) + 0.5 * static_cast<double>(point.negatives_at)) /
            static_cast<double>(n),
        point.positives_at);
    negative_placements.Add(
        (static_cast<double>(positives_above) + 0.5 * static_cast<double>(point.positives_at)) /
            static_cast<double>(m),
        point.negatives_at);
  });
  const double auc =
      static_cast<double>(twice_u) / (2.0 * static_cast<double>(m) * static_cast<double>(n));
  const double variance = positive_placements.SampleVariance() / static_cast<double>(m) +
                          negative_placements.SampleVariance() / static_cast<double>(n);
  return {auc, variance};
}

double AveragePrecision(const ClassSortedScores& sorted) {
  const double m = static_cast<double>(sorted.PositiveCount());
  double sum = 0;
  ForEachOperatingPoint(sorted, [&](const OperatingPoint& point) {
    if (point.positives_at == 0) return;
    const double precision = static_cast<double>(point.true_positives) /
                             static_cast<double>(point.true_positives + point.false_positives);
    sum += static_cast<double>(point.positives_at) / m * precision;
  });
  return sum;
}

}  // namespace verdict::metrics::internal
