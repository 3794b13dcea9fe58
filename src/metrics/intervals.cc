#include "metrics/intervals.h"

#include <algorithm>
#include <cmath>

namespace verdict::metrics::internal {
namespace {

double ZForLevel(double level) { return numeric::NormalQuantile(0.5 + level / 2); }

}  // namespace

Interval WilsonInterval(int64_t successes, int64_t trials, double level) {
  const double z = ZForLevel(level);
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denominator = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denominator;
  const double half_width = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
  return {center - half_width, center + half_width};
}

Interval NormalIntervalInUnitRange(double estimate, double variance, double level) {
  const double half_width = ZForLevel(level) * std::sqrt(variance);
  return {std::max(0.0, estimate - half_width), std::min(1.0, estimate + half_width)};
}

}  // namespace verdict::metrics::internal
