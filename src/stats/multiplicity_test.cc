#include <gtest/gtest.h>

#include <vector>

#include "stats/golden.h"
#include "stats/stats.h"

namespace verdict::stats {
namespace {

// statsmodels multipletests(method="holm"), with ties, ones, tiny values and a NaN.
TEST(HolmTest, MatchesStatsmodels) {
  const nlohmann::json& cases = testing::Golden().at("holm");
  ASSERT_EQ(cases.size(), 5u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    const std::vector<double> adjusted = HolmAdjust(testing::Doubles(c.at("p_values")));
    ASSERT_EQ(adjusted.size(), c.at("adjusted").size()) << name;
    for (size_t i = 0; i < adjusted.size(); ++i) {
      testing::ExpectMatches(adjusted[i], c.at("adjusted")[i], c.at("tolerance"),
                             name + " [" + std::to_string(i) + "]");
    }
  }
}

TEST(HolmTest, EmptyFamily) { EXPECT_TRUE(HolmAdjust({}).empty()); }

}  // namespace
}  // namespace verdict::stats
