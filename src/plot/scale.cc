#include "plot/scale.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace verdict::plot::internal {

void Extent::Include(double value, bool sticky) {
  if (empty) {
    min = max = value;
    sticky_min = sticky_max = sticky;
    empty = false;
    return;
  }
  if (value < min) {
    min = value;
    sticky_min = sticky;
  } else if (value == min) {
    sticky_min = sticky_min || sticky;
  }
  if (value > max) {
    max = value;
    sticky_max = sticky;
  } else if (value == max) {
    sticky_max = sticky_max || sticky;
  }
}

Range AutoRange(const Extent& extent, double upper_margin) {
  if (extent.empty) return {0, 1};
  if (extent.max == extent.min) {
    const double half = extent.min == 0 ? 0.5 : std::abs(extent.min) * 0.1;
    return {extent.min - half, extent.max + half};
  }
  const double span = extent.max - extent.min;
  return {extent.sticky_min ? extent.min : extent.min - 0.05 * span,
          extent.sticky_max ? extent.max : extent.max + upper_margin * span};
}

std::vector<double> NiceTicks(double min, double max, int target) {
  const double lo = std::min(min, max);
  const double hi = std::max(min, max);
  const double raw_step = (hi - lo) / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  double step = 10 * magnitude;
  for (double factor : {1.0, 2.0, 2.5, 5.0}) {
    if (factor * magnitude >= raw_step) {
      step = factor * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  if (!std::isfinite(step) || !(step > 0)) return ticks;
  const double tolerance = step * 1e-9;
  const double first = std::ceil((lo - tolerance) / step);
  // At most 17 ticks: a span far below the values' own precision must not loop forever.
  for (int i = 0; i <= 16 && (first + i) * step <= hi + tolerance; ++i) {
    const double tick = (first + i) * step;
    if (!ticks.empty() && tick == ticks.back()) break;
    ticks.push_back(std::abs(tick) < tolerance ? 0.0 : tick);
  }
  return ticks;
}

namespace {

int DecimalsFor(double step) {
  int decimals = 0;
  while (decimals < 12 && std::abs(step * std::pow(10.0, decimals) -
                                   std::round(step * std::pow(10.0, decimals))) > 1e-6) {
    ++decimals;
  }
  return decimals;
}

std::string Printf(double value, int decimals, const char* suffix) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f%s", decimals, value, suffix);
  return buffer;
}

}  // namespace

std::string FormatTick(double value, double step) {
  std::string text = std::abs(step) >= 1e5   ? Printf(value / 1e6, DecimalsFor(step / 1e6), "M")
                     : std::abs(step) >= 1e4 ? Printf(value / 1e3, DecimalsFor(step / 1e3), "k")
                                             : Printf(value, DecimalsFor(step), "");
  if (text.find_first_not_of("-0.kM") == std::string::npos) return text.substr(text[0] == '-');
  if (text[0] == '-') text.replace(0, 1, "\u2212");  // a typographic minus sign
  return text;
}

}  // namespace verdict::plot::internal
