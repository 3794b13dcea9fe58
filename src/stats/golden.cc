#include "stats/golden.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

namespace verdict::stats::testing {

const nlohmann::json& Golden() {
  static const nlohmann::json golden = [] {
    std::ifstream in("tests/golden/stats/stats_golden.json");
    EXPECT_TRUE(in.good()) << "tests/golden/stats/stats_golden.json not found";
    return nlohmann::json::parse(in);
  }();
  return golden;
}

std::vector<double> Doubles(const nlohmann::json& values) {
  std::vector<double> out;
  for (const nlohmann::json& v : values) out.push_back(Number(v));
  return out;
}

std::vector<int32_t> Ints(const nlohmann::json& values) {
  return values.get<std::vector<int32_t>>();
}

double Number(const nlohmann::json& value) {
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (value.is_string()) {
    const double inf = std::numeric_limits<double>::infinity();
    return value.get<std::string>() == "inf" ? inf : -inf;
  }
  return value.get<double>();
}

void ExpectMatches(double got, const nlohmann::json& want, const nlohmann::json& tolerance,
                   const std::string& what) {
  const double expected = Number(want);
  if (std::isnan(expected) || std::isinf(expected)) {
    EXPECT_TRUE(got == expected || (std::isnan(got) && std::isnan(expected)))
        << what << ": got " << got << ", want " << expected;
    return;
  }
  const double allowed = std::max(tolerance.at("abs").get<double>(),
                                  tolerance.at("rel").get<double>() * std::fabs(expected));
  EXPECT_LE(std::fabs(got - expected), allowed)
      << what << ": got " << got << ", want " << expected << " (allowed " << allowed << ")";
}

}  // namespace verdict::stats::testing
