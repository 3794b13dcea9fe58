// Private to metrics/: exact ascending sort of finite doubles through order-preserving integer
// keys and an LSD radix sort (11-bit digits). Digits that are equal in every key are skipped.
// Scores that are all float32 values (the usual model output) are sorted as 32-bit keys: three
// passes over half the bytes. No allocation per element.
//
// Large inputs are sorted on several threads: each takes a contiguous slice, counts its digits,
// and scatters into the places that the counts of the slices before it leave free. A stable sort
// has one result, so the output is the same whatever the thread count.
#pragma once

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace verdict::metrics::internal {

inline constexpr uint64_t kKeySignBit = uint64_t{1} << 63;
inline constexpr uint32_t kKeySignBit32 = uint32_t{1} << 31;

// Maps a finite double to an unsigned key with the same order; -0.0 and +0.0 map alike.
inline uint64_t OrderedKey(double value) {
  const uint64_t bits = std::bit_cast<uint64_t>(value + 0.0);  // -0.0 + 0.0 is +0.0
  return (bits & kKeySignBit) ? ~bits : (bits | kKeySignBit);
}

// Inverse of OrderedKey.
inline double KeyValue(uint64_t key) {
  return std::bit_cast<double>((key & kKeySignBit) ? (key & ~kKeySignBit) : ~key);
}

// The same for float: OrderedKey(double(f)) == WidenKey(OrderedKey32(f)).
inline uint32_t OrderedKey32(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value + 0.0f);
  return (bits & kKeySignBit32) ? ~bits : (bits | kKeySignBit32);
}

inline uint64_t WidenKey(uint32_t key) {
  const uint32_t bits = (key & kKeySignBit32) ? (key & ~kKeySignBit32) : ~key;
  return OrderedKey(static_cast<double>(std::bit_cast<float>(bits)));
}

// True when the double is exactly a float32 value.
inline bool IsFloat32(double value) {
  return std::abs(value) <= FLT_MAX && static_cast<double>(static_cast<float>(value)) == value;
}

// A key with the row it came from.
struct KeyedRow {
  uint64_t key;
  int64_t row;
};

// Threads a sort uses by default: half the machine's cores, at least 1 and at most 4. The passes
// are bound by memory bandwidth and the threaded sort makes one pass more than the plain one: on
// a shared 2-vCPU VM two threads sorted 7*10^6 float32 keys in 106-142 ms against 81-112 ms on
// one (docs/performance.md). Inputs below 2^16 keys per thread are sorted on the calling thread.
int DefaultSortThreads();

// Stable ascending sort by key of keys[0..size) using scratch[0..size) as the other buffer.
// Returns whichever of the two holds the result; the other is left unspecified.
uint32_t* RadixSort(uint32_t* keys, uint32_t* scratch, size_t size,
                    int threads = DefaultSortThreads());

// Stable ascending sort by key. `scratch` is resized to the input's size and left unspecified.
void RadixSort(std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch,
               int threads = DefaultSortThreads());
void RadixSort(std::vector<KeyedRow>& records, std::vector<KeyedRow>& scratch,
               int threads = DefaultSortThreads());

// Stable ascending sort of 64-bit records by their high 32 bits alone (e.g. a float32 key
// above a row index: three passes instead of six over 8-byte records).
void RadixSortByHighHalf(std::vector<uint64_t>& records, std::vector<uint64_t>& scratch,
                         int threads = DefaultSortThreads());

}  // namespace verdict::metrics::internal
