#include "pipeline/predict.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "bundle/bundle.h"
#include "features/features.h"
#include "infer/infer.h"
#include "metrics/metrics.h"
#include "pipeline/assess.h"
#include "pipeline/precision.h"
#include "pipeline/progress.h"

namespace verdict::pipeline::internal {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// "file 'x.csv' row 17" for the r-th row of `batch` (rows counted from 1 within each file).
std::string RowWhere(const table::Batch& batch, size_t r) {
  return "file '" + batch.file() + "' row " +
         std::to_string(batch.first_row() + static_cast<int64_t>(r) + 1);
}

// Everything decided before the first row is read.
struct Plan {
  bundle::Manifest manifest;
  table::DataSource source;
  table::Format output_format = table::Format::kCsv;
  std::string predictions_path;
  std::string id_column;             // empty: no id column in the data
  std::string label_column;          // empty: no label column (scoring only)
  std::vector<std::string> columns;  // columns to read
  // Comparison mode: the previous model's score columns (binary: P(class 1); multiclass: one per
  // class). Empty: standard mode.
  std::vector<std::string> previous_columns;
  bundle::Device device;
  std::string fallback;  // --fallback-cpu's warning when the GPU asked for cannot be used
  int batch_size = 64;

  bool binary() const { return manifest.task == bundle::Task::kBinary; }
};

Result<bundle::Device> ChooseDevice(const EvalConfig& config) {
  std::string accelerator = AsciiLower(TrimAscii(config.accelerator));
  std::string device = AsciiLower(TrimAscii(config.device));
  if (accelerator.empty() || accelerator == "auto") return infer::ResolveDevice(device);
  if (accelerator == "cpu") {
    VERDICT_ASSIGN_OR_RETURN(bundle::Device resolved,
                             infer::ResolveDevice(device == "auto" ? "cpu" : device));
    if (resolved.cuda) {
      return InvalidArgument("DEVICE " + Quote(config.device) + " conflicts with ACCELERATOR=cpu");
    }
    return resolved;
  }
  if (accelerator == "gpu" || accelerator == "cuda") {
    return infer::ResolveDevice(device == "auto" ? "cuda" : device);
  }
  return InvalidArgument("ACCELERATOR " + Quote(config.accelerator) +
                         " is not one of auto, cpu, gpu");
}

// The column named by a flag/env value (must exist) or by the bundle (may be absent).
Result<std::string> ChooseColumn(const table::Reader& probe, const std::string& requested,
                                 const std::string& from_bundle, const char* what) {
  if (!requested.empty()) {
    if (!probe.HasColumn(requested)) {
      return NotFound("the data has no " + std::string(what) + " column " + Quote(requested));
    }
    return requested;
  }
  if (!from_bundle.empty() && probe.HasColumn(from_bundle)) return from_bundle;
  if (!from_bundle.empty()) {
    LogWarning("the data has no " + std::string(what) + " column " + Quote(from_bundle));
  }
  return std::string();
}

// Comparison mode is on only when asked for, its columns exist and the data has labels (seed
// §10.1); otherwise a warning and standard mode.
Result<std::vector<std::string>> ChoosePreviousColumns(const EvalConfig& config,
                                                       const table::Reader& probe,
                                                       const Plan& plan) {
  const std::vector<std::string> standard_mode;
  if (!config.comparison_mode) return standard_mode;
  const std::vector<std::string>& columns = config.comparison.previous_score_columns;
  if (columns.empty()) {
    LogWarning("COMPARISON_MODE is true but PREVIOUS_SCORE_FIELD is empty: standard mode");
    return standard_mode;
  }
  for (const std::string& column : columns) {
    if (!probe.HasColumn(column)) {
      LogWarning("the data has no previous score column " + Quote(column) + ": standard mode");
      return standard_mode;
    }
  }
  if (plan.label_column.empty()) {
    LogWarning("comparison mode needs a label column: standard mode");
    return standard_mode;
  }
  VERDICT_RETURN_IF_ERROR(
      CheckPreviousColumnCount(columns, plan.binary(), plan.manifest.num_classes));
  return columns;
}

Result<Plan> MakePlan(const EvalConfig& config, const features::Encoder& encoder,
                      bundle::Manifest manifest) {
  Plan plan;
  plan.manifest = std::move(manifest);
  VERDICT_ASSIGN_OR_RETURN(plan.source, table::ResolveDataSource(config.data));
  VERDICT_ASSIGN_OR_RETURN(table::Reader probe, table::Reader::Open(plan.source));
  for (const std::string& column : encoder.RequiredColumns()) {
    if (!probe.HasColumn(column)) {
      return NotFound("file '" + plan.source.files.front() + "' has no column " + Quote(column) +
                      ", which the model needs");
    }
  }
  VERDICT_ASSIGN_OR_RETURN(plan.id_column,
                           ChooseColumn(probe, config.id_field, plan.manifest.id_field, "id"));
  VERDICT_ASSIGN_OR_RETURN(plan.label_column, ChooseColumn(probe, config.label_field,
                                                           plan.manifest.label_field, "label"));
  VERDICT_ASSIGN_OR_RETURN(plan.previous_columns, ChoosePreviousColumns(config, probe, plan));
  plan.columns = encoder.RequiredColumns();
  std::vector<std::string> extras = {plan.id_column, plan.label_column};
  extras.insert(extras.end(), plan.previous_columns.begin(), plan.previous_columns.end());
  for (const std::string& extra : extras) {
    if (!extra.empty() &&
        std::find(plan.columns.begin(), plan.columns.end(), extra) == plan.columns.end()) {
      plan.columns.push_back(extra);
    }
  }
  plan.output_format = plan.source.format;
  if (!config.output_format.empty()) {
    VERDICT_ASSIGN_OR_RETURN(plan.output_format, table::ParseFormat(config.output_format));
  }
  plan.predictions_path = (fs::path(config.output_dir) /
                           ((plan.previous_columns.empty() ? "eval_predictions."
                                                           : "eval_predictions_with_comparison.") +
                            std::string(table::FormatName(plan.output_format))))
                              .string();
  Result<bundle::Device> device = ChooseDevice(config);
  if (!device.ok() && device.status().code() == StatusCode::kDeviceError && config.fallback_cpu) {
    plan.fallback = infer::FallbackWarning(device.status());
    LogWarning(plan.fallback);
    device = bundle::Device{};
  }
  VERDICT_ASSIGN_OR_RETURN(plan.device, std::move(device));
  plan.batch_size = ModelBatchRows(config, plan.manifest);
  return plan;
}

// The data summary for the report: missing cells per model field, tokens per row per text field.
void Summarize(const bundle::Manifest& manifest, const features::FeatureBatch& batch,
               ScoredRows& rows) {
  if (rows.missing_per_field.empty()) {
    for (const bundle::InputSpec& input : manifest.inputs) {
      if (input.kind == bundle::InputKind::kAttentionMask) continue;
      rows.missing_per_field.emplace_back(input.field, 0);
      if (input.kind == bundle::InputKind::kTextIds)
        rows.text_lengths.emplace_back(input.field, std::vector<int64_t>());
    }
  }
  size_t field = 0, text = 0;
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    if (manifest.inputs[i].kind == bundle::InputKind::kAttentionMask) continue;
    rows.missing_per_field[field++].second += batch.columns[i].missing;
    if (manifest.inputs[i].kind != bundle::InputKind::kTextIds) continue;
    std::vector<int64_t>& lengths = rows.text_lengths[text++].second;
    const features::FeatureColumn& ids = batch.columns[i];
    for (int64_t r = 0; r < batch.rows; ++r) {
      const int64_t first = ids.FirstChunk(r);
      lengths.push_back(ids.chunk_offsets[first + ids.ChunkCount(r)] - ids.chunk_offsets[first]);
    }
  }
}

