// Private helpers of the comparison stage, shared by compare.cc, output.cc and the tests.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "comparison/comparison.h"

namespace verdict::comparison::internal {

// A threshold as Python's str(float) spells it ("0.3", "1.0", "1e-05"), for key names.
std::string PythonFloatText(double value);

// Dense ranks of `scores` as doubles (0 = lowest; equal scores share a rank). Ranking metrics
// computed on ranks equal those on the scores, and the ranks let AverageOnDenseRanks count
// instead of sort.
std::vector<double> DenseRanks(std::span<const double> scores);

// Average precision (scikit-learn's step-wise sum) of 0/1 labels scored by dense ranks; NaN
// without positives. O(N + max rank).
double AverageOnDenseRanks(std::span<const int32_t> labels, std::span<const double> ranks);

// F1 of 0/1 predictions (a value >= 0.5 is positive) against 0/1 labels; NaN when there is no
// positive label and no positive prediction.
double F1OfPredictions(std::span<const int32_t> labels, std::span<const double> predictions);

// Mean of the values (accuracy when they are 0/1 correctness flags); NaN when empty.
double MeanOf(std::span<const int32_t> labels, std::span<const double> values);

}  // namespace verdict::comparison::internal
