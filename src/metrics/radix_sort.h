// Private to metrics/: exact ascending sort of finite doubles through order-preserving integer
// keys and an LSD radix sort (8-bit digits). Digits that are equal in every key are skipped, so
// scores that came from float32 (29 trailing zero bits) or that share an exponent sort in fewer
// passes. No allocation per element; the caller owns the buffers.
#pragma once

#include <cstdint>
#include <vector>

namespace verdict::metrics::internal {

// Maps a finite double to an unsigned key with the same order; -0.0 and +0.0 map alike.
uint64_t OrderedKey(double value);
// Inverse of OrderedKey.
double KeyValue(uint64_t key);

// A key with the row it came from.
struct KeyedRow {
  uint64_t key;
  int64_t row;
};

// Stable ascending sort by key. `scratch` is resized to keys.size() and left unspecified.
void RadixSort(std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch);
void RadixSort(std::vector<KeyedRow>& records, std::vector<KeyedRow>& scratch);

}  // namespace verdict::metrics::internal