// Keeps what assess needs of the next rows' probabilities ([rows, K], as written): binary
// tasks keep P(class 1) alone, multiclass tasks every column; nothing without labels.
void KeepScores(std::span<const double> probabilities, int k, bool keep, ScoredRows& rows) {
  const size_t n = probabilities.size() / static_cast<size_t>(k);
  rows.rows += static_cast<int64_t>(n);
  if (!keep) return;
  if (!rows.binary) {
    rows.scores.insert(rows.scores.end(), probabilities.begin(), probabilities.end());
    return;
  }
  for (size_t r = 0; r < n; ++r) rows.scores.push_back(probabilities[r * k + 1]);
}

// Labels as class indices and, in comparison mode, the previous scores and ids of one batch.
Status KeepRowFacts(const Plan& plan, const features::Encoder& encoder, const table::Batch& batch,
                    ScoredRows& rows) {
  if (plan.label_column.empty()) return Status::Ok();
  VERDICT_ASSIGN_OR_RETURN(std::vector<int32_t> labels,
                           encoder.EncodeLabels(batch, plan.label_column));
  rows.labels.insert(rows.labels.end(), labels.begin(), labels.end());
  const size_t p = plan.previous_columns.size();
  if (p == 0) return Status::Ok();
  const size_t base = rows.previous.size();
  rows.previous.resize(base + static_cast<size_t>(batch.num_rows()) * p);
  for (size_t c = 0; c < p; ++c) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<double> values, batch.Numbers(plan.previous_columns[c]));
    VERDICT_RETURN_IF_ERROR(CheckPreviousScores(batch, plan.previous_columns[c], values, 1));
    for (size_t i = 0; i < values.size(); ++i) rows.previous[base + i * p + c] = values[i];
  }
  if (plan.id_column.empty()) return Status::Ok();
  VERDICT_ASSIGN_OR_RETURN(auto ids, batch.Strings(plan.id_column));
  for (const std::optional<std::string>& id : ids) rows.ids.push_back(id.value_or(""));
  return Status::Ok();
}

