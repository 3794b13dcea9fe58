// BuildFigures and WritePlots: the report's charts from the evaluation's curves and the rows.
#include <algorithm>
#include <cmath>
#include <future>
#include <optional>

#include "report/lookup.h"
#include "report/report.h"

namespace verdict::report {
namespace {

using internal::ClassName;
using internal::FindCurve;
using internal::MetricNumber;

// Appends the figure built by `figure` (a plot builder's result) as `file_name`; a builder error
// becomes an error naming the file.
Status Add(std::vector<ReportFigure>& figures, std::string file_name, Result<plot::Figure> figure) {
  if (!figure.ok()) return figure.status().WithContext("plot " + file_name);
  figures.push_back({std::move(file_name), std::move(figure).value()});
  return Status::Ok();
}

// A curve of the evaluation with its summary metric (AUC or AP) for the legend.
Result<plot::NamedCurve> LegendCurve(const metrics::Evaluation& evaluation,
                                     const metrics::Curve& curve, const std::string& summary_key,
                                     std::string legend_name) {
  std::optional<double> summary = MetricNumber(evaluation.metrics, summary_key);
  if (!summary) {
    return Internal("curve '" + curve.name + "' has no numeric metric '" + summary_key + "'");
  }
  return plot::NamedCurve{std::move(legend_name), curve.x, curve.y, *summary};
}

double Score(const Predictions& predictions, size_t row) {
  return predictions.probabilities[row];  // binary: one score per row
}

// The binary scores by true class, read in place (plot bins them in one pass).
plot::ScoreGroups ScoresByTrueClass(const Predictions& predictions, const DataSummary& data) {
  return {{"Class " + ClassName(data, 0), "Class " + ClassName(data, 1)},
          predictions.probabilities,
          predictions.labels};
}

// Equal-width bins on [0, 1] (a score of exactly 1 falls in the last bin, as in a reliability
// diagram); only called when every score is a probability.
std::vector<plot::CalibrationBin> CalibrationBins(const Predictions& predictions, int bins) {
  std::vector<plot::CalibrationBin> result(bins);
  std::vector<double> score_sums(bins, 0.0);
  std::vector<int64_t> positives(bins, 0);
  for (size_t row = 0; row < predictions.labels.size(); ++row) {
    const double score = Score(predictions, row);
    const int bin = std::clamp(static_cast<int>(score * bins), 0, bins - 1);
    ++result[bin].count;
    score_sums[bin] += score;
    positives[bin] += predictions.labels[row] == 1;
  }
  for (int b = 0; b < bins; ++b) {
    plot::CalibrationBin& bin = result[b];
    bin.lower = static_cast<double>(b) / bins;
    bin.upper = static_cast<double>(b + 1) / bins;
    if (bin.count == 0) continue;
    bin.mean_score = score_sums[b] / static_cast<double>(bin.count);
    bin.observed_rate = static_cast<double>(positives[b]) / static_cast<double>(bin.count);
  }
  return result;
}

// Precision, recall and F1 at each finite threshold of the PR curve.
Result<plot::Figure> ThresholdFigureFromPr(const metrics::Curve& pr) {
  std::vector<double> thresholds, precision, recall, f1;
  for (size_t i = 0; i < pr.x.size() && i < pr.thresholds.size(); ++i) {
    if (!std::isfinite(pr.thresholds[i])) continue;
    const double p = pr.y[i];
    const double r = pr.x[i];
    thresholds.push_back(pr.thresholds[i]);
    precision.push_back(p);
    recall.push_back(r);
    f1.push_back(p + r > 0 ? 2 * p * r / (p + r) : 0.0);
  }
  return plot::ThresholdFigure(thresholds, precision, recall, f1);
}

Status AddBinaryFigures(const Predictions& predictions, const metrics::Evaluation& evaluation,
                        const DataSummary& data, const ReportOptions& options,
                        std::vector<ReportFigure>& figures) {
  // The score distribution passes over every row: it is binned on a second thread while the
  // class counts and the calibration bins are summed here.
  std::future<Result<plot::Figure>> distribution = std::async(std::launch::async, [&] {
    return plot::ScoreDistributionFigure(ScoresByTrueClass(predictions, data));
  });
  const std::vector<int64_t> counts = internal::ClassCounts(predictions.labels, 2);
  const double positive_rate =
      static_cast<double>(counts[1]) / static_cast<double>(predictions.labels.size());
  if (const metrics::Curve* roc = FindCurve(evaluation, "roc")) {
    VERDICT_ASSIGN_OR_RETURN(plot::NamedCurve curve,
                             LegendCurve(evaluation, *roc, "auc_roc", "Model"));
    VERDICT_RETURN_IF_ERROR(Add(figures, "roc_curve.jpg", plot::RocFigure({curve})));
  }
  const metrics::Curve* pr = FindCurve(evaluation, "pr");
  if (pr != nullptr) {
    VERDICT_ASSIGN_OR_RETURN(plot::NamedCurve curve,
                             LegendCurve(evaluation, *pr, "average_precision", "Model"));
    VERDICT_RETURN_IF_ERROR(Add(figures, "pr_curve.jpg", plot::PrFigure({curve}, positive_rate)));
  }
  std::optional<Result<plot::Figure>> calibration;
  if (FindCurve(evaluation, "calibration") != nullptr) {
    calibration = plot::CalibrationFigure(CalibrationBins(predictions, options.calibration_bins));
  }
  VERDICT_RETURN_IF_ERROR(Add(figures, "score_distribution.jpg", distribution.get()));
  if (calibration) {
    VERDICT_RETURN_IF_ERROR(Add(figures, "calibration_curve.jpg", std::move(*calibration)));
  }
  if (pr != nullptr) {
    VERDICT_RETURN_IF_ERROR(Add(figures, "threshold_curve.jpg", ThresholdFigureFromPr(*pr)));
  }
  return Status::Ok();
}

// counts[t][p] from the confusion_matrix_true_<t>_pred_<p> metrics.
Result<std::vector<std::vector<int64_t>>> ConfusionCounts(const metrics::Evaluation& evaluation,
                                                          int num_classes) {
  std::vector<std::vector<int64_t>> counts(num_classes, std::vector<int64_t>(num_classes));
  for (int t = 0; t < num_classes; ++t) {
    for (int p = 0; p < num_classes; ++p) {
      const std::string key =
          "confusion_matrix_true_" + std::to_string(t) + "_pred_" + std::to_string(p);
      std::optional<double> count = MetricNumber(evaluation.metrics, key);
      if (!count) return Internal("the evaluation has no count '" + key + "'");
      counts[t][p] = static_cast<int64_t>(*count);
    }
  }
  return counts;
}

Status AddMulticlassFigures(const Predictions& predictions, const metrics::Evaluation& evaluation,
                            const DataSummary& data, std::vector<ReportFigure>& figures) {
  const int k = predictions.num_classes;
  std::vector<plot::NamedCurve> rocs, prs;
  std::vector<ReportFigure> per_class;
  const std::vector<int64_t> class_counts = internal::ClassCounts(predictions.labels, k);
  for (int c = 0; c < k; ++c) {
    const std::string index = std::to_string(c);
    const std::string name = "Class " + ClassName(data, c);
    if (const metrics::Curve* roc = FindCurve(evaluation, "roc_class_" + index)) {
      VERDICT_ASSIGN_OR_RETURN(plot::NamedCurve curve,
                               LegendCurve(evaluation, *roc, "auc_roc_class_" + index, name));
      rocs.push_back(curve);
      VERDICT_RETURN_IF_ERROR(Add(per_class, "class_" + index + "_roc_curve.jpg",
                                  plot::RocFigure({curve}, "ROC Curve, " + name + " vs Rest")));
    }
    if (const metrics::Curve* pr = FindCurve(evaluation, "pr_class_" + index)) {
      VERDICT_ASSIGN_OR_RETURN(
          plot::NamedCurve curve,
          LegendCurve(evaluation, *pr, "average_precision_class_" + index, name));
      prs.push_back(curve);
      const double class_rate =
          static_cast<double>(class_counts[c]) / static_cast<double>(predictions.labels.size());
      VERDICT_RETURN_IF_ERROR(
          Add(per_class, "class_" + index + "_pr_curve.jpg",
              plot::PrFigure({curve}, class_rate, "Precision-Recall Curve, " + name + " vs Rest")));
    }
  }
  if (!rocs.empty()) {
    VERDICT_RETURN_IF_ERROR(
        Add(figures, "roc_curve.jpg", plot::RocFigure(rocs, "One-vs-Rest ROC Curves")));
  }
  if (!prs.empty()) {
    // One baseline for all classes: the mean class share, 1 / K.
    VERDICT_RETURN_IF_ERROR(
        Add(figures, "pr_curve.jpg",
            plot::PrFigure(prs, 1.0 / k, "One-vs-Rest Precision-Recall Curves")));
  }
  VERDICT_ASSIGN_OR_RETURN(auto counts, ConfusionCounts(evaluation, k));
  std::vector<std::string> names;
  for (int c = 0; c < k; ++c) names.push_back(ClassName(data, c));
  VERDICT_RETURN_IF_ERROR(
      Add(figures, "confusion_matrix.jpg", plot::ConfusionMatrixFigure(counts, names)));
  for (ReportFigure& figure : per_class) {
    figure.in_html = false;
    figures.push_back(std::move(figure));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ReportFigure>> BuildFigures(const Predictions& predictions,
                                               const metrics::Evaluation& evaluation,
                                               const DataSummary& data,
                                               const ReportOptions& options) {
  VERDICT_RETURN_IF_ERROR(internal::CheckPredictions(predictions));
  if (options.calibration_bins < 1) {
    return InvalidArgument("calibration_bins must be at least 1");
  }
  std::vector<ReportFigure> figures;
  if (predictions.binary) {
    VERDICT_RETURN_IF_ERROR(AddBinaryFigures(predictions, evaluation, data, options, figures));
  } else {
    VERDICT_RETURN_IF_ERROR(AddMulticlassFigures(predictions, evaluation, data, figures));
  }
  return figures;
}

// Each figure is rendered and encoded on a thread of its own (separate cairo surfaces and JPEG
// encoders); the first error in figure order is returned.
Status WritePlots(const std::string& metrics_dir, const std::vector<ReportFigure>& figures) {
  std::vector<std::future<Status>> written;
  for (const ReportFigure& figure : figures) {
    written.push_back(std::async(std::launch::async, [&metrics_dir, &figure]() -> Status {
      const std::string path = metrics_dir + "/" + figure.file_name;
      Result<plot::RenderInfo> info = plot::WriteJpeg(figure.figure, path);
      if (!info.ok()) return info.status().WithContext("cannot write plot '" + path + "'");
      return Status::Ok();
    }));
  }
  Status first_error;
  for (std::future<Status>& status : written) {
    Status result = status.get();
    if (first_error.ok() && !result.ok()) first_error = std::move(result);
  }
  return first_error;
}

}  // namespace verdict::report
