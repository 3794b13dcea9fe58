#include "table/text_format.h"

#include <string>

namespace verdict::table {

void AppendField(std::string& out, std::string_view field, char delimiter) {
  const char special[] = {delimiter, '"', '\n', '\r'};
  if (field.find_first_of(std::string_view(special, sizeof(special))) == std::string_view::npos) {
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