// Comparison mode (seed §10.2): the previous score(s) as numbers (NaN where missing) and, binary,
// new P(class 1) minus the previous score.
Status AppendPreviousColumns(const Plan& plan, const table::Batch& batch,
                             std::span<const double> probs, int64_t rows,
                             std::vector<table::OutputColumn>& columns) {
  const bool binary = plan.previous_columns.size() == 1;
  for (size_t c = 0; c < plan.previous_columns.size(); ++c) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<double> previous, batch.Numbers(plan.previous_columns[c]));
    columns.push_back(
        {binary ? "previous_model_score" : "previous_model_prob_class_" + std::to_string(c), "",
         std::move(previous)});
  }
  if (!binary) return Status::Ok();
  table::OutputColumn difference{"score_difference", "", std::vector<double>(rows)};
  const std::vector<double>& previous = columns.back().values;
  for (int64_t r = 0; r < rows; ++r) difference.values[r] = probs[r * 2 + 1] - previous[r];
  columns.push_back(std::move(difference));
  return Status::Ok();
}

Result<std::vector<table::OutputColumn>> PredictionColumns(const Plan& plan,
                                                           const table::Batch& batch,
                                                           std::span<const double> probs) {
  const int64_t rows = batch.num_rows();
  std::vector<table::OutputColumn> columns;
  if (!plan.id_column.empty()) columns.push_back({plan.id_column, plan.id_column, {}});
  if (!plan.label_column.empty()) columns.push_back({plan.label_column, plan.label_column, {}});
  const bool comparing = !plan.previous_columns.empty();
  const std::string prefix = comparing ? "new_model_prob_class_" : "prob_class_";
  const int k = plan.manifest.num_classes;
  for (int c = 0; c < k; ++c) {
    table::OutputColumn column{prefix + std::to_string(c), "", std::vector<double>(rows)};
    for (int64_t r = 0; r < rows; ++r) column.values[r] = probs[r * k + c];
    columns.push_back(std::move(column));
  }
  if (comparing) VERDICT_RETURN_IF_ERROR(AppendPreviousColumns(plan, batch, probs, rows, columns));
  return columns;
}

