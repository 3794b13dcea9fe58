// Test helper: replays tests/golden/stats/stats_golden.json, written by
// tests/golden/stats/gen_stats_golden.py (SciPy, statsmodels, scikit-learn and the oracle's own
// DeLong and bootstrap).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace verdict::stats::testing {

// The golden file, parsed once (tests run from the repository root).
const nlohmann::json& Golden();

std::vector<double> Doubles(const nlohmann::json& values);
std::vector<int32_t> Ints(const nlohmann::json& values);

// null -> NaN, "inf" / "-inf" -> infinities, numbers as they are.
double Number(const nlohmann::json& value);

// Expects `got` to match `want` within tolerance {"abs": a, "rel": r}:
// |got - want| <= max(a, r * |want|); NaN and infinities must match exactly.
void ExpectMatches(double got, const nlohmann::json& want, const nlohmann::json& tolerance,
                   const std::string& what);

}  // namespace verdict::stats::testing
