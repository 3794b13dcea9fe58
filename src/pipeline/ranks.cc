#include "pipeline/ranks.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "bundle/bundle.h"
#include "infer/infer.h"
#include "pipeline/parts.h"
#include "pipeline/predict.h"
#include "table/table.h"

namespace verdict::pipeline::internal {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::string RankName(const distributed::Launch& launch) {
  return "rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.world_size);
}

// The eval settings of this rank: its share of the CPU threads, its GPU (LOCAL_RANK), and a
// private output folder for its predictions part.
EvalConfig RankConfig(const EvalConfig& config, const distributed::Launch& launch,
                      const std::string& scratch) {
  EvalConfig mine = config;
  mine.output_dir = scratch;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (mine.threads == 0) mine.threads = distributed::LocalShare(cores, launch);
  if (mine.num_workers == 0) mine.num_workers = distributed::LocalShare(cores, launch);
  const std::string device = AsciiLower(TrimAscii(config.device));
  const bool cpu_only = AsciiLower(TrimAscii(config.accelerator)) == "cpu";
  if (!cpu_only && (device == "auto" || device == "cuda" || device == "gpu") &&
      infer::CudaAvailable()) {
    mine.device = "[" + std::to_string(launch.local_rank) + "]";
  }
  return mine;
}

// Predicts `config` into its (private) output folder and returns the rows as a part, the
// predictions file's bytes included when `keep_predictions`, else left in that folder.
Result<Part> PredictPart(const EvalConfig& config, report::RunInfo* run) {
  std::error_code ec;
  fs::create_directories(config.output_dir, ec);
  if (ec) return IoError("cannot create '" + config.output_dir + "': " + ec.message());
  VERDICT_ASSIGN_OR_RETURN(PredictedRows predicted, Predict(config));
  VERDICT_RETURN_IF_ERROR(predicted.writer.Commit());
  Part part;
  part.predictions_name = fs::path(predicted.predictions_path).filename().string();
  VERDICT_ASSIGN_OR_RETURN(part.format, table::FormatOfPath(predicted.predictions_path));
  part.settings = {.thresholds = config.thresholds,
                   .plots = config.plots,
                   .comparison = config.comparison,
                   .label_field = predicted.label_field};
  part.settings.comparison.previous_score_columns = predicted.previous_columns;
  part.data_files = predicted.run.data_files;
  part.rows = std::move(predicted.rows);
  if (run != nullptr) *run = std::move(predicted.run);
  return part;
}

// This rank's share, predicted, as a part holding its predictions' bytes. A rank past the last
// row (more ranks than model batches) has an empty part.
Result<Part> PredictShare(const EvalConfig& config, const distributed::Launch& launch,
                          report::RunInfo* run) {
  VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest,
                           bundle::LoadManifest(config.model_dir, /*require_model_file=*/false));
  // Shares start at window boundaries (whole model batches too): every window, so every model
  // call, is one that a single process makes, under served and seed batching alike.
  table::SetProcessShard(
      {.index = launch.rank,
       .count = launch.world_size,
       .align_rows = int64_t{infer::kWindowBatches} * ModelBatchRows(config, manifest)});
  VERDICT_ASSIGN_OR_RETURN(table::DataSource share, table::ResolveDataSource(config.data));
  if (share.files.empty() && launch.rank != 0)
    return Part{.host = RankName(launch), .order = launch.rank};
  const std::string scratch =
      (fs::path(config.output_dir) / (".verdict-rank-" + std::to_string(launch.rank))).string();
  TerminationCleanup remove_scratch([&scratch](int) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  });
  Result<Part> part = PredictPart(RankConfig(config, launch, scratch), run);
  if (part.ok()) {
    Result<std::string> bytes = ReadFile((fs::path(scratch) / part->predictions_name).string());
    if (bytes.ok()) part->predictions = std::move(*bytes);
    if (!bytes.ok()) part = bytes.status();
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  if (part.ok()) {
    part->host = RankName(launch);
    part->order = launch.rank;
  }
  return part;
}

