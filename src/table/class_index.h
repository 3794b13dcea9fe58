// Private to table/: the class rule for label cells, applied to typed values without building
// the cell's text (see ClassIndexOfCell in table.h for the rule).
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace verdict::table::internal {

// ParseDouble's reading of a cell when it is a finite number, without allocating.
std::optional<double> ParseFiniteNumber(std::string_view text);

// The class labels, prepared so that each kind of cell is matched without text per row.
class ClassMatcher {
 public:
  explicit ClassMatcher(const std::vector<std::string>& class_labels);

  // A cell's text (CSV/TSV, Parquet strings, and the spellings of other types).
  int32_t OfText(std::string_view cell) const;
  // A floating-point cell, whose text is its Python repr ("1.0", "nan").
  int32_t OfDouble(double value) const;
  // An integer cell, whose text is its decimal digits.
  int32_t OfInteger(int64_t value) const;
  int32_t OfUnsigned(uint64_t value) const;

 private:
  int32_t OfExactText(std::string_view cell) const;
  template <typename Integer>
  int32_t OfIntegerValue(Integer value) const;
  int32_t OfFiniteNumber(double value) const;

  const std::vector<std::string>& labels_;
  // Per class: the label's value when it parses as a finite number.
  std::vector<std::optional<double>> numbers_;
  // Per class: the value whose Python repr is exactly the label ("1.0", "nan"), if any.
  std::vector<std::optional<double>> reprs_;
};

// The class index of every cell of `array` into out[0..length); -1 for a missing cell or one
// that matches no class. `csv`: string cells spelled like a pandas NA value are missing.
// Errors: a type that has no text form (the message names the type).
Status ClassIndicesOfArray(const std::shared_ptr<arrow::Array>& array, const ClassMatcher& matcher,
                           bool csv, std::span<int32_t> out);

}  // namespace verdict::table::internal
