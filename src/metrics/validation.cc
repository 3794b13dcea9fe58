#include "metrics/validation.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace verdict::metrics::internal {
namespace {

std::string RowText(size_t row) { return "row " + std::to_string(row) + " (0-based data row)"; }

Status CheckSizes(size_t label_count, size_t value_count, int values_per_row) {
  if (label_count == 0) return InvalidData("no rows to evaluate");
  const size_t expected = label_count * static_cast<size_t>(values_per_row);
  if (value_count == expected) return Status::Ok();
  return InvalidData(
      std::to_string(label_count) + " labels but " + std::to_string(value_count) +
      " scores (expected " + std::to_string(expected) + "); first row without " +
      "a matching score or label: " + RowText(std::min(label_count, value_count / values_per_row)));
}

Status CheckLabels(std::span<const int32_t> labels, int num_classes) {
  for (size_t row = 0; row < labels.size(); ++row) {
    if (labels[row] < 0 || labels[row] >= num_classes) {
      return InvalidData(RowText(row) + ": label " + std::to_string(labels[row]) +
                         " is outside 0.." + std::to_string(num_classes - 1));
    }
  }
  return Status::Ok();
}

Status CheckFinite(std::span<const double> values, int values_per_row) {
  for (size_t index = 0; index < values.size(); ++index) {
    if (std::isfinite(values[index])) continue;
    const size_t row = index / static_cast<size_t>(values_per_row);
    std::string where = RowText(row);
    if (values_per_row > 1) where += " column " + std::to_string(index % values_per_row);
    return InvalidData(where + ": score " + FormatShortest(values[index]) + " is not finite");
  }
  return Status::Ok();
}

template <typename T>
bool HasDuplicates(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return std::adjacent_find(values.begin(), values.end()) != values.end();
}

}  // namespace

Status ValidateInput(std::span<const int32_t> labels, std::span<const double> values,
                     int values_per_row, int num_classes) {
  VERDICT_RETURN_IF_ERROR(CheckSizes(labels.size(), values.size(), values_per_row));
  VERDICT_RETURN_IF_ERROR(CheckLabels(labels, num_classes));
  return CheckFinite(values, values_per_row);
}

Status ValidateOptions(const Options& options) {
  for (double threshold : options.thresholds) {
    if (!std::isfinite(threshold)) return InvalidArgument("metric thresholds must be finite");
  }
  for (double precision : options.recall_at_precision) {
    if (!(precision > 0 && precision <= 1)) {
      return InvalidArgument("recall_at_precision levels must lie in (0, 1], got " +
                             FormatShortest(precision));
    }
  }
  for (int k : options.top_k) {
    if (k < 1) return InvalidArgument("top_k values must be at least 1, got " + std::to_string(k));
  }
  if (HasDuplicates(options.thresholds) || HasDuplicates(options.recall_at_precision) ||
      HasDuplicates(options.top_k)) {
    return InvalidArgument("thresholds, recall_at_precision and top_k must not repeat a value");
  }
  if (options.calibration_bins < 1) return InvalidArgument("calibration_bins must be at least 1");
  if (options.bootstrap_resamples < 0) {
    return InvalidArgument("bootstrap_resamples must not be negative");
  }
  if (!(options.confidence_level > 0 && options.confidence_level < 1)) {
    return InvalidArgument("confidence_level must lie in (0, 1), got " +
                           FormatShortest(options.confidence_level));
  }
  if (options.max_curve_points < 2) return InvalidArgument("max_curve_points must be at least 2");
  return Status::Ok();
}

}  // namespace verdict::metrics::internal
