// Output formats: JPG (cairo image surface encoded by libjpeg-turbo) and SVG (cairo's SVG
// surface, ids prefixed so that several documents can share one HTML page).
#include <cairo-svg.h>
#include <cairo.h>

#include <cctype>
#include <cmath>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

// jpeglib.h uses size_t and FILE without including their headers: it must come after them.
// clang-format off
#include <jpeglib.h>
// clang-format on

#include "plot/plot.h"
#include "plot/render.h"

namespace verdict::plot {
namespace {

constexpr int kMaxPixels = 16384;  // per side

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using ContextPtr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

Status CairoError(const char* what, cairo_status_t status) {
  return Internal(std::string("cairo: ") + what + ": " + cairo_status_to_string(status));
}

// libjpeg reports fatal errors through error_exit, which must not return: jump back to the
// encoder, whose frame holds only trivially destructible state between setjmp and longjmp.
struct JpegErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void JpegErrorExit(j_common_ptr info) {
  auto* manager = reinterpret_cast<JpegErrorManager*>(info->err);
  info->err->format_message(info, manager->message);
  std::longjmp(manager->jump, 1);
}

// Encodes packed RGB rows; returns false with `error` set when libjpeg fails.
bool EncodeRgb(const unsigned char* rgb, int width, int height, int quality, unsigned char** out,
               unsigned long* out_size, char* error) {
  jpeg_compress_struct cinfo;
  JpegErrorManager manager;
  cinfo.err = jpeg_std_error(&manager.base);
  manager.base.error_exit = JpegErrorExit;
  if (setjmp(manager.jump)) {
    std::snprintf(error, JMSG_LENGTH_MAX, "%s", manager.message);
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, out, out_size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  for (int c = 0; c < cinfo.num_components; ++c) {  // 4:4:4, no chroma subsampling
    cinfo.comp_info[c].h_samp_factor = 1;
    cinfo.comp_info[c].v_samp_factor = 1;
  }
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row =
        const_cast<unsigned char*>(rgb + static_cast<size_t>(cinfo.next_scanline) * width * 3);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

// Packed RGB from a cairo RGB24 surface (native-endian 0x00RRGGBB words).
std::vector<unsigned char> SurfaceToRgb(cairo_surface_t* surface) {
  const int width = cairo_image_surface_get_width(surface);
  const int height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  std::vector<unsigned char> rgb(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    unsigned char* out = rgb.data() + static_cast<size_t>(y) * width * 3;
    for (int x = 0; x < width; ++x) {
      out[3 * x] = (row[x] >> 16) & 0xff;
      out[3 * x + 1] = (row[x] >> 8) & 0xff;
      out[3 * x + 2] = row[x] & 0xff;
    }
  }
  return rgb;
}

Result<std::string> EncodeJpeg(cairo_surface_t* surface, int quality) {
  cairo_surface_flush(surface);
  const std::vector<unsigned char> rgb = SurfaceToRgb(surface);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  char error[JMSG_LENGTH_MAX] = "";
  const bool ok =
      EncodeRgb(rgb.data(), cairo_image_surface_get_width(surface),
                cairo_image_surface_get_height(surface), quality, &buffer, &size, error);
  std::string bytes = ok ? std::string(reinterpret_cast<char*>(buffer), size) : "";
  std::free(buffer);
  if (!ok) return Internal(std::string("libjpeg: ") + error);
  return bytes;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// FNV-1a, for a content-derived id prefix.
uint32_t Fnv1a(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
  return hash;
}

std::string ReplaceAll(const std::string& text, const std::string& from, const std::string& to) {
  std::string result;
  size_t start = 0;
  for (size_t hit; (hit = text.find(from, start)) != std::string::npos; start = hit + from.size()) {
    result.append(text, start, hit - start).append(to);
  }
  return result.append(text, start);
}

// cairo numbers the document's surface from a process-wide counter; the document has one, so
// naming it "surface0" makes the output depend on the figure alone.
std::string NormalizeSurfaceId(const std::string& svg) {
  std::string out;
  size_t start = 0;
  for (size_t hit; (hit = svg.find("surface", start)) != std::string::npos;) {
    size_t end = hit + 7;
    while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
    const bool is_id = hit > 0 && (svg[hit - 1] == '"' || svg[hit - 1] == '#') && end > hit + 7;
    out.append(svg, start, hit - start).append(is_id ? "surface0" : svg.substr(hit, end - hit));
    start = end;
  }
  return out.append(svg, start);
}

// Prefixes every id cairo defines (glyphs, clip paths, patterns) and every reference to one.
std::string PrefixIds(const std::string& svg, const std::string& prefix) {
  std::string result = ReplaceAll(svg, "id=\"", "id=\"" + prefix);
  result = ReplaceAll(result, "href=\"#", "href=\"#" + prefix);
  return ReplaceAll(result, "url(#", "url(#" + prefix);
}

// Rounds every decimal number with more than two fractional digits to two (cairo writes six);
// at one unit per pixel that is invisible and makes the document about a third smaller.
std::string CompactNumbers(const std::string& svg) {
  std::string out;
  out.reserve(svg.size());
  size_t i = 0;
  while (i < svg.size()) {
    const bool number_start = std::isdigit(static_cast<unsigned char>(svg[i])) &&
                              (i == 0 || !std::isalnum(static_cast<unsigned char>(svg[i - 1])));
    if (!number_start) {
      out.push_back(svg[i++]);
      continue;
    }
    size_t end = i;
    while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
    size_t fraction_end = end;
    if (end < svg.size() && svg[end] == '.') {
      fraction_end = end + 1;
      while (fraction_end < svg.size() &&
             std::isdigit(static_cast<unsigned char>(svg[fraction_end]))) {
        ++fraction_end;
      }
    }
    if (fraction_end - end <= 3) {  // no fraction, or at most two digits
      out.append(svg, i, fraction_end - i);
    } else {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.2f", std::strtod(svg.c_str() + i, nullptr));
      std::string rounded = buffer;
      rounded.erase(rounded.find_last_not_of('0') + 1);
      if (rounded.back() == '.') rounded.pop_back();
      out.append(rounded);
    }
    i = fraction_end;
  }
  return out;
}

std::string DropXmlDeclaration(const std::string& svg) {
  if (svg.rfind("<?xml", 0) != 0) return svg;
  const size_t end = svg.find("?>");
  size_t start = end + 2;
  while (start < svg.size() && (svg[start] == '\n' || svg[start] == '\r')) ++start;
  return svg.substr(start);
}

}  // namespace

Result<Rendered> RenderJpeg(const Figure& figure, const JpegOptions& options) {
  if (options.quality < 1 || options.quality > 100) {
    return InvalidArgument("JPEG quality must be in 1..100, got " +
                           std::to_string(options.quality));
  }
  const double width = std::round(figure.width * options.pixels_per_point);
  const double height = std::round(figure.height * options.pixels_per_point);
  if (!(width >= 1 && height >= 1 && width <= kMaxPixels && height <= kMaxPixels)) {
    return InvalidArgument("image size " + FormatShortest(width) + "x" + FormatShortest(height) +
                           " is outside 1.." + std::to_string(kMaxPixels) + " pixels per side");
  }
  VERDICT_RETURN_IF_ERROR(internal::ValidateFigure(figure));
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(width),
                                                static_cast<int>(height)),
                     cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return CairoError("creating the image", cairo_surface_status(surface.get()));
  }
  ContextPtr cr(cairo_create(surface.get()), cairo_destroy);
  Rendered rendered;
  VERDICT_ASSIGN_OR_RETURN(rendered.info,
                           internal::DrawFigure(cr.get(), figure, options.pixels_per_point));
  VERDICT_ASSIGN_OR_RETURN(rendered.data, EncodeJpeg(surface.get(), options.quality));
  return rendered;
}

Result<Rendered> RenderSvg(const Figure& figure, const SvgOptions& options) {
  VERDICT_RETURN_IF_ERROR(internal::ValidateFigure(figure));
  std::string svg;
  Rendered rendered;
  {
    SurfacePtr surface(
        cairo_svg_surface_create_for_stream(AppendToString, &svg, figure.width, figure.height),
        cairo_surface_destroy);
    cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
    ContextPtr cr(cairo_create(surface.get()), cairo_destroy);
    VERDICT_ASSIGN_OR_RETURN(rendered.info, internal::DrawFigure(cr.get(), figure, 1.0));
    cr.reset();
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
      return CairoError("writing the SVG", cairo_surface_status(surface.get()));
    }
  }
  svg = CompactNumbers(NormalizeSurfaceId(svg));
  char hashed[16];
  std::snprintf(hashed, sizeof hashed, "v%08x-", Fnv1a(svg));
  svg = PrefixIds(svg, options.id_prefix.empty() ? std::string(hashed) : options.id_prefix);
  rendered.data = options.xml_declaration ? svg : DropXmlDeclaration(svg);
  return rendered;
}

Result<RenderInfo> WriteJpeg(const Figure& figure, const std::string& path,
                             const JpegOptions& options) {
  VERDICT_ASSIGN_OR_RETURN(Rendered rendered, RenderJpeg(figure, options));
  VERDICT_RETURN_IF_ERROR(WriteFileAtomic(path, rendered.data));
  return rendered.info;
}

Result<RenderInfo> WriteSvg(const Figure& figure, const std::string& path,
                            const SvgOptions& options) {
  VERDICT_ASSIGN_OR_RETURN(Rendered rendered, RenderSvg(figure, options));
  VERDICT_RETURN_IF_ERROR(WriteFileAtomic(path, rendered.data));
  return rendered.info;
}

}  // namespace verdict::plot
