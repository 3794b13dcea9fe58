// Private to metrics/: checks of inputs and options shared by every entry point. Data errors are
// InvalidData and name the first offending row as a 0-based data row index.
#pragma once

#include <cstdint>
#include <span>

#include "core/core.h"
#include "metrics/metrics.h"

namespace verdict::metrics::internal {

// Checks that there is at least one row, that `values` holds values_per_row values for every
// label, that labels lie in 0..num_classes-1 and that every value is finite.
Status ValidateInput(std::span<const int32_t> labels, std::span<const double> values,
                     int values_per_row, int num_classes);

// Checks option ranges: finite thresholds, calibration_bins >= 1, recall_at_precision levels in
// (0, 1], top_k >= 1, no repeated value in those lists, bootstrap_resamples >= 0,
// 0 < confidence_level < 1, max_curve_points >= 2.
Status ValidateOptions(const Options& options);

}  // namespace verdict::metrics::internal
