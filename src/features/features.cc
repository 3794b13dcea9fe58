#include "features/features.h"

#include <algorithm>
#include <cmath>

namespace verdict::features {

namespace {

const bundle::TabularField& FieldOf(const bundle::Manifest& m, const std::string& name) {
  for (const bundle::TabularField& field : m.tabular_fields) {
    if (field.name == name) return field;
  }
  VERDICT_CHECK(false);  // LoadManifest guarantees every input's field is declared
  __builtin_unreachable();
}

// Python spellings of a number: "1" for an integral value, and its float repr ("1.0").
std::vector<std::string> NumericSpellings(std::string_view cell) {
  std::optional<double> value = ParseDouble(cell);
  if (!value || !std::isfinite(*value)) return {};
  std::vector<std::string> spellings;
  if (*value == std::floor(*value) && std::fabs(*value) < 1e18) {
    spellings.push_back(std::to_string(static_cast<int64_t>(*value)));
  }
  spellings.push_back(table::PythonFloatRepr(*value));
  return spellings;
}

Result<std::vector<float>> EncodeRisk(const table::Batch& batch,
                                      const bundle::TabularField& field) {
  VERDICT_ASSIGN_OR_RETURN(auto cells, batch.Strings(field.name));
  std::vector<float> values(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    std::optional<double> risk = LookupRisk(*field.risk_table, cells[i]);
    values[i] = static_cast<float>(risk ? *risk : field.risk_table->default_bin);
  }
  return values;
}

Result<std::vector<float>> EncodeNumeric(const table::Batch& batch,
                                         const bundle::TabularField& field) {
  VERDICT_ASSIGN_OR_RETURN(std::vector<double> numbers, batch.Numbers(field.name));
  std::vector<float> values(numbers.size());
  for (size_t i = 0; i < numbers.size(); ++i) {
    double x = numbers[i];
    if (std::isnan(x)) {
      x = field.missing_value;
    } else if (std::isinf(x)) {
      return InvalidData(batch.Where(field.name, static_cast<int64_t>(i)) + ": value is infinite");
    }
    values[i] = static_cast<float>(x);
  }
  return values;
}

}  // namespace

std::optional<double> LookupRisk(const bundle::RiskTable& table,
                                 const std::optional<std::string>& cell) {
  auto find = [&](const std::string& key) -> std::optional<double> {
    auto it = table.bins.find(key);
    if (it == table.bins.end()) return std::nullopt;
    return it->second;
  };
  if (!cell) return find("nan");
  if (auto hit = find(*cell)) return hit;
  for (const std::string& spelling : NumericSpellings(*cell)) {
    if (auto hit = find(spelling)) return hit;
  }
  return std::nullopt;
}

int32_t ClassIndex(const std::vector<std::string>& class_labels, std::string_view cell) {
  for (size_t c = 0; c < class_labels.size(); ++c) {
    if (class_labels[c] == cell) return static_cast<int32_t>(c);
  }
  std::optional<double> value = ParseDouble(cell);
  if (!value || !std::isfinite(*value)) return -1;
  for (size_t c = 0; c < class_labels.size(); ++c) {
    std::optional<double> label = ParseDouble(class_labels[c]);
    if (label && *label == *value) return static_cast<int32_t>(c);
  }
  return -1;
}

Result<Encoder> Encoder::Create(const bundle::Manifest& manifest) {
  if (!manifest.text_fields.empty()) {
    return Unsupported("bundle '" + manifest.dir +
                       "' has text fields; text models are not supported yet");
  }
  return Encoder(manifest);
}

std::vector<std::string> Encoder::RequiredColumns() const {
  std::vector<std::string> columns;
  for (const bundle::InputSpec& input : manifest_.inputs) {
    if (std::find(columns.begin(), columns.end(), input.field) == columns.end()) {
      columns.push_back(input.field);
    }
  }
  return columns;
}

Result<FeatureBatch> Encoder::Encode(const table::Batch& batch) const {
  FeatureBatch out;
  out.rows = batch.num_rows();
  for (const bundle::InputSpec& input : manifest_.inputs) {
    const bundle::TabularField& field = FieldOf(manifest_, input.field);
    FeatureColumn column;
    if (field.risk_table) {
      VERDICT_ASSIGN_OR_RETURN(column.values, EncodeRisk(batch, field));
    } else {
      VERDICT_ASSIGN_OR_RETURN(column.values, EncodeNumeric(batch, field));
    }
    out.columns.push_back(std::move(column));
  }
  return out;
}

Result<std::vector<int32_t>> Encoder::EncodeLabels(const table::Batch& batch,
                                                   const std::string& name) const {
  VERDICT_ASSIGN_OR_RETURN(auto cells, batch.Strings(name));
  std::vector<int32_t> labels(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    if (!cells[i])
      return InvalidData(batch.Where(name, static_cast<int64_t>(i)) + ": label is missing");
    labels[i] = ClassIndex(manifest_.class_labels, *cells[i]);
    if (labels[i] < 0) {
      std::string known;
      for (const std::string& label : manifest_.class_labels)
        known += (known.empty() ? "" : ", ") + label;
      return InvalidData(batch.Where(name, static_cast<int64_t>(i)) + ": label " +
                         Quote(*cells[i]) + " is not one of the model's classes (" + known + ")");
    }
  }
  return labels;
}

}  // namespace verdict::features
