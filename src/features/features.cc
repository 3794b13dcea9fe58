#include "features/features.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

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

// The risk of a cell by LookupRisk, the table's default bin where nothing matches.
float Risk(const bundle::RiskTable& table, const std::optional<std::string>& cell) {
  const std::optional<double> risk = LookupRisk(table, cell);
  return static_cast<float>(risk ? *risk : table.default_bin);
}

Result<std::vector<float>> EncodeRisk(const table::Batch& batch, const bundle::TabularField& field,
                                      int64_t& missing) {
  VERDICT_ASSIGN_OR_RETURN(table::TextCells cells, batch.Texts(field.name));
  const bundle::RiskTable& table = *field.risk_table;
  const float missing_risk = Risk(table, std::nullopt);
  // A categorical column holds few distinct values: each is looked up once per batch.
  std::unordered_map<std::string_view, float> risks;
  std::vector<float> values(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::optional<std::string_view>& cell = cells[i];
    if (!cell) {
      ++missing;
      values[i] = missing_risk;
      continue;
    }
    auto [known, added] = risks.try_emplace(*cell, 0.0f);
    if (added) known->second = Risk(table, std::string(*cell));
    values[i] = known->second;
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

}  // namespace

// Threads started once that run the parts of one job at a time: Run(parts, work) calls
// work(0) ... work(parts - 1) on the pool's threads and returns when all have returned. Jobs from
// several callers run one after another.
class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Serve(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size(); }

  void Run(size_t parts, const std::function<void(size_t)>& work) {
    std::lock_guard<std::mutex> one_job(job_mutex_);
    std::unique_lock<std::mutex> lock(mutex_);
    work_ = &work;
    parts_ = parts;
    next_ = 0;
    done_ = 0;
    wake_.notify_all();
    finished_.wait(lock, [&] { return done_ == parts_; });
    work_ = nullptr;
    parts_ = 0;
  }

 private:
  void Serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || next_ < parts_; });
      if (stopping_) return;
      const size_t part = next_++;
      const std::function<void(size_t)>& work = *work_;
      lock.unlock();
      work(part);
      lock.lock();
      if (++done_ == parts_) finished_.notify_all();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex job_mutex_;  // one job at a time
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  const std::function<void(size_t)>* work_ = nullptr;
  size_t parts_ = 0, next_ = 0, done_ = 0;  // parts of the current job: all, handed out, done
  bool stopping_ = false;
};

namespace {

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
  const int threads = ThreadCount(options.threads);
  if (!encoder.text_.empty() && threads > 1) {
    encoder.pool_ = std::make_shared<WorkerPool>(threads);
  }
  return encoder;
}

