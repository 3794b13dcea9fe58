// Private to metrics/: the ranking view of one binary problem. Scores are split by class and
// sorted ascending (as OrderedKey values), which is all that every binary metric needs: AUC, AP,
// curves and counts at any threshold. Ties are exact: a group of equal scores moves together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "metrics/radix_sort.h"

namespace verdict::metrics::internal {

// Scores of positive and negative rows, each sorted ascending, as OrderedKey values.
struct ClassSortedScores {
  std::vector<uint64_t> positives;
  std::vector<uint64_t> negatives;
  int64_t PositiveCount() const { return static_cast<int64_t>(positives.size()); }
  int64_t NegativeCount() const { return static_cast<int64_t>(negatives.size()); }
};

// Sorts one class's float32 keys without a second array. On entry `keys` has one 8-byte slot per
// row, and its upper half, seen as 32-bit slots, holds the rows' OrderedKey32 values (written
// with StoreKey32 at slots keys.size() + i). The radix sort uses the lower half as its scratch,
// then the sorted keys are widened in place to ascending OrderedKey values: 8 bytes a row at the
// peak, not 4 + 4 + 8.
void SortFloat32KeysInPlace(std::vector<uint64_t>& keys);
inline void StoreKey32(std::vector<uint64_t>& keys, size_t slot, uint32_t key) {
  std::memcpy(reinterpret_cast<unsigned char*>(keys.data()) + slot * sizeof(uint32_t), &key,
              sizeof(uint32_t));
}

// Sorts float32 keys of items 0..count-1 split by class, each inside its class's result array.
// Returns false as soon as a score is not a float32 value.
template <typename IsPositive, typename ScoreAt>
bool SortByClassAsFloat32(size_t count, IsPositive is_positive, ScoreAt score_at,
                          ClassSortedScores& sorted) {
  size_t positive_count = 0;
  for (size_t i = 0; i < count; ++i) positive_count += is_positive(i) ? 1 : 0;
  sorted.positives.resize(positive_count);
  sorted.negatives.resize(count - positive_count);
  size_t positives = 0;
  size_t negatives = 0;
  for (size_t i = 0; i < count; ++i) {
    const double score = score_at(i);
    if (!IsFloat32(score)) return false;
    const uint32_t key = OrderedKey32(static_cast<float>(score));
    if (is_positive(i)) {
      StoreKey32(sorted.positives, sorted.positives.size() + positives++, key);
    } else {
      StoreKey32(sorted.negatives, sorted.negatives.size() + negatives++, key);
    }
  }
  SortFloat32KeysInPlace(sorted.positives);
  SortFloat32KeysInPlace(sorted.negatives);
  return true;
}

// Splits items 0..count-1 by is_positive(i) and sorts each side. score_at(i) must be finite.
// When every score is a float32 value (the usual model output) the sort runs on 32-bit keys.
template <typename IsPositive, typename ScoreAt>
ClassSortedScores SortByClass(size_t count, IsPositive is_positive, ScoreAt score_at) {
  ClassSortedScores sorted;
  if (SortByClassAsFloat32(count, is_positive, score_at, sorted)) return sorted;
  const size_t positive_count = sorted.positives.size();
  sorted.positives.clear();
  sorted.negatives.clear();
  sorted.positives.reserve(positive_count);
  sorted.negatives.reserve(count - positive_count);
  for (size_t i = 0; i < count; ++i) {
    (is_positive(i) ? sorted.positives : sorted.negatives).push_back(OrderedKey(score_at(i)));
  }
  std::vector<uint64_t> scratch;
  RadixSort(sorted.positives, scratch);
  RadixSort(sorted.negatives, scratch);
  return sorted;
}

// Calls visit(score, count) for each distinct score of ascending keys, lowest first.
template <typename Visit>
void ForEachDistinctScore(const std::vector<uint64_t>& ascending, Visit visit) {
  size_t begin = 0;
  while (begin < ascending.size()) {
    size_t end = begin + 1;
    while (end < ascending.size() && ascending[end] == ascending[begin]) ++end;
    visit(KeyValue(ascending[begin]), static_cast<int64_t>(end - begin));
    begin = end;
  }
}

// Rows at one distinct score, and the counts at or above it (predicted positive iff
// score >= threshold).
struct OperatingPoint {
  double threshold;
  int64_t positives_at;  // positive rows whose score equals the threshold
  int64_t negatives_at;
  int64_t true_positives;  // positive rows with score >= threshold
  int64_t false_positives;
};

// Calls visit(const OperatingPoint&) for every distinct score, highest first.
template <typename Visit>
void ForEachOperatingPoint(const ClassSortedScores& sorted, Visit visit) {
  size_t positive_end = sorted.positives.size();
  size_t negative_end = sorted.negatives.size();
  OperatingPoint point{0, 0, 0, 0, 0};
  while (positive_end > 0 || negative_end > 0) {
    uint64_t key = 0;
    if (positive_end > 0) key = sorted.positives[positive_end - 1];
    if (negative_end > 0 && sorted.negatives[negative_end - 1] > key) {
      key = sorted.negatives[negative_end - 1];
    }
    const size_t positive_top = positive_end;
    while (positive_end > 0 && sorted.positives[positive_end - 1] == key) --positive_end;
    const size_t negative_top = negative_end;
    while (negative_end > 0 && sorted.negatives[negative_end - 1] == key) --negative_end;
    point.threshold = KeyValue(key);
    point.positives_at = static_cast<int64_t>(positive_top - positive_end);
    point.negatives_at = static_cast<int64_t>(negative_top - negative_end);
    point.true_positives += point.positives_at;
    point.false_positives += point.negatives_at;
    visit(point);
  }
}

// Rows with score >= threshold (inclusive) or > threshold (strict), per class.
struct ThresholdCounts {
  int64_t true_positives;
  int64_t false_positives;
  int64_t positives;
  int64_t negatives;
};
enum class Inclusion { kInclusive, kStrict };
ThresholdCounts CountAtThreshold(const ClassSortedScores& sorted, double threshold,
                                 Inclusion inclusion);

// Everything a walk over the operating points gives, computed in one pass.
struct RankingSummary {
  // Area under the ROC curve with ties counting one half (Mann-Whitney U / (m n)), from integer
  // counts. Meaningful only with both classes present.
  double auc = 0;
  // DeLong's variance of the AUC, S10/m + S01/n; NaN unless both classes have two rows or more.
  double auc_variance = 0;
  // Step-wise average precision, sum over distinct thresholds of (R_k - R_{k-1}) P_k, as
  // scikit-learn's average_precision_score. Meaningful only with a positive row.
  double average_precision = 0;
  // Threshold (score >= threshold) with the highest F1; the highest such threshold on ties.
  // true_positives == 0 when no threshold reaches F1 > 0.
  OperatingPoint best_f1_point{0, 0, 0, 0, 0};
  // For each requested minimum precision: the highest recall over thresholds whose precision
  // reaches it, and the highest such threshold (point.true_positives == 0 when none does).
  std::vector<OperatingPoint> recall_at_precision_points;
};
RankingSummary SummarizeRanking(const ClassSortedScores& sorted,
                                const std::vector<double>& minimum_precisions);

// F1 = 2 TP / (2 TP + FP + FN) at an operating point of a problem with `positives` positives.
double F1AtPoint(const OperatingPoint& point, int64_t positives);

// Curves in drawing order, down-sampled while they are walked: at most max_points points (at
// least 2), spaced evenly along the curve's length, always including the first and the last
// point; all points when the curve has no more than max_points. ROC: (FPR, TPR) from (0, 0); PR:
// (recall, precision) from (0, 1). The first point of each has threshold +infinity (nothing
// predicted positive), then one point per distinct score, highest first. ROC needs both classes,
// PR a positive row. The full curve (one point per distinct score, millions at 10^7 rows) is
// never stored: one walk measures its length, a second one picks the points.
struct CurvePoints {
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> thresholds;
};
CurvePoints RocCurve(const ClassSortedScores& sorted, size_t max_points);
CurvePoints PrecisionRecallCurve(const ClassSortedScores& sorted, size_t max_points);

// The same selection on a curve held in memory.
CurvePoints DownsampleCurve(const CurvePoints& curve, size_t max_points);

// Length of a polyline given point by point: hypot of each step, summed in drawing order.
class PolylineLength {
 public:
  // Adds the next point and returns the length from the first point to it.
  double Add(double x, double y);
  size_t PointCount() const { return count_; }
  double Length() const { return length_; }

