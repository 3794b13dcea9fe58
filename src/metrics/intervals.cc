#include "metrics/intervals.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace verdict::metrics::internal {
namespace {

// Coefficients of Acklam's approximation (central region a/b, tails c/d).
constexpr std::array<double, 6> kA = {-3.969683028665376e+01, 2.209460984245205e+02,
                                      -2.759285104469687e+02, 1.383577518672690e+02,
                                      -3.066479806614716e+01, 2.506628277459239e+00};
constexpr std::array<double, 5> kB = {-5.447609879822406e+01, 1.615858368580409e+02,
                                      -1.556989798598866e+02, 6.680131188771972e+01,
                                      -1.328068155288572e+01};
constexpr std::array<double, 6> kC = {-7.784894002430293e-03, -3.223964580411365e-01,
                                      -2.400758277161838e+00, -2.549732539343734e+00,
                                      4.374664141464968e+00,  2.938163982698783e+00};
constexpr std::array<double, 4> kD = {7.784695709041462e-03, 3.224671290700398e-01,
                                      2.445134137142996e+00, 3.754408661907416e+00};
constexpr double kTail = 0.02425;

template <size_t N>
double Horner(const std::array<double, N>& coefficients, double x) {
  double value = 0;
  for (double c : coefficients) value = value * x + c;
  return value;
}

double AcklamTail(double probability) {
  const double q = std::sqrt(-2 * std::log(probability));
  return Horner(kC, q) / (Horner(kD, q) * q + 1);
}

double AcklamApproximation(double probability) {
  if (probability < kTail) return AcklamTail(probability);
  if (probability > 1 - kTail) return -AcklamTail(1 - probability);
  const double q = probability - 0.5;
  const double r = q * q;
  return Horner(kA, r) * q / (Horner(kB, r) * r + 1);
}

double ZForLevel(double level) { return NormalQuantile(0.5 + level / 2); }

}  // namespace

double NormalQuantile(double probability) {
  const double x = AcklamApproximation(probability);
  const double error = 0.5 * std::erfc(-x / std::numbers::sqrt2) - probability;
  const double u = error * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

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

Interval PercentileInterval(std::vector<double>& values, double level) {
  std::sort(values.begin(), values.end());
  const auto quantile = [&](double q) {
    const double position = q * static_cast<double>(values.size() - 1);
    const size_t below = static_cast<size_t>(std::floor(position));
    const size_t above = std::min(below + 1, values.size() - 1);
    return values[below] +
           (position - static_cast<double>(below)) * (values[above] - values[below]);
  };
  return {quantile((1 - level) / 2), quantile((1 + level) / 2)};
}

}  // namespace verdict::metrics::internal