Result<FeatureColumn> Encoder::EncodeText(const std::string& field,
                                          const std::vector<std::optional<std::string>>& cells,
                                          const std::function<std::string(int64_t)>& where) const {
  auto it = std::find_if(text_.begin(), text_.end(),
                         [&](const auto& text) { return text->field == field; });
  VERDICT_CHECK(it != text_.end());
  const text::TextPipeline& pipeline = *(*it)->pipeline;
  // Each range fills a column of its own, joined in order; a range stops at its first failing
  // cell and the lowest failing index is reported.
  const size_t threads = std::max<size_t>(
      1, std::min<size_t>(pool_ ? pool_->size() : 1, cells.size() / kRowsPerThread));
  const size_t per_thread = (cells.size() + threads - 1) / threads;
  std::vector<FeatureColumn> parts(threads, FeatureColumn::Text());
  size_t first_error = cells.size();
  Status error = Status::Ok();
  std::mutex error_mutex;
  auto run = [&](size_t part) {
    const size_t end = std::min(cells.size(), (part + 1) * per_thread);
    for (size_t i = part * per_thread; i < end; ++i) {
      auto processed = pipeline.Run(cells[i] ? std::string_view(*cells[i]) : "nan");
      if (processed.ok()) {
        parts[part].AddRow(processed->input_ids);
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
  if (threads == 1) {
    run(0);
  } else {
    pool_->Run(threads, run);
  }
  if (!error.ok()) {
    const auto row = static_cast<int64_t>(first_error);
    return InvalidData((where ? where(row) : "row " + std::to_string(row + 1)) + ": " +
                       error.message());
  }
  FeatureColumn out = std::move(parts.front());
  for (size_t part = 1; part < threads; ++part) out.Append(std::move(parts[part]));
  return out;
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
      const int64_t missing = column.missing;
      VERDICT_ASSIGN_OR_RETURN(column, EncodeText(input.field, cells, [&](int64_t row) {
                                 return batch.Where(input.field, row);
                               }));
      column.missing = missing;
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

FeatureColumn FeatureColumn::Text() {
  FeatureColumn column;
  column.chunk_offsets = {0};
  column.row_chunks = {0};
  return column;
}

int64_t FeatureColumn::LongestChunk(int64_t row) const {
  int64_t longest = 0;
  for (int64_t c = FirstChunk(row); c < row_chunks[row + 1]; ++c) {
    longest = std::max(longest, ChunkLength(c));
  }
  return longest;
}

ChunkIds FeatureColumn::RowIds(int64_t row) const {
  ChunkIds out;
  for (int64_t c = FirstChunk(row); c < row_chunks[row + 1]; ++c) {
    const std::span<const int32_t> chunk = Chunk(c);
    out.emplace_back(chunk.begin(), chunk.end());
  }
  return out;
}

void FeatureColumn::AddRow(const ChunkIds& chunks) {
  for (const std::vector<int32_t>& chunk : chunks) {
    ids.insert(ids.end(), chunk.begin(), chunk.end());
    chunk_offsets.push_back(static_cast<int64_t>(ids.size()));
  }
  row_chunks.push_back(static_cast<int64_t>(chunk_offsets.size()) - 1);
}

void FeatureColumn::Append(FeatureColumn&& other) {
  values.insert(values.end(), other.values.begin(), other.values.end());
  if (!other.is_text()) return;
  if (!is_text()) {
    chunk_offsets = {0};
    row_chunks = {0};
  }
  // The other column's offsets, shifted past these ids and chunks.
  const int64_t id_base = chunk_offsets.back();
  const int64_t chunk_base = row_chunks.back();
  ids.insert(ids.end(), other.ids.begin(), other.ids.end());
  for (size_t c = 1; c < other.chunk_offsets.size(); ++c) {
    chunk_offsets.push_back(id_base + other.chunk_offsets[c]);
  }
  for (size_t r = 1; r < other.row_chunks.size(); ++r) {
    row_chunks.push_back(chunk_base + other.row_chunks[r]);
  }
}

FeatureColumn FeatureColumn::Slice(int64_t begin, int64_t end) const {
  FeatureColumn out;
  out.pad_id = pad_id;
  if (!values.empty()) out.values.assign(values.begin() + begin, values.begin() + end);
  if (!is_text()) return out;
  const int64_t first = row_chunks[begin];
  const int64_t last = row_chunks[end];
  const int64_t first_id = chunk_offsets[first];
  out.ids.assign(ids.begin() + first_id, ids.begin() + chunk_offsets[last]);
  for (int64_t c = first; c <= last; ++c) out.chunk_offsets.push_back(chunk_offsets[c] - first_id);
  for (int64_t r = begin; r <= end; ++r) out.row_chunks.push_back(row_chunks[r] - first);
  return out;
}

void FeatureColumn::DropFront(int64_t count) {
  if (!values.empty()) values.erase(values.begin(), values.begin() + count);
  if (!is_text()) return;
  const int64_t chunks = row_chunks[count];
  const int64_t tokens = chunk_offsets[chunks];
  ids.erase(ids.begin(), ids.begin() + tokens);
  chunk_offsets.erase(chunk_offsets.begin(), chunk_offsets.begin() + chunks);
  for (int64_t& offset : chunk_offsets) offset -= tokens;
  row_chunks.erase(row_chunks.begin(), row_chunks.begin() + count);
  for (int64_t& first : row_chunks) first -= chunks;
}

void FeatureBatch::Append(FeatureBatch&& other) {
  if (columns.empty()) {
    *this = std::move(other);
    return;
  }
  VERDICT_CHECK(columns.size() == other.columns.size());
  for (size_t i = 0; i < columns.size(); ++i) columns[i].Append(std::move(other.columns[i]));
  rows += other.rows;
}

void FeatureBatch::DropFront(int64_t count) {
  VERDICT_CHECK(count >= 0 && count <= rows);
  for (FeatureColumn& column : columns) column.DropFront(count);
  rows -= count;
}

FeatureBatch FeatureBatch::Slice(int64_t begin, int64_t end) const {
  VERDICT_CHECK(0 <= begin && begin <= end && end <= rows);
  FeatureBatch out;
  out.rows = end - begin;
  for (const FeatureColumn& column : columns) out.columns.push_back(column.Slice(begin, end));
  return out;
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
