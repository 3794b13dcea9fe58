#include "metrics/naming.h"

#include <utility>

namespace verdict::metrics::internal {

Metric NumberMetric(std::string name, double value) { return {std::move(name), value, ""}; }

Metric CountMetric(std::string name, int64_t value) { return {std::move(name), value, ""}; }

Metric NullMetric(std::string name, std::string reason) {
  return {std::move(name), std::monostate{}, std::move(reason)};
}

}  // namespace verdict::metrics::internal
