// The half of the pipeline stage that runs the model (LibTorch): `verdict eval`, `inspect`
// and `features`. It is linked into build/verdict-model only; build/verdict hands these commands
// to that binary, so `verdict metrics` never loads LibTorch.
#include <algorithm>
#include <filesystem>

#include "bundle/bundle.h"
#include "distributed/distributed.h"
#include "features/features.h"
#include "infer/infer.h"
#include "pipeline/assess.h"
#include "pipeline/pipeline.h"
#include "pipeline/predict.h"
#include "pipeline/ranks.h"
#include "table/table.h"

namespace verdict::pipeline {

namespace fs = std::filesystem;

namespace {

// NumPy .npy (format 1.0): magic, header dict padded to a multiple of 64 bytes, raw data.
std::string NpyHeader(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string dims;
  for (int64_t d : shape) dims += std::to_string(d) + ",";
  if (shape.size() > 1) dims.pop_back();
  std::string dict =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  size_t total = 10 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string header = "\x93NUMPY";
  header += static_cast<char>(1);
  header += static_cast<char>(0);
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>((dict.size() >> 8) & 0xff);
  return header + dict;
}

// Every name eval may give its predictions file in `output_dir`.
std::vector<fs::path> PredictionPaths(const std::string& output_dir) {
  std::vector<fs::path> paths;
  for (table::Format format : {table::Format::kCsv, table::Format::kTsv, table::Format::kParquet}) {
    for (const char* name : {"eval_predictions.", "eval_predictions_with_comparison."}) {
      paths.push_back(fs::path(output_dir) / (name + std::string(table::FormatName(format))));
    }
  }
  return paths;
}

// The data may sit where eval writes (an input named eval_predictions.csv in the output
// directory): that file would be deleted as stale, then overwritten. Refused before either.
Status CheckDataIsNotOutput(const EvalConfig& config) {
  Result<table::DataSource> source = table::ResolveDataSource(config.data);
  if (!source.ok()) return Status::Ok();  // predict reports it, naming the path
  for (const fs::path& output : PredictionPaths(config.output_dir)) {
    for (const std::string& input : source->files) {
      std::error_code ec;
      if (fs::equivalent(output, input, ec)) {
        return InvalidArgument("the data file '" + input + "' is where eval writes its " +
                               "predictions; move it or choose another --output-dir");
      }
    }
  }
  return Status::Ok();
}

// Predictions of an earlier run in the output directory would pass for this run's.
Status RemovePreviousPredictions(const std::string& output_dir) {
  for (const fs::path& stale : PredictionPaths(output_dir)) {
    std::error_code ec;
    fs::remove(stale, ec);
    if (ec) return IoError("cannot remove '" + stale.string() + "': " + ec.message());
  }
  return Status::Ok();
}

// eval = predict + assess; the predictions file is committed only after assess succeeded.
Status PredictAndAssess(const EvalConfig& config) {
  if (!config.job_type.empty()) LogInfo("job type: " + config.job_type);
  VERDICT_ASSIGN_OR_RETURN(internal::PredictedRows predicted, internal::Predict(config));
  internal::AssessConfig assess{
      .metrics_dir = config.metrics_dir,
      .thresholds = config.thresholds,
      .plots = config.plots,
      .comparison = config.comparison,
      .without_labels_note =
          "the data has no label column" +
          (predicted.label_field.empty() ? std::string() : " '" + predicted.label_field + "'") +
          "; predictions were written to " + predicted.predictions_path};
  assess.comparison.previous_score_columns = predicted.previous_columns;
  VERDICT_RETURN_IF_ERROR(internal::Assess(predicted.rows, assess, predicted.run));
  VERDICT_RETURN_IF_ERROR(predicted.writer.Commit());
  LogInfo("wrote " + std::to_string(predicted.rows.rows) + " predictions to " +
          predicted.predictions_path);
  return Status::Ok();
}

}  // namespace

Status RunEval(const EvalConfig& config) {
  // torchrun, mpirun or srun started several ranks: each predicts its share, rank 0 alone
  // writes the outputs and the markers, like one process (docs/scaling.md).
  Result<distributed::Launch> launch = distributed::DetectLaunch(
      {.addr = config.scale.master_addr, .port = config.scale.master_port});
  if (!launch.ok()) {
    (void)RecordFailure(config.metrics_dir, launch.status());
    return launch.status();
  }
  const bool ranks = launch->world_size > 1;
  if (ranks && config.scale.partial) {
    Status error = InvalidArgument("--partial is for instances without network peers; " +
                                   launch->launcher + " started " +
                                   std::to_string(launch->world_size) + " ranks (drop --partial)");
    if (launch->rank == 0) (void)RecordFailure(config.metrics_dir, error);
    return error;
  }
  if (ranks && launch->rank != 0) {
    VERDICT_ASSIGN_OR_RETURN(std::unique_ptr<distributed::Group> group,
                             internal::JoinRanks(config, *launch));
    return internal::EvalOnRanks(config, *launch, *group);
  }
  VERDICT_ASSIGN_OR_RETURN(std::vector<DirectoryLock> locks,
                           internal::LockDirectories({config.metrics_dir, config.output_dir}));
  // Rank 0 leaves the group (and so lets the other ranks exit) after the markers are written.
  std::unique_ptr<distributed::Group> group;
  if (ranks) {
    Result<std::unique_ptr<distributed::Group>> joined = internal::JoinRanks(config, *launch);
    if (!joined.ok()) {
      (void)RecordFailure(config.metrics_dir, joined.status());
      return joined.status();
    }
    group = std::move(*joined);
  }
  // Terminated mid-run: the predictions written so far (table::Writer's "<path>.partial") go.
  TerminationCleanup remove_partial_predictions([&config](int) {
    for (const fs::path& path : PredictionPaths(config.output_dir)) {
      std::error_code ec;
      fs::remove(path.string() + ".partial", ec);
    }
  });
  return internal::RunWithMarkers(config.metrics_dir, [&]() -> Status {
    VERDICT_RETURN_IF_ERROR(CheckDataIsNotOutput(config));
    VERDICT_RETURN_IF_ERROR(RemovePreviousPredictions(config.output_dir));
    if (ranks) return internal::EvalOnRanks(config, *launch, *group);
    if (config.scale.partial) return internal::EvalPartial(config);
    return PredictAndAssess(config);
  });
}

Result<std::vector<FeatureArray>> ComputeFeatures(const std::string& model_dir,
                                                  const std::string& data, int64_t max_rows,
                                                  int num_workers) {
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest,
                           bundle::LoadManifest(model_dir, /*require_model_file=*/false));
  VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder,
                           features::Encoder::Create(manifest, {.threads = num_workers}));
  VERDICT_ASSIGN_OR_RETURN(table::DataSource source, table::ResolveDataSource(data));
  table::ReadOptions options;
  options.columns = encoder.RequiredColumns();
  VERDICT_ASSIGN_OR_RETURN(table::Reader reader, table::Reader::Open(source, options));
  features::FeatureBatch all;
  while (max_rows <= 0 || all.rows < max_rows) {
    VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
    if (!batch) break;
    VERDICT_ASSIGN_OR_RETURN(features::FeatureBatch rows, encoder.Encode(*batch));
    all.Append(std::move(rows));
  }
  if (all.columns.empty()) all.columns.resize(manifest.inputs.size());
  const int64_t rows = max_rows > 0 ? std::min(all.rows, max_rows) : all.rows;
  // All rows as one batch, collated as eval collates a batch (text: C and T of these rows).
  std::vector<bundle::HostTensor> tensors = infer::CollateInputs(manifest, all, 0, rows);
  std::vector<FeatureArray> arrays;
  for (size_t i = 0; i < tensors.size(); ++i) {
    arrays.push_back({.name = manifest.inputs[i].name,
                      .tabular = manifest.inputs[i].kind == bundle::InputKind::kTabular,
                      .shape = std::move(tensors[i].shape),
                      .f32 = std::move(tensors[i].f32),
                      .i64 = std::move(tensors[i].i64)});
  }
  return arrays;
}