// The model's outputs are probabilities: each in [0, 1] (NaN is not) and each row summing to 1
// within metrics::kRowSumTolerance. Anything else is refused, never written.
Status CheckModelProbabilities(const table::Batch& batch, std::span<const double> probs, int k) {
  const size_t rows = probs.size() / static_cast<size_t>(k);
  for (size_t r = 0; r < rows; ++r) {
    const std::span<const double> row = probs.subspan(r * k, k);
    double sum = 0;
    for (int c = 0; c < k; ++c) {
      if (!(row[c] >= 0 && row[c] <= 1)) {
        return InvalidData(RowWhere(batch, r) + ": the model's probability of class " +
                           std::to_string(c) + " is " + FormatShortest(row[c]) +
                           "; probabilities must lie in [0, 1] (a NaN or infinite input, or a "
                           "model that does not return logits or probabilities)");
      }
      sum += row[c];
    }
    if (std::abs(sum - 1) > metrics::kRowSumTolerance) {
      return InvalidData(RowWhere(batch, r) + ": the model's probabilities sum to " +
                         FormatShortest(sum) + ", not 1 (tolerance " +
                         FormatShortest(metrics::kRowSumTolerance) + ")");
    }
  }
  return Status::Ok();
}

// Table batches read but not yet written, and the probabilities of their leading rows. Windows of
// model batches span table batches (infer::Windower), so a table batch is written once every one of
// its rows has its probabilities.
class PendingWrites {
 public:
  PendingWrites(const Plan& plan, table::Writer& writer) : plan_(plan), writer_(writer) {}

  void Add(table::Batch batch) { batches_.push_back(std::move(batch)); }

  // Takes the probabilities of the next rows in order and writes every table batch now complete.
  Status Ready(std::span<const double> probabilities) {
    ready_.insert(ready_.end(), probabilities.begin(), probabilities.end());
    const size_t k = static_cast<size_t>(plan_.manifest.num_classes);
    size_t used = 0;
    while (!batches_.empty()) {
      const auto rows = static_cast<size_t>(batches_.front().num_rows());
      if (ready_.size() - used < rows * k) break;
      std::span<const double> probs(ready_.data() + used, rows * k);
      VERDICT_RETURN_IF_ERROR(
          CheckModelProbabilities(batches_.front(), probs, static_cast<int>(k)));
      VERDICT_ASSIGN_OR_RETURN(std::vector<table::OutputColumn> columns,
                               PredictionColumns(plan_, batches_.front(), probs));
      VERDICT_RETURN_IF_ERROR(writer_.Write(batches_.front(), columns));
      used += rows * k;
      batches_.erase(batches_.begin());
    }
    ready_.erase(ready_.begin(), ready_.begin() + used);
    return Status::Ok();
  }

 private:
  const Plan& plan_;
  table::Writer& writer_;
  std::vector<table::Batch> batches_;
  std::vector<double> ready_;
};

// A bounded queue between two stages of the predict pipeline, one producer and one consumer.
// Push blocks while the queue is full (back-pressure: memory stays bounded whatever the input
// size) and returns false once the consumer has stopped; Pop blocks while the queue is empty and
// returns nothing once the producer has closed it and it is drained, or once it is stopped.
template <typename T>
class Channel {
 public:
  explicit Channel(size_t capacity) : capacity_(capacity) {}

  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || items_.size() < capacity_; });
    if (stopped_) return false;
    items_.push_back(std::move(item));
    changed_.notify_all();
    return true;
  }
  std::optional<T> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || stopped_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    changed_.notify_all();
    return item;
  }
  // The producer's last word: nothing follows.
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  // Nothing more goes through: items held are dropped, pushes fail and pops return nothing.
  void Stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    items_.clear();
    changed_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> items_;
  bool closed_ = false, stopped_ = false;
};

