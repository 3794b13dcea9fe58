#include "stats/common.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace verdict::stats {

Status CheckPairedInput(std::string_view what, std::span<const double> a, std::span<const double> b,
                        size_t min_rows) {
  const std::string prefix(what);
  if (a.size() != b.size()) {
    return InvalidArgument(prefix + ": the two inputs differ in length (" +
                           std::to_string(a.size()) + " vs " + std::to_string(b.size()) + ")");
  }
  if (a.size() < min_rows) {
    return InvalidData(prefix + ": needs at least " + std::to_string(min_rows) + " rows, got " +
                       std::to_string(a.size()));
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) {
      return InvalidData(prefix + ": row " + std::to_string(i) + " holds a non-finite value");
    }
  }
  return Status::Ok();
}

Status CheckConfidenceLevel(std::string_view what, double level) {
  if (!(level > 0 && level < 1)) {
    return InvalidArgument(std::string(what) + ": confidence level " + std::to_string(level) +
                           " is not in (0, 1)");
  }
  return Status::Ok();
}

Ranking AverageRanks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&values](size_t i, size_t j) { return values[i] < values[j]; });
  Ranking ranking;
  ranking.ranks.resize(values.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    // Positions start..end-1 (0-based) share the rank (start + 1 + end) / 2.
    const double rank = 0.5 * static_cast<double>(start + 1 + end);
    for (size_t k = start; k < end; ++k) ranking.ranks[order[k]] = rank;
    const double t = static_cast<double>(end - start);
    ranking.tie_term += t * t * t - t;
    start = end;
  }
  return ranking;
}

}  // namespace verdict::stats
