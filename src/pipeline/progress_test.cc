#include "pipeline/progress.h"

#include <gtest/gtest.h>

namespace verdict::pipeline {
namespace {

TEST(Progress, LineShowsBarRowsRateAndEta) {
  EXPECT_EQ(Progress::Line(1234567, 0.5, 10.0),
            "[############------------]  50%  1,234,567 rows  123,456 rows/s  ETA 0:10");
  EXPECT_EQ(Progress::Line(10, 1.0, 2.0), "[########################] 100%  10 rows  5 rows/s");
  EXPECT_EQ(Progress::Line(0, 0.0, 0.0), "[------------------------]   0%  0 rows");
  EXPECT_NE(Progress::Line(5, 0.25, 4000.0).find("  ETA 3:20:00"), std::string::npos);
}

}  // namespace
}  // namespace verdict::pipeline
