#include "metrics/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace verdict::metrics::internal {
namespace {

TEST(OrderedKeyTest, PreservesOrderOfFiniteDoubles) {
  const std::vector<double> ascending = {
      -std::numeric_limits<double>::max(), -1.5, -1e-300, 0.0, 1e-300, 0.3, 0.5, 1.0, 2.0,
      std::numeric_limits<double>::max()};
  for (size_t i = 1; i < ascending.size(); ++i) {
    EXPECT_LT(OrderedKey(ascending[i - 1]), OrderedKey(ascending[i])) << ascending[i];
  }
}

TEST(OrderedKeyTest, NegativeZeroEqualsZeroAndKeysRoundTrip) {
  EXPECT_EQ(OrderedKey(-0.0), OrderedKey(0.0));
  for (double value : {-3.25, 0.0, 0.1, 1.0}) EXPECT_EQ(KeyValue(OrderedKey(value)), value);
}

TEST(RadixSortTest, SortsKeysLikeStdSort) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  std::vector<uint64_t> keys(5000);
  for (auto& key : keys) key = OrderedKey(static_cast<float>(uniform(random)));
  std::vector<uint64_t> expected = keys;
  std::sort(expected.begin(), expected.end());
  std::vector<uint64_t> scratch;
  RadixSort(keys, scratch);
  EXPECT_EQ(keys, expected);
}

TEST(RadixSortTest, SortsFloatKeysAndWidensThemToDoubleKeys) {
  std::mt19937_64 random(8);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<uint32_t> keys, scratch(4000);
  std::vector<uint64_t> expected;
  for (int i = 0; i < 4000; ++i) {
    const float value = uniform(random);
    keys.push_back(OrderedKey32(value));
    expected.push_back(OrderedKey(static_cast<double>(value)));
  }
  std::sort(expected.begin(), expected.end());
  const uint32_t* sorted = RadixSort(keys.data(), scratch.data(), keys.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(WidenKey(sorted[i]), expected[i]) << i;
}

TEST(RadixSortTest, RecordsWithEqualKeysKeepTheirOrder) {
  std::vector<KeyedRow> rows;
  for (int64_t row = 0; row < 1000; ++row)
    rows.push_back({OrderedKey((row * 37) % 10 / 10.0), row});
  std::vector<KeyedRow> expected = rows;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const KeyedRow& a, const KeyedRow& b) { return a.key < b.key; });
  std::vector<KeyedRow> scratch;
  RadixSort(rows, scratch);
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].key, expected[i].key);
    EXPECT_EQ(rows[i].row, expected[i].row);
  }
}

TEST(RadixSortTest, HandlesEmptyAndConstantInput) {
  std::vector<uint64_t> empty, scratch;
  RadixSort(empty, scratch);
  EXPECT_TRUE(empty.empty());
  std::vector<uint64_t> constant(10, OrderedKey(0.25));
  RadixSort(constant, scratch);
  EXPECT_EQ(constant, std::vector<uint64_t>(10, OrderedKey(0.25)));
}

// Enough keys for several threads (2^16 per thread at least), with many ties.
std::vector<float> ManyScores(size_t count) {
  std::mt19937_64 random(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> scores(count);
  for (float& score : scores) score = std::round(normal(random) * 1000.0f) / 1000.0f;
  return scores;
}

TEST(RadixSortTest, ThreadCountDoesNotChangeTheResult) {
  const std::vector<float> scores = ManyScores(300000);
  std::vector<KeyedRow> rows;
  std::vector<uint32_t> keys32;
  std::vector<uint64_t> packed;  // float32 key above the row index
  for (size_t i = 0; i < scores.size(); ++i) {
    rows.push_back({OrderedKey(scores[i]), static_cast<int64_t>(i)});
    keys32.push_back(OrderedKey32(scores[i]));
    packed.push_back(uint64_t{OrderedKey32(scores[i])} << 32 | (i & 0xFFFFFFFF));
  }
  std::vector<KeyedRow> expected = rows;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const KeyedRow& a, const KeyedRow& b) { return a.key < b.key; });
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(threads);
    std::vector<KeyedRow> sorted = rows, scratch;
    RadixSort(sorted, scratch, threads);
    ASSERT_EQ(sorted.size(), expected.size());
    for (size_t i = 0; i < sorted.size(); ++i) {
      ASSERT_EQ(sorted[i].key, expected[i].key) << i;
      ASSERT_EQ(sorted[i].row, expected[i].row) << i;
    }
    std::vector<uint64_t> keys, key_scratch;
    for (const KeyedRow& row : rows) keys.push_back(row.key);
    RadixSort(keys, key_scratch, threads);
    for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(keys[i], expected[i].key) << i;
    std::vector<uint32_t> narrow = keys32, narrow_scratch(keys32.size());
    const uint32_t* result =
        RadixSort(narrow.data(), narrow_scratch.data(), narrow.size(), threads);
    for (size_t i = 0; i < narrow.size(); ++i) ASSERT_EQ(WidenKey(result[i]), expected[i].key);
    std::vector<uint64_t> halves = packed, half_scratch;
    RadixSortByHighHalf(halves, half_scratch, threads);
    for (size_t i = 0; i < halves.size(); ++i) {
      ASSERT_EQ(halves[i] & 0xFFFFFFFF, static_cast<uint64_t>(expected[i].row)) << i;
    }
  }
}

}  // namespace
}  // namespace verdict::metrics::internal
