// Private to metrics/: the ranking view of one binary problem. Scores are split by class and
// sorted ascending (as OrderedKey values), which is all that every binary metric needs: AUC, AP,
// curves and counts at any threshold. Ties are exact: a group of equal scores moves together.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Splits rows 0..count-1 by is_positive(row) and sorts each side. score_at(row) must be finite.
template <typename IsPositive, typename ScoreAt>
ClassSortedScores SortByClass(size_t count, IsPositive is_positive, ScoreAt score_at,
                              std::vector<uint64_t>& scratch) {
  size_t positive_count = 0;
  for (size_t row = 0; row < count; ++row) positive_count += is_positive(row) ? 1 : 0;
  ClassSortedScores sorted;
  sorted.positives.resize(positive_count);
  sorted.negatives.resize(count - positive_count);
  uint64_t* next_positive = sorted.positives.data();
  uint64_t* next_negative = sorted.negatives.data();
  for (size_t row = 0; row < count; ++row) {
    const uint64_t key = OrderedKey(score_at(row));
    if (is_positive(row)) {
      *next_positive++ = key;
    } else {
      *next_negative++ = key;
    }
  }
  RadixSort(sorted.positives, scratch);
  RadixSort(sorted.negatives, scratch);
  return sorted;
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

// Full-resolution curves over every distinct score, in drawing order. ROC: (FPR, TPR) from (0, 0);
// PR: (recall, precision) from (0, 1). The first point of each has threshold +infinity
// (nothing predicted positive). ROC needs both classes, PR a positive row.
struct CurvePoints {
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> thresholds;
};
CurvePoints RocCurve(const ClassSortedScores& sorted);
CurvePoints PrecisionRecallCurve(const ClassSortedScores& sorted);

// Keeps at most max_points points (at least 2), spaced evenly along the curve's length, always
// including the first and the last point.
CurvePoints DownsampleCurve(const CurvePoints& curve, size_t max_points);

}  // namespace verdict::metrics::internal