Status WriteFeatures(const std::string& model_dir, const std::string& data,
                     const std::string& out_dir, int64_t max_rows, int num_workers) {
  VERDICT_ASSIGN_OR_RETURN(std::vector<FeatureArray> arrays,
                           ComputeFeatures(model_dir, data, max_rows, num_workers));
  for (const FeatureArray& array : arrays) {
    std::string body = NpyHeader(array.tabular ? "<f4" : "<i8", array.shape);
    if (array.tabular) {
      body.append(reinterpret_cast<const char*>(array.f32.data()),
                  array.f32.size() * sizeof(float));
    } else {
      body.append(reinterpret_cast<const char*>(array.i64.data()),
                  array.i64.size() * sizeof(int64_t));
    }
    VERDICT_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/" + array.name + ".npy", body));
  }
  return Status::Ok();
}

// Loads everything eval loads (manifest and digests, each text field's tokenizer and steps, the
// model and, when the bundle has them, its chunk encoders and head), so a bundle that inspect
// passes does not fail eval at loading.
Result<std::string> Inspect(const std::string& model_dir) {
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest, bundle::LoadManifest(model_dir));
  VERDICT_ASSIGN_OR_RETURN(features::Encoder encoder, features::Encoder::Create(manifest, {}));
  VERDICT_ASSIGN_OR_RETURN(bundle::Model model, bundle::Model::Load(manifest, bundle::Device{}));
  std::string loaded =
      "tokenizers and text steps load; model file loads and its inputs match the manifest";
  if (manifest.chunk_execution) {
    VERDICT_RETURN_IF_ERROR(bundle::ChunkPrograms::Load(manifest, bundle::Device{}).status());
    loaded += "; chunk encoders and head load";
  }
  return bundle::Describe(manifest) + loaded + ": OK\n";
}

}  // namespace verdict::pipeline
