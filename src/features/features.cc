#include "features/features.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

#include "text/text.h"
#include "tokenizer/tokenizer.h"

namespace verdict::features {

// A text field's tokenizer and pipeline; the pipeline points into the tokenizer, so both live
// together behind a shared_ptr and an Encoder stays cheap to move and copy.
struct TextEncoder {
  std::string field;
  std::unique_ptr<const tokenizer::WordPiece> tokenizer;
  std::optional<text::TextPipeline> pipeline;
};

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
  spellings.push_back(FormatPythonFloat(*value));
  return spellings;
}

Result<std::vector<float>> EncodeRisk(const table::Batch& batch, const bundle::TabularField& field,
                                      int64_t& missing) {
  VERDICT_ASSIGN_OR_RETURN(auto cells, batch.Strings(field.name));
  std::vector<float> values(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    missing += !cells[i].has_value();
    std::optional<double> risk = LookupRisk(*field.risk_table, cells[i]);
    values[i] = static_cast<float>(risk ? *risk : field.risk_table->default_bin);
  }
  return values;
}

Result<std::vector<float>> EncodeNumeric(const table::Batch& batch,
                                         const bundle::TabularField& field, int64_t& missing) {
  VERDICT_ASSIGN_OR_RETURN(std::vector<double> numbers, batch.Numbers(field.name));
  std::vector<float> values(numbers.size());
  for (size_t i = 0; i < numbers.size(); ++i) {
    double x = numbers[i];
    if (std::isnan(x)) {
      x = field.missing_value;
      ++missing;
    } else if (std::isinf(x)) {
      return InvalidData(batch.Where(field.name, static_cast<int64_t>(i)) + ": value is infinite");
    }
    values[i] = static_cast<float>(x);
    if (std::isinf(values[i])) {
      return InvalidData(batch.Where(field.name, static_cast<int64_t>(i)) + ": value " +
                         FormatPythonFloat(x) + " is beyond float32's range (the model's inputs)");
    }
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

namespace {

Result<std::shared_ptr<const TextEncoder>> MakeTextEncoder(const bundle::Manifest& manifest,
                                                           const bundle::TextField& field) {
  const std::string where = "bundle '" + manifest.dir + "' text field '" + field.name + "'";
  auto encoder = std::make_shared<TextEncoder>();
  encoder->field = field.name;
  VERDICT_ASSIGN_OR_RETURN(tokenizer::WordPiece wordpiece,
                           tokenizer::WordPiece::Load(field.tokenizer));
  encoder->tokenizer = std::make_unique<const tokenizer::WordPiece>(std::move(wordpiece));
  text::PipelineOptions options{static_cast<size_t>(field.max_sen_len), field.chunk_truncate,
                                static_cast<size_t>(std::max(field.max_total_chunks, 0))};
  auto pipeline = text::TextPipeline::Build(field.steps, encoder->tokenizer.get(), options);
  if (!pipeline.ok()) return InvalidBundle(where + ": " + pipeline.status().message());
  if (!pipeline->tokenizes()) {
    return InvalidBundle(where + ": the steps must end with 'tokenizer' (the model takes ids)");
  }
  encoder->pipeline.emplace(std::move(*pipeline));
  return std::shared_ptr<const TextEncoder>(std::move(encoder));
}

int ThreadCount(int requested) {
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// Rows per thread below which starting threads costs more than it saves.
constexpr size_t kRowsPerThread = 16;

}  // namespace

Result<Encoder> Encoder::Create(const bundle::Manifest& manifest, const EncoderOptions& options) {
  if (options.threads < 0) return InvalidArgument("preprocessing threads must be 0 or more");
  Encoder encoder(manifest, options);
  for (const bundle::TextField& field : manifest.text_fields) {
    VERDICT_ASSIGN_OR_RETURN(auto text, MakeTextEncoder(manifest, field));
    encoder.text_.push_back(std::move(text));
  }
  return encoder;
}

Result<std::vector<ChunkIds>> Encoder::EncodeText(
    const std::string& field, const std::vector<std::optional<std::string>>& cells,
    const std::function<std::string(int64_t)>& where) const {
  auto it = std::find_if(text_.begin(), text_.end(),
                         [&](const auto& text) { return text->field == field; });
  VERDICT_CHECK(it != text_.end());
  const text::TextPipeline& pipeline = *(*it)->pipeline;
  std::vector<ChunkIds> out(cells.size());
  // Each range stops at its first failing cell; the lowest failing index is reported.
  size_t first_error = cells.size();
  Status error = Status::Ok();
  std::mutex error_mutex;
  auto run = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      auto processed = pipeline.Run(cells[i] ? std::string_view(*cells[i]) : "nan");
      if (processed.ok()) {
        out[i] = std::move(processed->input_ids);
        continue;
      }
      std::lock_guard<std::mutex> lock(error_mutex);
      if (i < first_error) {
        first_error = i;
        error = processed.status();
      }
      return;
    }
  };
  const size_t threads = std::min<size_t>(static_cast<size_t>(ThreadCount(options_.threads)),
                                          cells.size() / kRowsPerThread);
  if (threads <= 1) {
    run(0, cells.size());
  } else {
    std::vector<std::thread> workers;
    const size_t per_thread = (cells.size() + threads - 1) / threads;
    for (size_t begin = 0; begin < cells.size(); begin += per_thread) {
      workers.emplace_back(run, begin, std::min(cells.size(), begin + per_thread));
    }
    for (std::thread& worker : workers) worker.join();
  }
  if (error.ok()) return out;
  const auto row = static_cast<int64_t>(first_error);
  return InvalidData((where ? where(row) : "row " + std::to_string(row + 1)) + ": " +
                     error.message());
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

Result<FeatureColumn> Encoder::EncodeInput(const table::Batch& batch,
                                           const bundle::InputSpec& input) const {
  FeatureColumn column;
  switch (input.kind) {
    case bundle::InputKind::kTabular: {
      const bundle::TabularField& field = FieldOf(manifest_, input.field);
      if (field.risk_table) {
        VERDICT_ASSIGN_OR_RETURN(column.values, EncodeRisk(batch, field, column.missing));
      } else {
        VERDICT_ASSIGN_OR_RETURN(column.values, EncodeNumeric(batch, field, column.missing));
      }
      break;
    }
    case bundle::InputKind::kTextIds: {
      VERDICT_ASSIGN_OR_RETURN(auto cells, batch.Strings(input.field));
      for (const auto& cell : cells) column.missing += !cell.has_value();
      VERDICT_ASSIGN_OR_RETURN(
          column.chunks, EncodeText(input.field, cells, [&](int64_t row) {
            return batch.Where(input.field, row);
          }));
      for (const auto& text : text_) {
        if (text->field == input.field) column.pad_id = std::max(text->tokenizer->pad_id(), 0);
      }
      break;
    }
    case bundle::InputKind::kAttentionMask:
      break;
  }
  return column;
}

Result<FeatureBatch> Encoder::Encode(const table::Batch& batch) const {
  FeatureBatch out;
  out.rows = batch.num_rows();
  for (const bundle::InputSpec& input : manifest_.inputs) {
    VERDICT_ASSIGN_OR_RETURN(FeatureColumn column, EncodeInput(batch, input));
    out.columns.push_back(std::move(column));
  }
  return out;
}

void FeatureBatch::Append(FeatureBatch&& other) {
  if (columns.empty()) {
    *this = std::move(other);
    return;
  }
  VERDICT_CHECK(columns.size() == other.columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    FeatureColumn& to = columns[i];
    FeatureColumn& from = other.columns[i];
    to.values.insert(to.values.end(), from.values.begin(), from.values.end());
    to.chunks.insert(to.chunks.end(), std::make_move_iterator(from.chunks.begin()),
                     std::make_move_iterator(from.chunks.end()));
  }
  rows += other.rows;
}

void FeatureBatch::DropFront(int64_t count) {
  VERDICT_CHECK(count >= 0 && count <= rows);
  for (FeatureColumn& column : columns) {
    if (!column.values.empty())
      column.values.erase(column.values.begin(), column.values.begin() + count);
    if (!column.chunks.empty())
      column.chunks.erase(column.chunks.begin(), column.chunks.begin() + count);
  }
  rows -= count;
}

Result<std::vector<int32_t>> Encoder::EncodeLabels(const table::Batch& batch,
                                                   const std::string& name) const {
  VERDICT_ASSIGN_OR_RETURN(std::vector<int32_t> labels,
                           batch.ClassIndices(name, manifest_.class_labels));
  const auto unknown = std::find(labels.begin(), labels.end(), -1);
  if (unknown == labels.end()) return labels;
  // The first row without a class, described from its text.
  const int64_t row = unknown - labels.begin();
  VERDICT_ASSIGN_OR_RETURN(auto cells, batch.Strings(name));
  if (!cells[row]) return InvalidData(batch.Where(name, row) + ": label is missing");
  std::string known;
  for (const std::string& label : manifest_.class_labels) {
    known += (known.empty() ? "" : ", ") + label;
  }
  return InvalidData(batch.Where(name, row) + ": label " + Quote(*cells[row]) +
                     " is not one of the model's classes (" + known + ")");
}

}  // namespace verdict::features
