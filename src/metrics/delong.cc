// ComputeDeLongPlacements: DeLong's structural components in row order, by one sort of
// (score, row) pairs and one walk over groups of equal scores (Sun & Xu 2014, with midranks
// replaced by counts below and within each tie group). Float32 scores below 2^32 rows sort as
// one 64-bit word per row (key above row index) on the key half only.
#include <algorithm>
#include <limits>
#include <vector>

#include "metrics/metrics.h"
#include "metrics/radix_sort.h"
#include "metrics/validation.h"

namespace verdict::metrics {
namespace {

using internal::KeyedRow;

// Placement of every row (V10 for positives, V01 for negatives) indexed by row, and 2U.
struct RowPlacements {
  std::vector<double> by_row;
  int64_t twice_u = 0;
};

// Walks rows sorted by score; key_of(i) and row_of(i) read the i-th sorted entry.
template <typename KeyOf, typename RowOf>
RowPlacements PlaceRows(size_t size, KeyOf key_of, RowOf row_of, std::span<const int32_t> labels,
                        int64_t m, int64_t n) {
  RowPlacements placements;
  placements.by_row.resize(size);
  int64_t positives_below = 0;
  int64_t negatives_below = 0;
  size_t begin = 0;
  while (begin < size) {
    size_t end = begin;
    int64_t positives_at = 0;
    while (end < size && key_of(end) == key_of(begin)) {
      positives_at += labels[row_of(end)] == 1 ? 1 : 0;
      ++end;
    }
    const int64_t negatives_at = static_cast<int64_t>(end - begin) - positives_at;
    const int64_t positives_above = m - positives_below - positives_at;
    const double positive_placement =
        (static_cast<double>(negatives_below) + 0.5 * static_cast<double>(negatives_at)) /
        static_cast<double>(n);
    const double negative_placement =
        (static_cast<double>(positives_above) + 0.5 * static_cast<double>(positives_at)) /
        static_cast<double>(m);
    for (size_t i = begin; i < end; ++i) {
      const size_t row = row_of(i);
      placements.by_row[row] = labels[row] == 1 ? positive_placement : negative_placement;
    }
    placements.twice_u += positives_at * (2 * negatives_below + negatives_at);
    positives_below += positives_at;
    negatives_below += negatives_at;
    begin = end;
  }
  return placements;
}

bool FitsPackedRows(std::span<const double> scores) {
  return scores.size() <= std::numeric_limits<uint32_t>::max() &&
         std::all_of(scores.begin(), scores.end(), internal::IsFloat32);
}

RowPlacements PlacePackedFloatRows(std::span<const int32_t> labels, std::span<const double> scores,
                                   int64_t m, int64_t n) {
  std::vector<uint64_t> packed(scores.size());
  for (size_t row = 0; row < scores.size(); ++row) {
    const uint32_t key = internal::OrderedKey32(static_cast<float>(scores[row]));
    packed[row] = (static_cast<uint64_t>(key) << 32) | row;
  }
  std::vector<uint64_t> scratch;
  internal::RadixSortByHighHalf(packed, scratch);
  return PlaceRows(
      packed.size(), [&](size_t i) { return packed[i] >> 32; },
      [&](size_t i) { return static_cast<size_t>(packed[i] & 0xffffffffu); }, labels, m, n);
}

RowPlacements PlaceKeyedRows(std::span<const int32_t> labels, std::span<const double> scores,
                             int64_t m, int64_t n) {
  std::vector<KeyedRow> rows(scores.size());
  for (size_t row = 0; row < scores.size(); ++row) {
    rows[row] = {internal::OrderedKey(scores[row]), static_cast<int64_t>(row)};
  }
  std::vector<KeyedRow> scratch;
  internal::RadixSort(rows, scratch);
  return PlaceRows(
      rows.size(), [&](size_t i) { return rows[i].key; },
      [&](size_t i) { return static_cast<size_t>(rows[i].row); }, labels, m, n);
}

}  // namespace

Result<DeLongPlacements> ComputeDeLongPlacements(std::span<const int32_t> labels,
                                                 std::span<const double> scores) {
  VERDICT_RETURN_IF_ERROR(internal::ValidateInput(labels, scores, 1, 2));
  int64_t m = 0;
  for (int32_t label : labels) m += label;
  const int64_t n = static_cast<int64_t>(labels.size()) - m;
  if (m == 0 || n == 0) {
    return InvalidData(std::string("DeLong placements need both classes; no ") +
                       (m == 0 ? "positive (label 1)" : "negative (label 0)") + " rows");
  }
  const RowPlacements placements = FitsPackedRows(scores)
                                       ? PlacePackedFloatRows(labels, scores, m, n)
                                       : PlaceKeyedRows(labels, scores, m, n);
  DeLongPlacements result;
  result.auc = static_cast<double>(placements.twice_u) /
               (2.0 * static_cast<double>(m) * static_cast<double>(n));
  result.positive_placements.reserve(m);
  result.negative_placements.reserve(n);
  for (size_t row = 0; row < labels.size(); ++row) {
    auto& side = labels[row] == 1 ? result.positive_placements : result.negative_placements;
    side.push_back(placements.by_row[row]);
  }
  return result;
}

}  // namespace verdict::metrics