 private:
  size_t count_ = 0;
  double length_ = 0;
  double x_ = 0;
  double y_ = 0;
};

// Picks the down-sampled points of a curve whose point count and length are known, as its points
// arrive in drawing order: a point is kept when its distance along the curve reaches the next
// multiple of length / (max_points - 1).
class CurveSampler {
 public:
  CurveSampler(size_t point_count, double length, size_t max_points);
  void Add(double x, double y, double threshold);
  CurvePoints Take() { return std::move(kept_); }

 private:
  const size_t point_count_;
  const size_t max_points_;
  const bool keep_all_;
  const double spacing_;
  size_t index_ = 0;
  double next_length_;
  PolylineLength walked_;
  CurvePoints kept_;
};

// Down-samples the curve that for_each_point(emit) gives, calling emit(x, y, threshold) once per
// point in drawing order. for_each_point is called twice and must give the same points each time.
template <typename ForEachPoint>
CurvePoints DownsampledCurve(ForEachPoint for_each_point, size_t max_points) {
  PolylineLength whole;
  for_each_point([&](double x, double y, double) { whole.Add(x, y); });
  CurveSampler sampler(whole.PointCount(), whole.Length(), max_points);
  for_each_point([&](double x, double y, double threshold) { sampler.Add(x, y, threshold); });
  return sampler.Take();
}

}  // namespace verdict::metrics::internal
