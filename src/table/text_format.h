// Private to table/: how cells are spelled in CSV/TSV output.
#pragma once

#include <string>
#include <string_view>

namespace verdict::table {

// The field as written by Python's csv module with QUOTE_MINIMAL (pandas.to_csv's default):
// quoted when it holds the delimiter, a double quote, CR or LF; inner quotes doubled.
std::string QuoteField(std::string_view field, char delimiter);

}  // namespace verdict::table