// Rank 0: the parts of every rank (its own first) -> the predictions of all rows in input order
// and assess on all rows. The predictions file is moved into place after assess succeeded.
Status JoinAndAssess(const EvalConfig& config, std::vector<std::string> payloads,
                     report::RunInfo run, const std::vector<std::string>& data_files) {
  std::vector<Part> parts;
  for (size_t r = 0; r < payloads.size(); ++r) {
    VERDICT_ASSIGN_OR_RETURN(Part part,
                             DecodePart(payloads[r], "the part of rank " + std::to_string(r)));
    parts.push_back(std::move(part));
    std::string().swap(payloads[r]);  // decoded: not held twice
  }
  const Clock::time_point start = Clock::now();
  const std::string path = (fs::path(config.output_dir) / parts.front().predictions_name).string();
  const std::string partial = path + ".partial";
  const AssessSettings settings = parts.front().settings;
  Status status = WriteJoinedPredictions(parts, partial, config.output_dir);
  if (status.ok()) {
    ScoredRows rows = JoinScoredRows(parts);
    run.data_files = data_files;
    run.stage_seconds.emplace_back("join " + std::to_string(parts.size()) + " ranks' predictions",
                                   std::chrono::duration<double>(Clock::now() - start).count());
    status = Assess(rows, AssessConfigOf(settings, config.metrics_dir, path), std::move(run));
    if (status.ok()) {
      std::error_code ec;
      fs::rename(partial, path, ec);
      if (ec)
        status = IoError("cannot move '" + partial + "' to '" + path + "': " + ec.message());
      else
        LogInfo("wrote " + std::to_string(rows.rows) + " predictions of " +
                std::to_string(parts.size()) + " ranks to " + path);
    }
  }
  if (!status.ok()) {
    std::error_code ec;
    fs::remove(partial, ec);
  }
  return status;
}

}  // namespace

Result<std::unique_ptr<distributed::Group>> JoinRanks(const EvalConfig& config,
                                                      const distributed::Launch& launch) {
  LogInfo(RankName(launch) + " (" + launch.launcher + ", local rank " +
          std::to_string(launch.local_rank) + "): joining the process group at " +
          launch.master_addr + ":" + std::to_string(launch.master_port));
  return distributed::Group::Join(launch, std::chrono::seconds(config.scale.rank_timeout_seconds));
}

Status EvalOnRanks(const EvalConfig& config, const distributed::Launch& launch,
                   distributed::Group& group) {
  report::RunInfo run;
  std::vector<std::string> data_files;
  Result<Part> part = [&]() -> Result<Part> {
    VERDICT_ASSIGN_OR_RETURN(table::DataSource all, table::ResolveDataSource(config.data));
    data_files = all.files;
    return PredictShare(config, launch, &run);
  }();
  VERDICT_RETURN_IF_ERROR(group.Agree("predict", part.status()));
  LogInfo(RankName(launch) + ": " + std::to_string(part->rows.rows) + " rows predicted");
  VERDICT_ASSIGN_OR_RETURN(std::vector<std::string> payloads, group.GatherBytes(EncodePart(*part)));
  const Status assessed =
      launch.rank == 0 ? JoinAndAssess(config, std::move(payloads), std::move(run), data_files)
                       : Status::Ok();
  return group.Agree("assess", assessed);
}

Status EvalPartial(const EvalConfig& config) {
  VERDICT_ASSIGN_OR_RETURN(Identity identity, IdentityOf(config.scale.resource_config));
  const std::string scratch = (fs::path(config.output_dir) / ".verdict-partial").string();
  TerminationCleanup remove_scratch([&scratch](int) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  });
  EvalConfig mine = config;
  mine.output_dir = scratch;
  Result<Part> part = PredictPart(mine, nullptr);
  Status status = part.status();
  if (status.ok()) {
    part->host = identity.host;
    part->order = identity.order;
    const std::string rows_path =
        (fs::path(config.metrics_dir) / PartRowsName(identity.host)).string();
    const std::string predictions_path =
        (fs::path(config.output_dir) / PartPredictionsName(part->predictions_name, identity.host))
            .string();
    status = WriteFileAtomic(rows_path, EncodePart(*part));
    std::error_code ec;
    if (status.ok()) fs::rename(fs::path(scratch) / part->predictions_name, predictions_path, ec);
    if (ec) status = IoError("cannot move the predictions part to '" + predictions_path + "'");
    if (status.ok()) {
      LogInfo("partial result of " + identity.host + ": " + std::to_string(part->rows.rows) +
              " rows; predictions in " + predictions_path + ", scored rows in " + rows_path +
              " (verdict merge joins the parts)");
    }
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  return status;
}

}  // namespace verdict::pipeline::internal
