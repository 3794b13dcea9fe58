#include "metrics/radix_sort.h"

#include <algorithm>
#include <cstddef>
#include <thread>
#include <utility>

namespace verdict::metrics::internal {
namespace {

constexpr int kDigitBits = 11;
constexpr size_t kBuckets = size_t{1} << kDigitBits;
constexpr size_t kMinKeysPerThread = size_t{1} << 16;

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

// Contiguous slices of `size` items, one per thread.
struct Slices {
  size_t size;
  int count;
  size_t Begin(int slice) const { return size * slice / count; }
  size_t End(int slice) const { return size * (slice + 1) / count; }
};

Slices MakeSlices(size_t size, int threads) {
  const size_t most = std::max<size_t>(1, size / kMinKeysPerThread);
  return Slices{size, static_cast<int>(std::clamp<size_t>(threads, 1, most))};
}

// Runs work(0..count-1), each on its own thread; work(0) on the calling thread.
template <typename Work>
void RunOnThreads(int count, Work work) {
  std::vector<std::jthread> helpers;
  for (int part = 1; part < count; ++part) helpers.emplace_back(work, part);
  work(0);
}

template <typename Work>
void ForEachSlice(const Slices& slices, Work work) {
  RunOnThreads(slices.count, work);
}

// counts[digit * kBuckets + bucket]: how many keys have `bucket` at `digit`.
template <typename Record>
std::vector<size_t> CountDigits(const Record* records, const Slices& slices, KeyBits bits) {
  const size_t per_slice = static_cast<size_t>(bits.Digits()) * kBuckets;
  std::vector<size_t> counts(per_slice * slices.count, 0);
  ForEachSlice(slices, [&](int slice) {
    size_t* mine = counts.data() + per_slice * slice;
    for (size_t i = slices.Begin(slice); i < slices.End(slice); ++i) {
      const uint64_t key = KeyOf(records[i]);
      for (int digit = 0; digit < bits.Digits(); ++digit) {
        ++mine[digit * kBuckets + DigitAt(key, bits.Shift(digit))];
      }
    }
  });
  for (int slice = 1; slice < slices.count; ++slice) {
    for (size_t i = 0; i < per_slice; ++i) counts[i] += counts[per_slice * slice + i];
  }
  counts.resize(per_slice);
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

// One stable pass on the digit at `shift`. `counts` are the digit's counts over all keys. Each
// slice writes bucket b after every key of a lower bucket and after the keys of bucket b in the
// slices before it, which is where a single thread would put them.
template <typename Record>
void ScatterByDigit(const Record* from, Record* to, const Slices& slices, int shift,
                    const size_t* counts) {
  std::vector<size_t> offsets(kBuckets * slices.count, 0);
  if (slices.count == 1) {
    std::copy(counts, counts + kBuckets, offsets.begin());
  } else {
    ForEachSlice(slices, [&](int slice) {
      size_t* mine = offsets.data() + kBuckets * slice;
      for (size_t i = slices.Begin(slice); i < slices.End(slice); ++i) {
        ++mine[DigitAt(KeyOf(from[i]), shift)];
      }
    });
  }
  size_t running = 0;
  for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
    for (int slice = 0; slice < slices.count; ++slice) {
      const size_t count = offsets[kBuckets * slice + bucket];
      offsets[kBuckets * slice + bucket] = running;
      running += count;
    }
  }
  ForEachSlice(slices, [&](int slice) {
    size_t* next = offsets.data() + kBuckets * slice;
    for (size_t i = slices.Begin(slice); i < slices.End(slice); ++i) {
      to[next[DigitAt(KeyOf(from[i]), shift)]++] = from[i];
    }
  });
}

template <typename Record>
Record* SortInParts(Record* records, Record* scratch, const Slices& slices, KeyBits bits);

template <typename Record>
Record* SortByKey(Record* records, Record* scratch, size_t size, KeyBits bits, int threads) {
  const Slices slices = MakeSlices(size, threads);
  if (slices.count > 1) return SortInParts(records, scratch, slices, bits);
  const std::vector<size_t> counts = CountDigits(records, slices, bits);
  for (int digit = 0; digit < bits.Digits(); ++digit) {
    const size_t* digit_counts = counts.data() + digit * kBuckets;
    if (AllKeysShareDigit(digit_counts, size)) continue;
    ScatterByDigit(records, scratch, slices, bits.Shift(digit), digit_counts);
    std::swap(records, scratch);
  }
  return records;
}

// Bucket boundaries that cut `counts` into at most `parts` runs of about equal size.
std::vector<size_t> SplitBuckets(const size_t* counts, size_t size, int parts) {
  std::vector<size_t> bounds = {0};
  size_t running = 0;
  for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
    running += counts[bucket];
    const size_t target = size * bounds.size() / static_cast<size_t>(parts);
    if (running >= target && running < size && running > bounds.back()) bounds.push_back(running);
  }
  bounds.push_back(size);
  return bounds;
}

// Several threads: one stable pass on the highest digit that differs (all threads) cuts the keys
// into runs of whole buckets, and each thread then sorts its run alone (a run of one bucket skips
// that digit). Runs are in key order and each is sorted stably: the single-threaded order.
template <typename Record>
Record* SortInParts(Record* records, Record* scratch, const Slices& slices, KeyBits bits) {
  const std::vector<size_t> counts = CountDigits(records, slices, bits);
  int top = bits.Digits() - 1;
  while (top >= 0 && AllKeysShareDigit(counts.data() + top * kBuckets, slices.size)) --top;
  if (top < 0) return records;
  const size_t* top_counts = counts.data() + top * kBuckets;
  ScatterByDigit(records, scratch, slices, bits.Shift(top), top_counts);
  const std::vector<size_t> bounds = SplitBuckets(top_counts, slices.size, slices.count);
  RunOnThreads(static_cast<int>(bounds.size()) - 1, [&](int part) {
    const size_t begin = bounds[part];
    const size_t size = bounds[part + 1] - begin;
    const Record* sorted = SortByKey(scratch + begin, records + begin, size, bits, 1);
    if (sorted != scratch + begin) std::copy(sorted, sorted + size, scratch + begin);
  });
  return scratch;
}

template <typename Record>
void SortVector(std::vector<Record>& records, std::vector<Record>& scratch, KeyBits bits,
                int threads) {
  scratch.resize(records.size());
  if (SortByKey(records.data(), scratch.data(), records.size(), bits, threads) != records.data()) {
    records.swap(scratch);
  }
}

}  // namespace

int DefaultSortThreads() {
  static const int threads =
      static_cast<int>(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u));
  return threads;
}

uint32_t* RadixSort(uint32_t* keys, uint32_t* scratch, size_t size, int threads) {
  return SortByKey(keys, scratch, size, KeyBits{0, 32}, threads);
}

void RadixSort(std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch, int threads) {
  SortVector(keys, scratch, KeyBits{0, 64}, threads);
}

void RadixSort(std::vector<KeyedRow>& records, std::vector<KeyedRow>& scratch, int threads) {
  SortVector(records, scratch, KeyBits{0, 64}, threads);
}

void RadixSortByHighHalf(std::vector<uint64_t>& records, std::vector<uint64_t>& scratch,
                         int threads) {
  SortVector(records, scratch, KeyBits{32, 64}, threads);
}

}  // namespace verdict::metrics::internal
