#include "report/lookup.h"

#include <cmath>

namespace verdict::report::internal {

std::optional<double> MetricNumber(const std::vector<metrics::Metric>& metrics,
                                   const std::string& name) {
  const metrics::Metric* metric = metrics::Find(metrics, name);
  if (metric == nullptr) return std::nullopt;
  if (const double* x = std::get_if<double>(&metric->value)) return *x;
  if (const int64_t* n = std::get_if<int64_t>(&metric->value)) return static_cast<double>(*n);
  return std::nullopt;
}

const metrics::Curve* FindCurve(const metrics::Evaluation& evaluation, const std::string& name) {
  for (const metrics::Curve& curve : evaluation.curves) {
    if (curve.name == name) return &curve;
  }
  return nullptr;
}

Status CheckPredictions(const Predictions& predictions) {
  const int k = predictions.num_classes;
  if (k < 2 || (predictions.binary && k != 2)) {
    return InvalidArgument("report: " + std::to_string(k) + " classes for a " +
                           (predictions.binary ? "binary" : "multiclass") + " task");
  }
  const size_t rows = predictions.labels.size();
  if (rows == 0) return InvalidArgument("report: no rows");
  const size_t per_row = predictions.binary ? 1 : static_cast<size_t>(k);
  if (predictions.probabilities.size() != rows * per_row) {
    return InvalidArgument("report: " + std::to_string(predictions.probabilities.size()) +
                           " probabilities for " + std::to_string(rows) + " rows of " +
                           std::to_string(per_row) + " values");
  }
  for (size_t row = 0; row < rows; ++row) {
    if (predictions.labels[row] < 0 || predictions.labels[row] >= k) {
      return InvalidArgument("report: row " + std::to_string(row) + " has label " +
                             std::to_string(predictions.labels[row]) + " outside 0.." +
                             std::to_string(k - 1));
    }
  }
  for (size_t i = 0; i < predictions.probabilities.size(); ++i) {
    if (!std::isfinite(predictions.probabilities[i])) {
      return InvalidArgument("report: row " + std::to_string(i / per_row) +
                             " has a non-finite probability");
    }
  }
  return Status::Ok();
}

std::string ClassName(const DataSummary& data, int class_index) {
  if (class_index >= 0 && static_cast<size_t>(class_index) < data.class_names.size()) {
    return data.class_names[class_index];
  }
  return std::to_string(class_index);
}

std::vector<int64_t> ClassCounts(std::span<const int32_t> labels, int num_classes) {
  std::vector<int64_t> counts(num_classes, 0);
  for (int32_t label : labels) {
    if (label >= 0 && label < num_classes) ++counts[label];
  }
  return counts;
}

}  // namespace verdict::report::internal
