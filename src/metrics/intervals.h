// Private to metrics/: confidence intervals. Every interval is two-sided at `level` (e.g. 0.95).
// The normal quantile and the percentile interval are numeric/'s.
#pragma once

#include <cstdint>

#include "numeric/numeric.h"

namespace verdict::metrics::internal {

using Interval = numeric::Interval;

// Wilson score interval of a proportion successes / trials (trials > 0), as statsmodels'
// proportion_confint(method="wilson").
Interval WilsonInterval(int64_t successes, int64_t trials, double level);

// estimate -/+ z * sqrt(variance), clipped to [0, 1] (DeLong interval of an AUC, as pROC).
Interval NormalIntervalInUnitRange(double estimate, double variance, double level);

}  // namespace verdict::metrics::internal
