// Private to the pipeline stage: the scored rows, the record that joins the job's two halves.
//
//   predict (eval):      bundle + data -> ... -> predictions file   => ScoredRows
//   read (metrics):      predictions file                           => ScoredRows
//   assess (both):       ScoredRows -> metrics -> comparison -> plots, report.html
//
// Probabilities are held exactly as the predictions file holds them (docs/outputs.md): predict
// converts each float32 model output to the double its written text parses to, so assess gives
// the same numbers whether it runs inside `verdict eval` or on eval's file in `verdict metrics`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/core.h"
#include "table/table.h"

namespace verdict::pipeline::internal {

struct ScoredRows {
  int num_classes = 2;
  bool binary = true;                    // scores hold P(class 1) alone
  std::vector<std::string> class_names;  // label value of each class, in class order
  int64_t rows = 0;
  // Class indices 0..K-1, one per row; empty when the data has no labels.
  std::vector<int32_t> labels;
  // Binary: P(class 1) per row; multiclass: row-major [rows, K]. Empty without labels.
  std::vector<double> scores;
  // Comparison mode: the previous model's scores, [rows] (binary) or [rows, K]; NaN = missing.
  std::vector<double> previous;
  // Comparison mode with an id column: one id per row (for the flips file); empty otherwise.
  std::vector<std::string> ids;
  // Data summary for the report (eval only): missing cells per model field, tokens per row per
  // text field.
  std::vector<std::pair<std::string, int64_t>> missing_per_field;
  std::vector<std::pair<std::string, std::vector<int64_t>>> text_lengths;
};

// Which columns of a predictions file hold what (`verdict metrics`).
struct ScoredFileColumns {
  std::string label;                  // required
  std::string id;                     // optional; read only in comparison mode
  std::vector<std::string> scores;    // binary: the one P(class 1) column; multiclass: K columns
  std::vector<std::string> previous;  // comparison mode: 1 (binary) or K columns; else empty
};

// A previous model's score must be a probability or missing: NaN passes (the row is left out of
// the comparison); anything outside [0, 1] is an error naming file, column and row. `values`
// holds the batch's cells of `column`, one every `stride` values.
Status CheckPreviousScores(const table::Batch& batch, const std::string& column,
                           std::span<const double> values, size_t stride);

// Reads the scored rows of a predictions file (CSV/TSV/Parquet file or folder of shards).
// `rows.num_classes`, `binary` and `class_names` are set from the arguments; labels are mapped
// to class indices with table::Batch's class rule. Errors name file, column and row: a label that
// is not one of the classes, a missing or non-finite score, no rows.
Result<ScoredRows> ReadScoredRows(const table::DataSource& source, const ScoredFileColumns& columns,
                                  int num_classes, bool binary,
                                  const std::vector<std::string>& class_names);

}  // namespace verdict::pipeline::internal