// What flows between the stages; every channel carries Result<...>, and an error travels in
// order like any item, so the job reports the first error in data order, as a sequential run
// would.
struct Encoded {
  table::Batch batch;
  features::FeatureBatch features;
};
struct Window {
  features::FeatureBatch rows;
  std::vector<std::vector<int64_t>> plan;  // model batches (infer::PlanBatches)
};
using ToModel = std::variant<table::Batch, Window>;  // a table batch goes ahead of its rows
using Scored = std::variant<table::Batch, std::vector<float>>;  // probabilities of a window

// The stages of the job, in order; each one's busy seconds (not waiting on its neighbours) are
// logged and shown in report.html.
enum Stage { kRead, kPreprocess, kBatch, kModel, kWrite, kStages };
constexpr std::array<const char*, kStages> kStageNames = {"read", "preprocess", "batch", "model",
                                                          "write"};

// Runs one stage on the calling thread: work(item, emit) for each item of `in`, then
// finish(emit); emit(Result<U>) passes a result downstream and says whether to go on. An error
// from upstream or from this stage is passed on and ends the stage, and so does a downstream
// stage that stopped; either way the stage then stops its input (so upstream stages end) and
// closes its output.
template <typename T, typename U, typename Work, typename Finish>
void RunStage(Channel<Result<T>>& in, Channel<Result<U>>& out, double& busy, Work work,
              Finish finish) {
  bool going = true;
  double waiting = 0;  // seconds emit spent blocked on a full output
  auto emit = [&](Result<U> item) {
    const bool failed = !item.ok();
    const Clock::time_point start = Clock::now();
    going = going && out.Push(std::move(item)) && !failed;
    waiting += SecondsSince(start);
    return going;
  };
  const Clock::time_point start = Clock::now();
  double idle = 0;  // seconds spent waiting for input
  while (going) {
    const Clock::time_point pop = Clock::now();
    std::optional<Result<T>> item = in.Pop();
    idle += SecondsSince(pop);
    if (!item) {
      finish(emit);
      break;
    }
    if (!item->ok()) {
      emit(item->status());
      break;
    }
    work(std::move(**item), emit);
  }
  busy = SecondsSince(start) - idle - waiting;
  in.Stop();
  out.Close();
}

// The first stage: table batches of the data, in order.
void ReadStage(table::Reader& reader, Channel<Result<table::Batch>>& out,
               std::atomic<double>& fraction, double& busy) {
  while (true) {
    const Clock::time_point start = Clock::now();
    Result<std::optional<table::Batch>> next = reader.Next();
    busy += SecondsSince(start);
    if (!next.ok()) {
      out.Push(next.status());
      break;
    }
    if (!*next) break;
    fraction.store(reader.Fraction());
    if (!out.Push(std::move(**next))) break;
  }
  out.Close();
}

// Model inputs, labels, previous scores and the data summary of one table batch (`facts` holds
// the latter three for the whole job).
Result<Encoded> Preprocess(const Plan& plan, const features::Encoder& encoder, table::Batch batch,
                           ScoredRows& facts) {
  VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch features, encoder.Encode(batch));
  Summarize(plan.manifest, features, facts);
  VERDICT_RETURN_IF_ERROR(KeepRowFacts(plan, encoder, batch, facts));
  return Encoded{std::move(batch), std::move(features)};
}

// The channels and threads of one job. The destructor stops every channel, so that each stage
// ends at once after the one it is in (the job is done or failed), and joins them all.
struct Stages {
  explicit Stages(std::array<double, kStages>& busy_seconds) : busy(busy_seconds) {}
  ~Stages() {
    read.Stop();
    encoded.Stop();
    batched.Stop();
    scored.Stop();
    for (std::thread& thread : threads) thread.join();
  }

