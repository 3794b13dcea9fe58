// Replays tests/golden/comparison/comparison_golden.json (gen_comparison_golden.py: SciPy,
// statsmodels, sklearn, DeLong by the Mann-Whitney kernel, the bootstrap with the project's
// generator). Every numeric key within the case's tolerance (1e-9 relative, 1e-12 absolute;
// p-values 1e-9 relative only), the same key set as the oracle, the string keys, the decisions and
// the flips.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "comparison/comparison.h"

namespace verdict::comparison {
namespace {

const nlohmann::json& Golden() {
  static const nlohmann::json golden = [] {
    std::ifstream in("tests/golden/comparison/comparison_golden.json");
    EXPECT_TRUE(in.good()) << "tests/golden/comparison/comparison_golden.json not found";
    return nlohmann::json::parse(in);
  }();
  return golden;
}

void ExpectValue(const metrics::Metric& got, const nlohmann::json& want,
                 const nlohmann::json& tolerance) {
  if (want.is_null()) {
    EXPECT_TRUE(std::holds_alternative<std::monostate>(got.value)) << got.name << " not null";
    EXPECT_FALSE(got.null_reason.empty()) << got.name;
  } else if (want.is_boolean()) {
    ASSERT_TRUE(std::holds_alternative<bool>(got.value)) << got.name;
    EXPECT_EQ(std::get<bool>(got.value), want.get<bool>()) << got.name;
  } else if (want.is_number_integer()) {
    ASSERT_TRUE(std::holds_alternative<int64_t>(got.value)) << got.name;
    EXPECT_EQ(std::get<int64_t>(got.value), want.get<int64_t>()) << got.name;
  } else {
    ASSERT_TRUE(std::holds_alternative<double>(got.value)) << got.name;
    const double expected = want.get<double>();
    const double allowed = std::max(tolerance.at("abs").get<double>(),
                                    tolerance.at("rel").get<double>() * std::fabs(expected));
    EXPECT_LE(std::fabs(std::get<double>(got.value) - expected), allowed)
        << got.name << ": got " << std::get<double>(got.value) << ", want " << expected;
  }
}

void ExpectClose(double got, double want, double tolerance, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), std::max(1e-12, tolerance * std::fabs(want)))
      << what << ": got " << got << ", want " << want;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesOracle) {
  const nlohmann::json* found = nullptr;
  for (const nlohmann::json& c : Golden().at("cases")) {
    if (c.at("name") == GetParam()) found = &c;
  }
  ASSERT_NE(found, nullptr);
  const nlohmann::json& c = *found;
  const auto labels = c.at("labels").get<std::vector<int32_t>>();
  const auto probabilities = c.at("new_probabilities").get<std::vector<double>>();
  const auto previous = c.at("previous_scores").get<std::vector<double>>();
  const nlohmann::json& o = c.at("options");
  Options options;
  options.thresholds = o.at("thresholds").get<std::vector<double>>();
  options.margin = o.at("margin");
  options.bootstrap_resamples = o.at("resamples");
  options.seed = o.at("seed");
  options.confidence_level = o.at("level");
  options.top_flips = o.at("top_flips");
  const Input input{.labels = labels,
                    .new_probabilities = probabilities,
                    .previous_scores = previous,
                    .num_classes = c.at("num_classes"),
                    .rows_without_previous = o.at("rows_without_previous")};
  const auto result = Compare(input, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Comparison& got = result.value();

  std::set<std::string> got_keys;
  for (const metrics::Metric& m : got.metrics) {
    EXPECT_TRUE(got_keys.insert(m.name).second) << "duplicate key " << m.name;
    if (!c.at("keys").contains(m.name)) {
      ADD_FAILURE() << "key not in the oracle: " << m.name;
      continue;
    }
    const bool p_value = m.name.find("p_value") != std::string::npos;
    ExpectValue(m, c.at("keys").at(m.name), c.at(p_value ? "p_tolerance" : "tolerance"));
  }
  for (const auto& [name, value] : c.at("keys").items()) {
    EXPECT_TRUE(got_keys.count(name)) << "missing key " << name;
  }

  std::map<std::string, std::string> got_text;
  for (const TextValue& t : got.text_values) got_text[t.name] = t.value;
  using TextMap = std::map<std::string, std::string>;
  EXPECT_EQ(got_text, c.at("text").get<TextMap>());

  const nlohmann::json& decisions = c.at("decisions");
  ASSERT_EQ(got.decisions.size(), decisions.size());
  for (size_t i = 0; i < decisions.size(); ++i) {
    const MetricDecision& d = got.decisions[i];
    EXPECT_EQ(d.metric, decisions[i].at("metric"));
    EXPECT_EQ(d.method, decisions[i].at("method"));
    EXPECT_EQ(d.decision, decisions[i].at("decision")) << d.metric;
    ExpectClose(d.estimate, decisions[i].at("estimate"), 1e-9, d.metric + " estimate");
    ExpectClose(d.lower, decisions[i].at("lower"), 1e-9, d.metric + " lower");
    ExpectClose(d.upper, decisions[i].at("upper"), 1e-9, d.metric + " upper");
  }
  EXPECT_EQ(got.decision, c.at("text").at("comparison_decision"));

  const nlohmann::json& flips = c.at("flips");
  ASSERT_EQ(got.flips.size(), flips.size());
  for (size_t i = 0; i < flips.size(); ++i) {
    const Flip& f = got.flips[i];
    EXPECT_EQ(f.row, flips[i].at("row").get<int64_t>()) << "flip " << i;
    EXPECT_EQ(f.id, std::to_string(f.row));
    EXPECT_EQ(f.label, flips[i].at("label").get<int32_t>());
    EXPECT_EQ(f.new_score, flips[i].at("new_score").get<double>());
    EXPECT_EQ(f.previous_score, flips[i].at("previous_score").get<double>());
    EXPECT_EQ(f.new_correct, flips[i].at("new_correct").get<bool>());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest,
                         ::testing::Values("binary_better", "binary_worse_margin",
                                           "binary_close_margin", "binary_small_ties",
                                           "binary_identical", "multiclass_3",
                                           "multiclass_4_margin"));

TEST(GoldenFileTest, EveryCaseIsReplayed) { EXPECT_EQ(Golden().at("cases").size(), 7u); }

}  // namespace
}  // namespace verdict::comparison
