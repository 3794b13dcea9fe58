#include <gtest/gtest.h>

#include <cmath>

#include "stats/stats.h"

namespace verdict::stats {
namespace {

Decision DecideOk(double lower, double upper, double margin) {
  const Result<Decision> decision = Decide(lower, upper, margin);
  EXPECT_TRUE(decision.ok()) << decision.status().ToString();
  return decision.ok() ? *decision : Decision::kInconclusive;
}

TEST(DecisionTest, WithoutMargin) {
  EXPECT_EQ(DecideOk(0.001, 0.02, 0), Decision::kBetter);
  EXPECT_EQ(DecideOk(0.0, 0.02, 0), Decision::kInconclusive);  // lower bound must exceed 0
  EXPECT_EQ(DecideOk(-0.01, 0.02, 0), Decision::kInconclusive);
  EXPECT_EQ(DecideOk(-0.03, -0.001, 0), Decision::kWorse);
  EXPECT_EQ(DecideOk(-0.03, 0.0, 0), Decision::kInconclusive);
}

TEST(DecisionTest, WithMargin) {
  const double margin = 0.005;
  EXPECT_EQ(DecideOk(0.001, 0.02, margin), Decision::kBetter);
  EXPECT_EQ(DecideOk(-0.004, 0.01, margin), Decision::kNotWorse);
  EXPECT_EQ(DecideOk(-0.005, 0.01, margin), Decision::kInconclusive);  // bound on the margin
  EXPECT_EQ(DecideOk(-0.02, -0.006, margin), Decision::kWorse);
  // Significantly below 0 but not beyond the margin: neither shown non-inferior nor inferior.
  EXPECT_EQ(DecideOk(-0.008, -0.001, margin), Decision::kInconclusive);
}

TEST(DecisionTest, NaNBoundsAreInconclusive) {
  EXPECT_EQ(DecideOk(NAN, 0.1, 0.01), Decision::kInconclusive);
  EXPECT_EQ(DecideOk(0.1, NAN, 0.01), Decision::kInconclusive);
}

TEST(DecisionTest, RejectsBadArguments) {
  EXPECT_EQ(Decide(0.0, 0.1, -0.01).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Decide(0.0, 0.1, INFINITY).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Decide(0.2, 0.1, 0.0).status().code(), StatusCode::kInvalidArgument);
}

TEST(DecisionTest, Names) {
  EXPECT_EQ(DecisionName(Decision::kBetter), "better");
  EXPECT_EQ(DecisionName(Decision::kNotWorse), "not_worse");
  EXPECT_EQ(DecisionName(Decision::kWorse), "worse");
  EXPECT_EQ(DecisionName(Decision::kInconclusive), "inconclusive");
}

}  // namespace
}  // namespace verdict::stats
