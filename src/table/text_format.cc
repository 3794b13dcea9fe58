#include "table/text_format.h"

#include <algorithm>
#include <string>

namespace verdict::table {

void AppendField(std::string& out, std::string_view field, char delimiter) {
  // One pass over the bytes; string_view::find_first_of calls memchr once per byte.
  const auto special = [delimiter](char c) {
    return c == delimiter || c == '"' || c == '\n' || c == '\r';
  };
  if (std::none_of(field.begin(), field.end(), special)) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace verdict::table
