// Private to metrics/: confidence intervals. Every interval is two-sided at `level` (e.g. 0.95).
#pragma once

#include <cstdint>
#include <vector>

namespace verdict::metrics::internal {

struct Interval {
  double lower;
  double upper;
};

// Quantile function of the standard normal distribution, for 0 < probability < 1 (Acklam's
// rational approximation refined by one Halley step on erfc; relative error near 1e-15).
double NormalQuantile(double probability);

// Wilson score interval of a proportion successes / trials (trials > 0), as statsmodels'
// proportion_confint(method="wilson").
Interval WilsonInterval(int64_t successes, int64_t trials, double level);

// estimate -/+ z * sqrt(variance), clipped to [0, 1] (DeLong interval of an AUC, as pROC).
Interval NormalIntervalInUnitRange(double estimate, double variance, double level);

// Percentile interval of bootstrap replicates: the (1 - level) / 2 and (1 + level) / 2 quantiles
// with linear interpolation between order statistics (numpy's default). Sorts `values`, which
// must not be empty.
Interval PercentileInterval(std::vector<double>& values, double level);

}  // namespace verdict::metrics::internal
