// Private to metrics/: probability-quality metrics of a binary problem (log loss, Brier score,
// expected calibration error) from the class-sorted scores, which must lie in [0, 1].
#pragma once

#include <cstdint>
#include <vector>

#include "metrics/ranking.h"

namespace verdict::metrics::internal {

// True when every score lies in [0, 1].
bool ScoresAreProbabilities(const ClassSortedScores& sorted);

// Mean of -log(p) over positives and -log(1 - p) over negatives, each probability first clipped
// to [eps, 1 - eps] with eps = 2^-52 (DBL_EPSILON), as scikit-learn's log_loss for float64.
double BinaryLogLoss(const ClassSortedScores& sorted);

// Mean of (label - p)^2, as scikit-learn's brier_score_loss.
double BrierScore(const ClassSortedScores& sorted);

// The edges of `bins` equal-width bins on [0, 1]: edge k = k / bins (correctly rounded).
std::vector<double> CalibrationBinEdges(int bins);

// One reliability bin: rows with edge[k] <= p < edge[k + 1]; the last bin also holds p = 1.
struct CalibrationBin {
  double lower_edge;
  int64_t count;
  double mean_score;
  double positive_fraction;
};
// The non-empty bins, in ascending order of score.
std::vector<CalibrationBin> CalibrationBins(const ClassSortedScores& sorted, int bins);

// Sum over bins of |positive_fraction - mean_score| * count / N (L1 expected calibration
// error; torchmetrics' binary_calibration_error gives the same when no score is 1 or sits on an
// edge where its float64 linspace differs from k / bins).
double ExpectedCalibrationError(const std::vector<CalibrationBin>& bins);

}  // namespace verdict::metrics::internal
