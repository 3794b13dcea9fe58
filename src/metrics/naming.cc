#include "metrics/naming.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace verdict::metrics::internal {
namespace {

// Shortest round-trip decimal digits of |value| and the decimal exponent of the first digit.
struct DecimalDigits {
  std::string digits;
  int exponent;
};

DecimalDigits ShortestDigits(double value) {
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const std::string text(buffer, result.ptr);
  const size_t e = text.find('e');
  DecimalDigits decimal{"", std::atoi(text.c_str() + e + 1)};
  for (size_t i = 0; i < e; ++i) {
    if (text[i] >= '0' && text[i] <= '9') decimal.digits += text[i];
  }
  return decimal;
}

std::string FixedNotation(const DecimalDigits& decimal) {
  const int integer_digits = decimal.exponent + 1;
  if (integer_digits <= 0) return "0." + std::string(-integer_digits, '0') + decimal.digits;
  std::string digits = decimal.digits;
  if (static_cast<int>(digits.size()) < integer_digits) digits.resize(integer_digits, '0');
  std::string fraction = digits.substr(integer_digits);
  return digits.substr(0, integer_digits) + "." + (fraction.empty() ? "0" : fraction);
}

std::string ScientificNotation(const DecimalDigits& decimal) {
  std::string text = decimal.digits.substr(0, 1);
  if (decimal.digits.size() > 1) text.append(".").append(decimal.digits, 1);
  const int magnitude = std::abs(decimal.exponent);
  text.append(decimal.exponent < 0 ? "e-" : "e+");
  if (magnitude < 10) text.append("0");
  return text.append(std::to_string(magnitude));
}

}  // namespace

Metric NumberMetric(std::string name, double value) { return {std::move(name), value, ""}; }

Metric CountMetric(std::string name, int64_t value) { return {std::move(name), value, ""}; }

Metric NullMetric(std::string name, std::string reason) {
  return {std::move(name), std::monostate{}, std::move(reason)};
}

std::string PythonFloatText(double value) {
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  const DecimalDigits decimal = ShortestDigits(std::abs(value));
  const std::string sign = value < 0 ? "-" : "";
  if (decimal.exponent >= -4 && decimal.exponent < 16) return sign + FixedNotation(decimal);
  return sign + ScientificNotation(decimal);
}

}  // namespace verdict::metrics::internal