  Channel<Result<table::Batch>> read{2};
  Channel<Result<Encoded>> encoded{2};
  Channel<Result<ToModel>> batched{4};
  Channel<Result<Scored>> scored{4};
  std::array<double, kStages>& busy;  // written by each stage's own thread
  std::vector<std::thread> threads;
};

// Starts the read, preprocess, batch and model stages; their results arrive in stages.scored.
void StartStages(const Plan& plan, const features::Encoder& encoder, infer::Runner& runner,
                 table::Reader& reader, std::atomic<double>& fraction, ScoredRows& facts,
                 Stages& stages) {
  stages.threads.emplace_back(
      [&] { ReadStage(reader, stages.read, fraction, stages.busy[kRead]); });
  stages.threads.emplace_back([&] {
    RunStage(
        stages.read, stages.encoded, stages.busy[kPreprocess],
        [&](table::Batch batch, auto& emit) {
          emit(Preprocess(plan, encoder, std::move(batch), facts));
        },
        [](auto&) {});
  });
  stages.threads.emplace_back([&] {
    infer::Windower windows(runner.window_rows());
    auto window = [&](features::FeatureBatch rows) {
      std::vector<std::vector<int64_t>> batches =
          infer::PlanBatches(rows, runner.batch_size(), runner.batching());
      return ToModel(Window{std::move(rows), std::move(batches)});
    };
    RunStage(
        stages.encoded, stages.batched, stages.busy[kBatch],
        [&](Encoded encoded, auto& emit) {
          if (!emit(ToModel(std::move(encoded.batch)))) return;
          for (features::FeatureBatch& rows : windows.Add(std::move(encoded.features))) {
            if (!emit(window(std::move(rows)))) return;
          }
        },
        [&](auto& emit) {
          if (std::optional<features::FeatureBatch> rows = windows.Finish()) {
            emit(window(std::move(*rows)));
          }
        });
  });
  stages.threads.emplace_back([&] {
    RunStage(
        stages.batched, stages.scored, stages.busy[kModel],
        [&](ToModel item, auto& emit) {
          if (table::Batch* batch = std::get_if<table::Batch>(&item)) {
            emit(Scored(std::move(*batch)));
            return;
          }
          const Window& window = std::get<Window>(item);
          Result<std::vector<float>> probs = runner.Predict(window.rows, window.plan);
          emit(probs.ok() ? Result<Scored>(Scored(std::move(*probs)))
                          : Result<Scored>(probs.status()));
        },
        [](auto&) {});
  });
}

// Joins what the preprocess stage kept (labels, previous scores, ids, data summary) to the rows.
void JoinFacts(ScoredRows&& facts, ScoredRows& rows) {
  rows.labels = std::move(facts.labels);
  rows.previous = std::move(facts.previous);
  rows.ids = std::move(facts.ids);
  rows.missing_per_field = std::move(facts.missing_per_field);
  rows.text_lengths = std::move(facts.text_lengths);
}

// "read 0.41 s, preprocess 1.20 s, ..." of the stages' busy seconds.
std::string BusyText(const std::array<double, kStages>& busy) {
  std::string text;
  for (int stage = 0; stage < kStages; ++stage) {
    text += std::string(stage > 0 ? ", " : "") + kStageNames[stage] + " " +
            FormatFixed(busy[stage], 2) + " s";
  }
  return text;
}

