// features: from table cells to model inputs, exactly as the model saw them in training.
//
// For each input of the bundle this stage turns a column of a table::Batch into per-row values:
//   tabular field   -> one float32 per row (numeric parse; missing -> the bundle's missing value;
//                      a categorical field goes through its risk table first);
// and it maps the label column to class indices. Batching, padding and tensors are infer/'s job.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder, features::Encoder::Create(manifest));
//   VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch rows, encoder.Encode(batch));
//   VERDICT_ASSIGN_OR_RETURN(std::vector<int32_t> y, encoder.EncodeLabels(batch, "label"));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bundle/bundle.h"
#include "core/core.h"
#include "table/table.h"

namespace verdict::features {

// Values of one model input for every row of a batch.
struct FeatureColumn {
  std::vector<float> values;  // tabular inputs: one value per row
};

// The model inputs of the rows of one table batch, in bundle input order.
struct FeatureBatch {
  int64_t rows = 0;
  std::vector<FeatureColumn> columns;
};

class Encoder {
 public:
  static Result<Encoder> Create(const bundle::Manifest& manifest);

  // The data columns the model needs (each must exist in the data).
  std::vector<std::string> RequiredColumns() const;
  // Model inputs of every row of `batch`. Errors name file, column and row.
  Result<FeatureBatch> Encode(const table::Batch& batch) const;
  // Class index of every row's label in `column`. A label that is missing or not one of the
  // bundle's class labels is an error naming the row.
  Result<std::vector<int32_t>> EncodeLabels(const table::Batch& batch,
                                            const std::string& column) const;

 private:
  explicit Encoder(const bundle::Manifest& manifest) : manifest_(manifest) {}
  bundle::Manifest manifest_;
};

// The key a cell is looked up under in a risk table: the text itself when the table has it,
// otherwise the other spellings pandas/Python could have given the same value in training
// ("1" <-> "1.0"), and "nan" for a missing cell. std::nullopt when nothing matches.
std::optional<double> LookupRisk(const bundle::RiskTable& table,
                                 const std::optional<std::string>& cell);

// The class index of a label cell: exact match with a class label, else numeric equality with a
// numeric class label ("1.0" matches "1"). -1 when none matches.
int32_t ClassIndex(const std::vector<std::string>& class_labels, std::string_view cell);

}  // namespace verdict::features
