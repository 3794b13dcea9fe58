#include "metrics/radix_sort.h"

#include <array>
#include <bit>
#include <cstddef>
#include <utility>

namespace verdict::metrics::internal {
namespace {

constexpr int kDigitBits = 8;
constexpr int kDigits = 64 / kDigitBits;
constexpr int kBuckets = 1 << kDigitBits;
constexpr uint64_t kSignBit = uint64_t{1} << 63;

using Histograms = std::array<std::array<size_t, kBuckets>, kDigits>;

uint64_t KeyOf(uint64_t key) { return key; }
uint64_t KeyOf(const KeyedRow& record) { return record.key; }

int DigitOf(uint64_t key, int digit) {
  return static_cast<int>((key >> (digit * kDigitBits)) & (kBuckets - 1));
}

template <typename Record>
Histograms CountDigits(const std::vector<Record>& records) {
  Histograms counts{};
  for (const Record& record : records) {
    const uint64_t key = KeyOf(record);
    for (int digit = 0; digit < kDigits; ++digit) ++counts[digit][DigitOf(key, digit)];
  }
  return counts;
}

// A digit needs no pass when every key has the same value there.
bool AllKeysShareDigit(const std::array<size_t, kBuckets>& counts, size_t size) {
  for (size_t count : counts) {
    if (count == size) return true;
    if (count != 0) return false;
  }
  return true;
}

template <typename Record>
void ScatterByDigit(const std::vector<Record>& from, std::vector<Record>& to, int digit,
                    const std::array<size_t, kBuckets>& counts) {
  std::array<size_t, kBuckets> offsets;
  size_t running = 0;
  for (int bucket = 0; bucket < kBuckets; ++bucket) {
    offsets[bucket] = running;
    running += counts[bucket];
  }
  for (const Record& record : from) to[offsets[DigitOf(KeyOf(record), digit)]++] = record;
}

template <typename Record>
void SortByKey(std::vector<Record>& records, std::vector<Record>& scratch) {
  const Histograms counts = CountDigits(records);
  scratch.resize(records.size());
  for (int digit = 0; digit < kDigits; ++digit) {
    if (AllKeysShareDigit(counts[digit], records.size())) continue;
    ScatterByDigit(records, scratch, digit, counts[digit]);
    records.swap(scratch);
  }
}

}  // namespace

uint64_t OrderedKey(double value) {
  const uint64_t bits = std::bit_cast<uint64_t>(value + 0.0);  // -0.0 + 0.0 is +0.0
  return (bits & kSignBit) ? ~bits : (bits | kSignBit);
}

double KeyValue(uint64_t key) {
  const uint64_t bits = (key & kSignBit) ? (key & ~kSignBit) : ~key;
  return std::bit_cast<double>(bits);
}

void RadixSort(std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch) {
  SortByKey(keys, scratch);
}

void RadixSort(std::vector<KeyedRow>& records, std::vector<KeyedRow>& scratch) {
  SortByKey(records, scratch);
}

}  // namespace verdict::metrics::internal
