// Private to plot/: draws a Figure on a cairo context (shared by the JPG and SVG outputs).
#pragma once

#include <cairo.h>

#include "core/core.h"
#include "plot/plot.h"

namespace verdict::plot::internal {

// Checks sizes, lengths, finiteness and axis limits; the message names panel, series and index.
Status ValidateFigure(const Figure& figure);

// Draws a validated figure on `cr`, whose device space has `scale` pixels per figure point
// (the surface is figure.width * scale by figure.height * scale). Returns the plot areas in
// device pixels.
Result<RenderInfo> DrawFigure(cairo_t* cr, const Figure& figure, double scale);

}  // namespace verdict::plot::internal
