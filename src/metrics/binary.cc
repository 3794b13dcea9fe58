// EvaluateBinary: validation, one split-and-sort of the scores, then every metric, interval and
// curve from the two sorted arrays.
#include <future>
#include <optional>
#include <utility>

#include "metrics/binary_metrics.h"
#include "metrics/bootstrap.h"
#include "metrics/calibration.h"
#include "metrics/metrics.h"
#include "metrics/ranking.h"
#include "metrics/validation.h"

namespace verdict::metrics {
namespace {

using internal::ClassSortedScores;
using internal::CurvePoints;

Curve MakeCurve(std::string name, CurvePoints kept) {
  return {std::move(name), std::move(kept.x), std::move(kept.y), std::move(kept.thresholds)};
}

Curve CalibrationCurve(const ClassSortedScores& sorted, int bins) {
  Curve curve{"calibration", {}, {}, {}};
  for (const internal::CalibrationBin& bin : internal::CalibrationBins(sorted, bins)) {
    curve.x.push_back(bin.mean_score);
    curve.y.push_back(bin.positive_fraction);
    curve.thresholds.push_back(bin.lower_edge);
  }
  return curve;
}

// The ROC and PR walks (10^7 operating points and more) run on threads of their own while the
// calibration bins are summed; each only reads `sorted`, so the result is the same.
std::vector<Curve> BinaryCurves(const ClassSortedScores& sorted, const Options& options) {
  const size_t max_points = static_cast<size_t>(options.max_curve_points);
  std::future<CurvePoints> roc, pr;
  if (!sorted.positives.empty() && !sorted.negatives.empty()) {
    roc = std::async(std::launch::async, [&] { return internal::RocCurve(sorted, max_points); });
  }
  if (!sorted.positives.empty()) {
    pr = std::async(std::launch::async,
                    [&] { return internal::PrecisionRecallCurve(sorted, max_points); });
  }
  std::vector<Curve> curves;
  std::optional<Curve> calibration;
  if (internal::ScoresAreProbabilities(sorted)) {
    calibration = CalibrationCurve(sorted, options.calibration_bins);
  }
  if (roc.valid()) curves.push_back(MakeCurve("roc", roc.get()));
  if (pr.valid()) curves.push_back(MakeCurve("pr", pr.get()));
  if (calibration) curves.push_back(std::move(*calibration));
  return curves;
}

std::vector<std::string> ClassNotes(const ClassSortedScores& sorted) {
  std::vector<std::string> notes;
  if (sorted.positives.empty()) notes.push_back("no positive rows (label 1): ranking metrics null");
  if (sorted.negatives.empty()) notes.push_back("no negative rows (label 0): AUC null");
  if (!internal::ScoresAreProbabilities(sorted)) {
    notes.push_back("scores outside [0, 1]: log loss, Brier score and calibration error null");
  }
  return notes;
}

}  // namespace

Result<Evaluation> EvaluateBinary(std::span<const int32_t> labels, std::span<const double> scores,
                                  const Options& options) {
  VERDICT_RETURN_IF_ERROR(internal::ValidateOptions(options));
  VERDICT_RETURN_IF_ERROR(internal::ValidateInput(labels, scores, 1, 2));
  const ClassSortedScores sorted = internal::SortByClass(
      labels.size(), [&](size_t row) { return labels[row] == 1; },
      [&](size_t row) { return scores[row]; });
  // The curves and the estimates only read `sorted`: the curves are walked on a second core.
  std::future<std::vector<Curve>> curves =
      std::async(std::launch::async, [&] { return BinaryCurves(sorted, options); });
  internal::BinaryEstimates estimates = internal::EstimateBinary(sorted, options);
  Evaluation evaluation;
  evaluation.notes = ClassNotes(sorted);
  if (options.bootstrap_resamples > 0) {
    for (internal::NamedInterval& interval : internal::BootstrapIntervals(
             sorted, options, internal::BootstrapMetricNames(options), evaluation.notes)) {
      estimates.intervals.push_back(std::move(interval));
    }
  }
  evaluation.metrics = internal::WithIntervals(estimates.metrics, estimates.intervals);
  evaluation.curves = curves.get();
  return evaluation;
}

}  // namespace verdict::metrics