// The pipelined job: read -> preprocess (the Encoder's persistent pool) -> batch (windows,
// infer::PlanBatches) -> model -> write (this thread: window results are in row order, and table
// batches are written once all their rows are scored). Returns the stages' busy seconds.
Result<std::array<double, kStages>> PredictAll(const Plan& plan, const features::Encoder& encoder,
                                               infer::Runner& runner, table::Writer& writer,
                                               ScoredRows& rows) {
  table::ReadOptions read_options;
  read_options.columns = plan.columns;
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(plan.source, read_options));
  const bool keep_scores = !plan.label_column.empty();
  const int k = plan.manifest.num_classes;
  Progress progress(StderrIsTerminal());
  PendingWrites pending(plan, writer);
  std::atomic<double> fraction = 0;
  ScoredRows facts;
  Status status = Status::Ok();
  std::array<double, kStages> busy{};
  {
    Stages stages(busy);
    StartStages(plan, encoder, runner, reader, fraction, facts, stages);
    std::vector<double> written;
    auto write = [&](Scored item) -> Status {
      if (table::Batch* batch = std::get_if<table::Batch>(&item)) {
        pending.Add(std::move(*batch));
        return Status::Ok();
      }
      const std::vector<float>& probs = std::get<std::vector<float>>(item);
      written.resize(probs.size());
      std::transform(probs.begin(), probs.end(), written.begin(), Float32AsWritten);
      KeepScores(written, k, keep_scores, rows);
      progress.Update(rows.rows, fraction.load());
      return pending.Ready(written);
    };
    double idle = 0;
    const Clock::time_point start = Clock::now();
    while (status.ok()) {
      const Clock::time_point pop = Clock::now();
      std::optional<Result<Scored>> item = stages.scored.Pop();
      idle += SecondsSince(pop);
      if (!item) break;
      status = item->ok() ? write(std::move(**item)) : item->status();
    }
    busy[kWrite] = SecondsSince(start) - idle;
  }
  VERDICT_RETURN_IF_ERROR(status);
  progress.Finish(rows.rows);
  JoinFacts(std::move(facts), rows);
  if (rows.rows == 0) {
    return InvalidData("the data at '" + plan.source.files.front() + "' has no rows");
  }
  return busy;
}

// The rows of the data's first table batch, for the precision check (precision.h); none when the
// data has no rows. The batch is kept small (a 1 MiB CSV block, 64 Parquet rows): the check runs
// at most 64 rows.
Result<std::optional<features::FeatureBatch>> ReadFirstRows(const Plan& plan,
                                                            const features::Encoder& encoder) {
  table::ReadOptions read_options;
  read_options.columns = plan.columns;
  read_options.csv_block_bytes = 1 << 20;
  read_options.parquet_batch_rows = 64;
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(plan.source, read_options));
  VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
  if (!batch) return std::optional<features::FeatureBatch>();
  VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch features, encoder.Encode(*batch));
  return std::optional<features::FeatureBatch>(std::move(features));
}

// The thread budget: preprocessing workers are NUM_WORKERS, or for a bundle with text fields a
// quarter of the cores (at least one) and one otherwise (the preprocess stage's own thread);
// LibTorch's intra-op threads are THREADS, or the cores the workers leave (at least one). The
// workers run while the model does, and intra-op threads that share a core with them wait on
// each other at every operator's barrier (measured in docs/performance.md: an oversubscribed
// core costs far more than it gives). The reader, batcher and writer are one thread each and
// mostly wait.
struct Threads {
  int intra_op = 1;
  int preprocessing = 1;

  std::string Text() const {
    return "LibTorch intra-op " + std::to_string(intra_op) + ", preprocessing " +
           std::to_string(preprocessing);
  }
};

Threads ChooseThreads(const EvalConfig& config, const bundle::Manifest& manifest) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  Threads threads;
  threads.preprocessing = config.num_workers > 0         ? config.num_workers
                          : manifest.text_fields.empty() ? 1
                                                         : std::max(1, cores / 4);
  threads.intra_op =
      config.threads > 0 ? config.threads : std::max(1, cores - threads.preprocessing);
  return threads;
}

report::RunInfo MakeRunInfo(const EvalConfig& config, const Plan& plan,
                            const std::string& started_at) {
  report::RunInfo run;
  run.bundle_dir = config.model_dir;
  run.model_file = plan.manifest.model_file;
  run.created_by = plan.manifest.created_by;
  run.device = plan.device.ToString();
  run.data_files = plan.source.files;
  run.started_at = started_at;
  run.verdict_version = VERDICT_VERSION;
  return run;
}

}  // namespace

