// Private helpers shared by the tests in this stage: input checks and average ranks.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace verdict::stats {

// Checks that two paired inputs have the same length, at least `min_rows` rows and only finite
// values. `what` names the caller in the message ("pearson: ...").
Status CheckPairedInput(std::string_view what, std::span<const double> a, std::span<const double> b,
                        size_t min_rows);

// Checks that 0 < level < 1.
Status CheckConfidenceLevel(std::string_view what, double level);

// Average ranks (1-based; tied values share the mean of their positions) and the tie term
// sum(t^3 - t) over the groups of t tied values.
struct Ranking {
  std::vector<double> ranks;  // in input order
  double tie_term = 0;
};
Ranking AverageRanks(std::span<const double> values);

}  // namespace verdict::stats
