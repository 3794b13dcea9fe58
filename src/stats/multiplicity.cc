// Holm-Bonferroni adjustment of a family of p-values.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "stats/stats.h"

namespace verdict::stats {

std::vector<double> HolmAdjust(std::span<const double> p_values) {
  std::vector<double> adjusted(p_values.begin(), p_values.end());
  std::vector<size_t> order;
  for (size_t i = 0; i < p_values.size(); ++i) {
    if (!std::isnan(p_values[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t i, size_t j) { return p_values[i] < p_values[j]; });
  const size_t m = order.size();
  double running_max = 0;
  for (size_t k = 0; k < m; ++k) {
    running_max = std::max(running_max, static_cast<double>(m - k) * p_values[order[k]]);
    adjusted[order[k]] = std::min(1.0, running_max);
  }
  return adjusted;
}

}  // namespace verdict::stats
