// Private to table/: how cells are spelled in CSV/TSV output.
#pragma once

#include <string>
#include <string_view>

namespace verdict::table {

// Appends the field as written by Python's csv module with QUOTE_MINIMAL (pandas.to_csv's
// default): quoted when it holds the delimiter, a double quote, CR or LF; inner quotes doubled.
void AppendField(std::string& out, std::string_view field, char delimiter);

}  // namespace verdict::table
