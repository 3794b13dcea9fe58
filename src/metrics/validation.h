// Private to metrics/: input checks shared by every entry point. Errors are InvalidData and name
// the first offending row as a 0-based data row index.
#pragma once

#include <cstdint>
#include <span>

#include "core/core.h"

namespace verdict::metrics::internal {

// Checks that there is at least one row, that `values` holds values_per_row values for every
// label, that labels lie in 0..num_classes-1 and that every value is finite.
Status ValidateInput(std::span<const int32_t> labels, std::span<const double> values,
                     int values_per_row, int num_classes);

}  // namespace verdict::metrics::internal
