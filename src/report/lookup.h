// Private to report/: finding metrics and curves of an evaluation, and per-class facts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "metrics/metrics.h"
#include "report/report.h"

namespace verdict::report::internal {

// A numeric metric (double or count) as double; nullopt when absent, null or a flag.
std::optional<double> MetricNumber(const std::vector<metrics::Metric>& metrics,
                                   const std::string& name);
// The curve called `name`, or nullptr.
const metrics::Curve* FindCurve(const metrics::Evaluation& evaluation, const std::string& name);

// Checks the shape of the rows: K >= 2 (exactly 2 when binary), N > 0, N x K probabilities,
// labels in 0..K-1, finite probabilities.
Status CheckPredictions(const Predictions& predictions);

// The label value of class i as in the data, or "i" when the pipeline gave no names.
std::string ClassName(const DataSummary& data, int class_index);
// Rows per class index 0..num_classes-1.
std::vector<int64_t> ClassCounts(std::span<const int32_t> labels, int num_classes);

}  // namespace verdict::report::internal
