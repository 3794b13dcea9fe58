#include "metrics/radix_sort.h"

#include <cstddef>
#include <type_traits>
#include <utility>

namespace verdict::metrics::internal {
namespace {

constexpr int kDigitBits = 11;
constexpr size_t kBuckets = size_t{1} << kDigitBits;

uint64_t KeyOf(uint64_t key) { return key; }
uint64_t KeyOf(uint32_t key) { return key; }
uint64_t KeyOf(const KeyedRow& record) { return record.key; }

template <typename Record>
constexpr int DigitCount() {
  constexpr int key_bits = std::is_same_v<Record, uint32_t> ? 32 : 64;
  return (key_bits + kDigitBits - 1) / kDigitBits;
}

size_t DigitOf(uint64_t key, int digit) {
  return static_cast<size_t>((key >> (digit * kDigitBits)) & (kBuckets - 1));
}

// counts[digit * kBuckets + bucket]: how many keys have `bucket` at `digit`.
template <typename Record>
std::vector<size_t> CountDigits(const std::vector<Record>& records, int digits) {
  std::vector<size_t> counts(static_cast<size_t>(digits) * kBuckets, 0);
  for (const Record& record : records) {
    const uint64_t key = KeyOf(record);
    for (int digit = 0; digit < digits; ++digit) ++counts[digit * kBuckets + DigitOf(key, digit)];
  }
  return counts;
}

// A digit needs no pass when every key has the same value there.
bool AllKeysShareDigit(const size_t* counts, size_t size) {
  for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
    if (counts[bucket] == size) return true;
    if (counts[bucket] != 0) return false;
  }
  return true;
}

template <typename Record>
void ScatterByDigit(const std::vector<Record>& from, std::vector<Record>& to, int digit,
                    const size_t* counts) {
  std::vector<size_t> offsets(kBuckets);
  size_t running = 0;
  for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
    offsets[bucket] = running;
    running += counts[bucket];
  }
  for (const Record& record : from) to[offsets[DigitOf(KeyOf(record), digit)]++] = record;
}

template <typename Record>
void SortByKey(std::vector<Record>& records, std::vector<Record>& scratch) {
  const int digits = DigitCount<Record>();
  const std::vector<size_t> counts = CountDigits(records, digits);
  scratch.resize(records.size());
  for (int digit = 0; digit < digits; ++digit) {
    const size_t* digit_counts = counts.data() + digit * kBuckets;
    if (AllKeysShareDigit(digit_counts, records.size())) continue;
    ScatterByDigit(records, scratch, digit, digit_counts);
    records.swap(scratch);
  }
}

}  // namespace

void RadixSort(std::vector<uint32_t>& keys, std::vector<uint32_t>& scratch) {
  SortByKey(keys, scratch);
}

void RadixSort(std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch) {
  SortByKey(keys, scratch);
}

void RadixSort(std::vector<KeyedRow>& records, std::vector<KeyedRow>& scratch) {
  SortByKey(records, scratch);
}

}  // namespace verdict::metrics::internal
