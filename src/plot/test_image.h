// Private to plot/ tests: decodes rendered JPGs and looks for colours near a pixel.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

// jpeglib.h uses size_t and FILE without including their headers: it must come after them.
// clang-format off
#include <jpeglib.h>
// clang-format on

#include "plot/plot.h"

namespace verdict::plot::testing {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> rgb;

  const unsigned char* At(int x, int y) const {
    return rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
  }
};

// Decodes with libjpeg (errors abort the test binary, which is what a test wants).
inline Image DecodeJpeg(const std::string& bytes) {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr error;
  cinfo.err = jpeg_std_error(&error);
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  Image image;
  image.width = static_cast<int>(cinfo.output_width);
  image.height = static_cast<int>(cinfo.output_height);
  image.rgb.resize(static_cast<size_t>(image.width) * image.height * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = image.rgb.data() + static_cast<size_t>(cinfo.output_scanline) * image.width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return image;
}

// Euclidean distance in 0..255 RGB between the pixel and the colour.
inline double ColorDistance(const unsigned char* pixel, Color color) {
  const double dr = pixel[0] - 255 * color.r;
  const double dg = pixel[1] - 255 * color.g;
  const double db = pixel[2] - 255 * color.b;
  return std::sqrt(dr * dr + dg * dg + db * db);
}

// Whether some pixel within `radius` of (x, y) has the colour (JPEG tolerance: distance < 40).
inline bool HasColorNear(const Image& image, double x, double y, Color color, int radius = 3) {
  for (int dy = -radius; dy <= radius; ++dy) {
    for (int dx = -radius; dx <= radius; ++dx) {
      const int px = static_cast<int>(std::lround(x)) + dx;
      const int py = static_cast<int>(std::lround(y)) + dy;
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      if (ColorDistance(image.At(px, py), color) < 40) return true;
    }
  }
  return false;
}

// Variance of the grey level over all pixels.
inline double GreyVariance(const Image& image) {
  double sum = 0, sum_sq = 0;
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < n; ++i) {
    const double grey = (image.rgb[3 * i] + image.rgb[3 * i + 1] + image.rgb[3 * i + 2]) / 3.0;
    sum += grey;
    sum_sq += grey * grey;
  }
  return sum_sq / n - (sum / n) * (sum / n);
}

// Number of non-overlapping occurrences of `needle`.
inline size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace verdict::plot::testing
