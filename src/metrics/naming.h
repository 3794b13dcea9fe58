// Private to metrics/: metric values. Thresholds in key names are spelled by
// FormatPythonFloat (core).
#pragma once

#include <cstdint>
#include <string>

#include "metrics/metrics.h"

namespace verdict::metrics::internal {

Metric NumberMetric(std::string name, double value);
Metric CountMetric(std::string name, int64_t value);
Metric NullMetric(std::string name, std::string reason);

}  // namespace verdict::metrics::internal
