// Private to plot/: axis ranges, "nice" tick positions and tick labels.
#pragma once

#include <string>
#include <vector>

namespace verdict::plot::internal {

// The extent of some data on one axis. `sticky_min` / `sticky_max` mark ends that come from a bar
// baseline or a category edge and must not get a margin.
struct Extent {
  double min = 0;
  double max = 0;
  bool empty = true;
  bool sticky_min = false;
  bool sticky_max = false;

  // Extends the extent to `value`; a sticky value gets no margin when it ends up at an end.
  void Include(double value, bool sticky = false);
};

struct Range {
  double min = 0;
  double max = 1;
};

// The axis range for data of extent `extent`: a 5% margin below and `upper_margin` (a fraction
// of the span) above, on non-sticky ends; [0, 1] when there is no data; a window around a single
// value.
Range AutoRange(const Extent& extent, double upper_margin = 0.05);

// Tick positions inside [min, max] (either order) at a step of 1, 2, 2.5 or 5 times a power of
// ten, giving about `target` ticks.
std::vector<double> NiceTicks(double min, double max, int target);

// A tick label with as many decimals as the tick step needs ("0.25", "10", "1.5M"), negative
// values with a typographic minus sign (U+2212).
std::string FormatTick(double value, double step);

}  // namespace verdict::plot::internal
