#include "metrics/ranking.h"

#include <algorithm>
#include <cmath>
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

std::vector<uint64_t> WidenKeys(const uint32_t* keys, size_t size) {
  std::vector<uint64_t> wide;
  wide.reserve(size);
  for (size_t i = 0; i < size; ++i) wide.push_back(WidenKey(keys[i]));
  return wide;
}

ThresholdCounts CountAtThreshold(const ClassSortedScores& sorted, double threshold,
                                 Inclusion inclusion) {
  const uint64_t key = OrderedKey(threshold);
  return {CountAbove(sorted.positives, key, inclusion),
          CountAbove(sorted.negatives, key, inclusion), sorted.PositiveCount(),
          sorted.NegativeCount()};
}

double F1AtPoint(const OperatingPoint& point, int64_t positives) {
  const int64_t denominator = point.true_positives + point.false_positives + positives;
  if (denominator == 0) return 0;
  return 2.0 * static_cast<double>(point.true_positives) / static_cast<double>(denominator);
}

RankingSummary SummarizeRanking(const ClassSortedScores& sorted,
                                const std::vector<double>& minimum_precisions) {
  const int64_t m = sorted.PositiveCount();
  const int64_t n = sorted.NegativeCount();
  RankingSummary summary;
  summary.recall_at_precision_points.assign(minimum_precisions.size(), OperatingPoint{});
  int64_t twice_u = 0;                  // twice the Mann-Whitney U, exact in integers
  WeightedMoments positive_placements;  // V10: share of negatives below, ties one half
  WeightedMoments negative_placements;  // V01: share of positives above, ties one half
  double best_f1 = 0;
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
    const double precision = static_cast<double>(point.true_positives) /
                             static_cast<double>(point.true_positives + point.false_positives);
    summary.average_precision +=
        static_cast<double>(point.positives_at) / static_cast<double>(m) * precision;
    const double f1 = F1AtPoint(point, m);
    if (f1 > best_f1) {
      best_f1 = f1;
      summary.best_f1_point = point;
    }
    for (size_t level = 0; level < minimum_precisions.size(); ++level) {
      OperatingPoint& best = summary.recall_at_precision_points[level];
      if (precision >= minimum_precisions[level] && point.true_positives > best.true_positives) {
        best = point;
      }
    }
  });
  summary.auc =
      static_cast<double>(twice_u) / (2.0 * static_cast<double>(m) * static_cast<double>(n));
  summary.auc_variance = positive_placements.SampleVariance() / static_cast<double>(m) +
                         negative_placements.SampleVariance() / static_cast<double>(n);
  return summary;
}

namespace {

CurvePoints StartCurve(double x, double y) {
  return {{x}, {y}, {std::numeric_limits<double>::infinity()}};
}

void AddPoint(CurvePoints& curve, double x, double y, double threshold) {
  curve.x.push_back(x);
  curve.y.push_back(y);
  curve.thresholds.push_back(threshold);
}

}  // namespace

CurvePoints RocCurve(const ClassSortedScores& sorted) {
  const double m = static_cast<double>(sorted.PositiveCount());
  const double n = static_cast<double>(sorted.NegativeCount());
  CurvePoints curve = StartCurve(0, 0);
  ForEachOperatingPoint(sorted, [&](const OperatingPoint& point) {
    AddPoint(curve, static_cast<double>(point.false_positives) / n,
             static_cast<double>(point.true_positives) / m, point.threshold);
  });
  return curve;
}

CurvePoints PrecisionRecallCurve(const ClassSortedScores& sorted) {
  const double m = static_cast<double>(sorted.PositiveCount());
  CurvePoints curve = StartCurve(0, 1);
  ForEachOperatingPoint(sorted, [&](const OperatingPoint& point) {
    const double predicted = static_cast<double>(point.true_positives + point.false_positives);
    AddPoint(curve, static_cast<double>(point.true_positives) / m,
             static_cast<double>(point.true_positives) / predicted, point.threshold);
  });
  return curve;
}

CurvePoints DownsampleCurve(const CurvePoints& curve, size_t max_points) {
  const size_t size = curve.x.size();
  max_points = std::max<size_t>(max_points, 2);
  if (size <= max_points) return curve;
  std::vector<double> length_to(size, 0.0);
  for (size_t i = 1; i < size; ++i) {
    length_to[i] =
        length_to[i - 1] + std::hypot(curve.x[i] - curve.x[i - 1], curve.y[i] - curve.y[i - 1]);
  }
  const double spacing = length_to.back() / static_cast<double>(max_points - 1);
  CurvePoints kept = StartCurve(curve.x[0], curve.y[0]);
  kept.thresholds[0] = curve.thresholds[0];
  double next_length = spacing;
  for (size_t i = 1; i + 1 < size && spacing > 0; ++i) {
    if (length_to[i] < next_length || kept.x.size() + 1 >= max_points) continue;
    AddPoint(kept, curve.x[i], curve.y[i], curve.thresholds[i]);
    while (next_length <= length_to[i]) next_length += spacing;
  }
  AddPoint(kept, curve.x.back(), curve.y.back(), curve.thresholds.back());
  return kept;
}

}  // namespace verdict::metrics::internal
