#include "infer/backoff.h"

#include <gtest/gtest.h>

#include <numeric>
#include <utility>

namespace verdict::infer {
namespace {

// A fake model call: items [begin, end) give their indices, and a call of more than `fits` items
// runs out of memory, as a GPU whose free memory holds `fits` items would (the injected failure).
struct FakeRunner {
  int64_t fits;
  std::vector<std::pair<int64_t, int64_t>> calls;  // every call made, failed ones too

  Result<std::vector<float>> operator()(int64_t begin, int64_t end) {
    calls.emplace_back(begin, end);
    if (end - begin > fits) return OutOfMemory("CUDA out of memory. Tried to allocate 2.00 GiB");
    std::vector<float> out(static_cast<size_t>(end - begin));
    std::iota(out.begin(), out.end(), static_cast<float>(begin));
    return out;
  }
};

std::vector<float> Indices(int64_t n) {
  std::vector<float> indices(static_cast<size_t>(n));
  std::iota(indices.begin(), indices.end(), 0.0f);
  return indices;
}

TEST(Backoff, RunsInOneCallWhileItFits) {
  Backoff backoff("rows");
  FakeRunner fake{64, {}};
  auto out = backoff.Run(64, std::ref(fake));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, Indices(64));
  EXPECT_EQ(fake.calls, (std::vector<std::pair<int64_t, int64_t>>{{0, 64}}));
}

// 64 rows where 20 fit: 64 and 32 fail, then halves of 16; the limit stays at 16 for the next
// batch, and each halving is logged once.
TEST(Backoff, HalvesUntilItFitsAndKeepsTheSmallerSize) {
  Backoff backoff("rows");
  FakeRunner fake{20, {}};
  testing::internal::CaptureStderr();
  auto out = backoff.Run(64, std::ref(fake));
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, Indices(64));
  EXPECT_EQ(fake.calls, (std::vector<std::pair<int64_t, int64_t>>{
                            {0, 64}, {0, 32}, {0, 16}, {16, 32}, {32, 48}, {48, 64}}));
  EXPECT_EQ(backoff.limit(), 16);
  EXPECT_NE(log.find("out of memory on a batch of 64 rows; retrying in halves; continuing with 32"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("out of memory on a batch of 32 rows; retrying in halves; continuing with 16"),
            std::string::npos)
      << log;
  fake.calls.clear();
  testing::internal::CaptureStderr();
  auto next = backoff.Run(40, std::ref(fake));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");  // no new halving, no new line
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, Indices(40));
  EXPECT_EQ(fake.calls, (std::vector<std::pair<int64_t, int64_t>>{{0, 16}, {16, 32}, {32, 40}}));
}

TEST(Backoff, AnOddBatchHalvesWithTheLargerHalfFirst) {
  Backoff backoff("chunks");
  FakeRunner fake{3, {}};
  testing::internal::CaptureStderr();
  auto out = backoff.Run(5, std::ref(fake));
  testing::internal::GetCapturedStderr();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Indices(5));
  EXPECT_EQ(fake.calls, (std::vector<std::pair<int64_t, int64_t>>{{0, 5}, {0, 3}, {3, 5}}));
  EXPECT_EQ(backoff.limit(), 3);
}

TEST(Backoff, OneRowThatDoesNotFitIsAClearError) {
  Backoff backoff("rows");
  FakeRunner fake{0, {}};
  testing::internal::CaptureStderr();
  auto out = backoff.Run(4, std::ref(fake));
  testing::internal::GetCapturedStderr();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfMemory);
  EXPECT_EQ(out.status().message(),
            "out of memory on a batch of one of the rows, the least there is (it does not fit "
            "this device; --fallback-cpu or DEVICE=cpu runs it on the CPU): CUDA out of memory. "
            "Tried to allocate 2.00 GiB");
  EXPECT_EQ(out.status().message().find('\n'), std::string::npos);
  EXPECT_EQ(fake.calls.size(), 3u);  // 4, 2, 1
}

TEST(Backoff, OtherErrorsPassUntouched) {
  Backoff backoff("rows");
  int calls = 0;
  auto out = backoff.Run(8, [&](int64_t, int64_t) -> Result<std::vector<float>> {
    ++calls;
    return InvalidBundle("model 'm.pt' failed on a batch: shape mismatch");
  });
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidBundle);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(backoff.limit(), std::numeric_limits<int64_t>::max());
}

TEST(Backoff, FailAboveInjectsTheFailureWithoutCalling) {
  Backoff backoff("rows");
  backoff.FailAbove(2);
  FakeRunner fake{1000, {}};
  testing::internal::CaptureStderr();
  auto out = backoff.Run(8, std::ref(fake));
  testing::internal::GetCapturedStderr();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Indices(8));
  EXPECT_EQ(backoff.limit(), 2);
  EXPECT_EQ(fake.calls.size(), 4u);  // only the calls that fit ran
}

}  // namespace
}  // namespace verdict::infer
