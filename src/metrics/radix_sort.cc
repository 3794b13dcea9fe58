#include "metrics/radix_sort.h"

#include <cstddef>
#include <utility>

namespace verdict::metrics::internal {
namespace {

constexpr int kDigitBits = 11;
constexpr size_t kBuckets = size_t{1} << kDigitBits;

uint64_t KeyOf(uint64_t key) { return key; }
uint64_t KeyOf(uint32_t key) { return key; }
uint64_t KeyOf(const KeyedRow& record) { return record.key; }

// The key bits to sort on, [first_bit, end_bit), in digits of kDigitBits from first_bit.
struct KeyBits {
  int first_bit;
  int end_bit;
  int Digits() const { return (end_bit - first_bit + kDigitBits - 1) / kDigitBits; }
  int Shift(int digit) const { return first_bit + digit * kDigitBits; }
};

size_t DigitAt(uint64_t key, int shift) {
  return static_cast<size_t>((key >> shift) & (kBuckets - 1));
}

// counts[digit * kBuckets + bucket]: how many keys have `bucket` at `digit`.
template <typename Record>
std::vector<size_t> CountDigits(const Record* records, size_t size, KeyBits bits) {
  const int digits = bits.Digits();
  std::vector<size_t> counts(static_cast<size_t>(digits) * kBuckets, 0);
  for (size_t i = 0; i < size; ++i) {
    const uint64_t key = KeyOf(records[i]);
    for (int digit = 0; digit < digits; ++digit) {
      ++counts[digit * kBuckets + DigitAt(key, bits.Shift(digit))];
    }
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
void ScatterByDigit(const Record* from, Record* to, size_t size, int shift, const size_t* counts) {
  std::vector<size_t> offsets(kBuckets);
  size_t running = 0;
  for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
    offsets[bucket] = running;
    running += counts[bucket];
  }
  for (size_t i = 0; i < size; ++i) to[offsets[DigitAt(KeyOf(from[i]), shift)]++] = from[i];
}

template <typename Record>
Record* SortByKey(Record* records, Record* scratch, size_t size, KeyBits bits) {
  const std::vector<size_t> counts = CountDigits(records, size, bits);
  for (int digit = 0; digit < bits.Digits(); ++digit) {
    const size_t* digit_counts = counts.data() + digit * kBuckets;
    if (AllKeysShareDigit(digit_counts, size)) continue;
    ScatterByDigit(records, scratch, size, bits.Shift(digit), digit_counts);
    std::swap(records, scratch);
  }
  return records;
}

template <typename Record>
void SortVector(std::vector<Record>& records, std::vector<Record>& scratch, KeyBits bits) {
  scratch.resize(records.size());
  if (SortByKey(records.data(), scratch.data(), records.size(), bits) != records.data()) {
    records.swap(scratch);
  }
}

}  // namespace

uint32_t* RadixSort(uint32_t* keys, uint32_t* scratch, size_t size) {
  return SortByKey(keys, scratch, size, KeyBits{0, 32});
}

void RadixSort(std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch) {
  SortVector(keys, scratch, KeyBits{0, 64});
}

void RadixSort(std::vector<KeyedRow>& records, std::vector<KeyedRow>& scratch) {
  SortVector(records, scratch, KeyBits{0, 64});
}

void RadixSortByHighHalf(std::vector<uint64_t>& records, std::vector<uint64_t>& scratch) {
  SortVector(records, scratch, KeyBits{32, 64});
}

}  // namespace verdict::metrics::internal
