// Sample quantiles: one definition (NumPy's default, "linear") for every interval.
#include <algorithm>
#include <cmath>

#include "numeric/numeric.h"

namespace verdict::numeric {

double SortedQuantile(std::span<const double> sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

Interval PercentileInterval(std::vector<double>& values, double level) {
  std::sort(values.begin(), values.end());
  const double alpha = 1 - level;
  return {SortedQuantile(values, alpha / 2), SortedQuantile(values, 1 - alpha / 2)};
}

}  // namespace verdict::numeric