int ModelBatchRows(const EvalConfig& config, const bundle::Manifest& manifest) {
  if (config.batch_size > 0) return config.batch_size;
  return manifest.text_fields.empty() ? std::max(manifest.batch_size, kTabularBatchRows)
                                      : manifest.batch_size;
}

Result<PredictedRows> Predict(const EvalConfig& config) {
  const Clock::time_point start = Clock::now();
  const std::string started_at = IsoTimestampMicros();
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest, bundle::LoadManifest(config.model_dir));
  const Threads threads = ChooseThreads(config, manifest);
  VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder,
                           features::Encoder::Create(manifest, {.threads = threads.preprocessing}));
  VERDICT_ASSIGN_OR_RETURN(Plan plan, MakePlan(config, encoder, std::move(manifest)));
  VERDICT_ASSIGN_OR_RETURN(infer::Batching batching,
                           infer::ChooseBatching(config.batching, plan.manifest));
  VERDICT_ASSIGN_OR_RETURN(infer::Execution execution,
                           infer::ChooseExecution(config.execution, plan.manifest));
  infer::Options infer_options{plan.batch_size, threads.intra_op, batching, execution};
  infer_options.fallback_cpu = config.fallback_cpu;
  VERDICT_ASSIGN_OR_RETURN(
      PrecisionRunner precision,
      CreateRunnerInPrecision(plan.manifest, plan.device, infer_options, config.precision,
                              [&] { return ReadFirstRows(plan, encoder); }));
  infer::Runner& runner = precision.runner;
  LogInfo("precision " + precision.precision_text + "; CPU: " + precision.cpu_text);
  LogInfo("model " + plan.manifest.model_file + " on " + runner.device().ToString() +
          ", batch size " + std::to_string(plan.batch_size) + ", batching " +
          std::string(infer::BatchingName(batching)) + ", execution " +
          std::string(infer::ExecutionName(execution)) + ", threads: " + threads.Text() +
          "; data: " + std::to_string(plan.source.files.size()) + " " +
          std::string(table::FormatName(plan.source.format)) + " file(s) at " + config.data);
  const std::string device_facts = infer::DeviceFacts(runner.device());
  LogInfo("device: " + device_facts);
  VERDICT_ASSIGN_OR_RETURN(table::Writer writer,
                           table::Writer::Open(plan.predictions_path, plan.output_format));
  ScoredRows rows;
  rows.num_classes = plan.manifest.num_classes;
  rows.binary = plan.binary();
  rows.class_names = plan.manifest.class_labels;
  VERDICT_ASSIGN_OR_RETURN(auto busy, PredictAll(plan, encoder, runner, writer, rows));
  const double seconds = SecondsSince(start);
  LogInfo("predicted " + std::to_string(rows.rows) + " rows in " + FormatFixed(seconds, 2) +
          " s; busy per stage (they overlap): " + BusyText(busy));
  report::RunInfo run = MakeRunInfo(config, plan, started_at);
  run.device = runner.device().ToString();  // the CPU after a fallback
  run.stage_seconds = {{"read, preprocess, predict", seconds}};
  run.facts = {{"batching", std::string(infer::BatchingName(batching))},
               {"execution", std::string(infer::ExecutionName(execution))},
               {"precision", precision.precision_text},
               {"cpu", precision.cpu_text},
               {"device facts", device_facts},
               {"threads", threads.Text()},
               {"busy seconds per predict stage (they overlap)", BusyText(busy)}};
  if (const std::string& fallback = plan.fallback.empty() ? runner.fallback() : plan.fallback;
      !fallback.empty()) {
    run.facts.emplace_back("fallback", fallback);
  }
  return PredictedRows{.rows = std::move(rows),
                       .previous_columns = plan.previous_columns,
                       .predictions_path = plan.predictions_path,
                       .label_field = plan.manifest.label_field,
                       .writer = std::move(writer),
                       .run = std::move(run)};
}

}  // namespace verdict::pipeline::internal
