// Private to metrics/: metric values and the spelling of keys.
#pragma once

#include <cstdint>
#include <string>

#include "metrics/metrics.h"

namespace verdict::metrics::internal {

Metric NumberMetric(std::string name, double value);
Metric CountMetric(std::string name, int64_t value);
Metric NullMetric(std::string name, std::string reason);

// A number as Python's str(float) spells it: "0.3", "0.5", "1.0", "1e-05", "0.30000000000000004".
// Keys such as f1_score_at_0.3 use it so that they match the seed's Python names.
std::string PythonFloatText(double value);

}  // namespace verdict::metrics::internal
