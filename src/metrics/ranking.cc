#include "metrics/ranking.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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

namespace {

uint32_t LoadKey32(const unsigned char* slots, size_t slot) {
  uint32_t key;
  std::memcpy(&key, slots + slot * sizeof(uint32_t), sizeof(uint32_t));
  return key;
}

void StoreWideKey(unsigned char* slots, size_t index, uint64_t key) {
  std::memcpy(slots + index * sizeof(uint64_t), &key, sizeof(uint64_t));
}

}  // namespace

// The 32-bit slots are read and written through memcpy here (the sort sees uint32_t alone).
// Sorted keys in the upper half are widened front to back: wide key i overwrites 32-bit slots 2i
// and 2i+1, below every unread slot size+j (j > i). Sorted keys in the lower half are widened
// back to front: wide key i overwrites slots 2i and 2i+1, above every unread slot j < i.
void SortFloat32KeysInPlace(std::vector<uint64_t>& keys) {
  const size_t size = keys.size();
  if (size == 0) return;
  unsigned char* bytes = reinterpret_cast<unsigned char*>(keys.data());
  uint32_t* lower = reinterpret_cast<uint32_t*>(bytes);
  uint32_t* upper = lower + size;
  if (RadixSort(upper, lower, size) == upper) {
    for (size_t i = 0; i < size; ++i) StoreWideKey(bytes, i, WidenKey(LoadKey32(bytes, size + i)));
  } else {
    for (size_t i = size; i-- > 0;) StoreWideKey(bytes, i, WidenKey(LoadKey32(bytes, i)));
  }
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
    // Summed as positives x precision and divided by m once, after the walk: with one class
    // (every precision 1) AP is then exactly 1, not 1.0000000000000007.
    summary.average_precision += static_cast<double>(point.positives_at) * precision;
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
  if (m > 0) summary.average_precision /= static_cast<double>(m);
  summary.auc =
      static_cast<double>(twice_u) / (2.0 * static_cast<double>(m) * static_cast<double>(n));
  summary.auc_variance = positive_placements.SampleVariance() / static_cast<double>(m) +
                         negative_placements.SampleVariance() / static_cast<double>(n);
  return summary;
}

namespace {

// Euclidean length of (dx, dy). Curve coordinates lie in [0, 1], so the plain root cannot
// overflow; most steps of a ROC curve move along one axis, where sqrt(d * d) == |d| exactly and
// the root is skipped (10^7 operating points per curve).
double Distance(double dx, double dy) {
  if (dx == 0) return std::abs(dy);
  if (dy == 0) return std::abs(dx);
  return std::sqrt(dx * dx + dy * dy);
}

}  // namespace

double PolylineLength::Add(double x, double y) {
  if (count_++ > 0) length_ += Distance(x - x_, y - y_);
  x_ = x;
  y_ = y;
  return length_;
}

CurveSampler::CurveSampler(size_t point_count, double length, size_t max_points)
    : point_count_(point_count),
      max_points_(std::max<size_t>(max_points, 2)),
      keep_all_(point_count <= max_points_),
      spacing_(length / static_cast<double>(max_points_ - 1)),
      next_length_(spacing_) {
  const size_t reserved = keep_all_ ? point_count : max_points_;
  kept_.x.reserve(reserved);
  kept_.y.reserve(reserved);
  kept_.thresholds.reserve(reserved);
}

void CurveSampler::Add(double x, double y, double threshold) {
  const size_t index = index_++;
  const double length = walked_.Add(x, y);
  const bool end = index == 0 || index + 1 == point_count_;
  if (!keep_all_ && !end) {
    if (!(spacing_ > 0) || length < next_length_ || kept_.x.size() + 1 >= max_points_) return;
    while (next_length_ <= length) next_length_ += spacing_;
  }
  kept_.x.push_back(x);
  kept_.y.push_back(y);
  kept_.thresholds.push_back(threshold);
}

CurvePoints RocCurve(const ClassSortedScores& sorted, size_t max_points) {
  const double m = static_cast<double>(sorted.PositiveCount());
  const double n = static_cast<double>(sorted.NegativeCount());
  return DownsampledCurve(
      [&](auto emit) {
        emit(0, 0, std::numeric_limits<double>::infinity());
        ForEachOperatingPoint(sorted, [&](const OperatingPoint& point) {
          emit(static_cast<double>(point.false_positives) / n,
               static_cast<double>(point.true_positives) / m, point.threshold);
        });
      },
      max_points);
}

CurvePoints PrecisionRecallCurve(const ClassSortedScores& sorted, size_t max_points) {
  const double m = static_cast<double>(sorted.PositiveCount());
  return DownsampledCurve(
      [&](auto emit) {
        emit(0, 1, std::numeric_limits<double>::infinity());
        ForEachOperatingPoint(sorted, [&](const OperatingPoint& point) {
          const double predicted =
              static_cast<double>(point.true_positives + point.false_positives);
          emit(static_cast<double>(point.true_positives) / m,
               static_cast<double>(point.true_positives) / predicted, point.threshold);
        });
      },
      max_points);
}

CurvePoints DownsampleCurve(const CurvePoints& curve, size_t max_points) {
  return DownsampledCurve(
      [&](auto emit) {
        for (size_t i = 0; i < curve.x.size(); ++i) {
          emit(curve.x[i], curve.y[i], curve.thresholds[i]);
        }
      },
      max_points);
}

}  // namespace verdict::metrics::internal
