#include "cli/cli.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <utility>
#include <vector>

namespace verdict::cli {
namespace {

constexpr int kExitFailure = 1;

// The comparison options `eval` and `metrics` share (docs/comparison.md).
void AddComparisonOptions(std::vector<Option>& options, pipeline::ComparisonConfig& c) {
  options.push_back(TextOption(
      c.comparison_metrics,
      {.flags = {"--comparison-metrics"},
       .env = "COMPARISON_METRICS",
       .help = "all or basic (the same set, as the seed); any other value skips the comparison "
               "metric keys"}));
  options.push_back(BoolOption(
      c.statistical_tests,
      {.flags = {"--statistical-tests"},
       .env = "STATISTICAL_TESTS",
       .help = "McNemar, paired t-test, Wilcoxon, DeLong, bootstrap intervals and the decision"}));
  options.push_back(BoolOption(
      c.plots, {.flags = {"--comparison-plots"},
                .env = "COMPARISON_PLOTS",
                .help = "the comparison plots (binary); --no-plots turns them off too"}));
  options.push_back(NumberOption(
      c.margin, 0, std::numeric_limits<double>::max(),
      {.flags = {"--margin"},
       .help = "non-inferiority margin of the comparison decision, in metric units (>= 0)"}));
  options.push_back(IntOption(
      c.bootstrap_resamples, 0,
      {.flags = {"--bootstrap-resamples"},
       .help = "paired bootstrap resamples of the comparison intervals; 0: the comparison "
               "stage's default"}));
}

Option ThresholdsRow(std::vector<double>& thresholds) {
  return ThresholdsOption(
      thresholds, {.flags = {"--thresholds"},
                   .env = "VERDICT_THRESHOLDS",
                   .help = "comma-separated thresholds T in [0, 1] of f1_score_at_T, "
                           "precision_at_T and recall_at_T, in standard and comparison mode"});
}

}  // namespace

OptionTable GlobalOptions(GlobalConfig& config) {
  Option log_level = TextOption(config.log_level, {.flags = {"--log-level"},
                                                   .env = "VERDICT_LOG_LEVEL",
                                                   .help = "debug, info, warning, error or quiet: "
                                                           "how much is logged to stderr"});
  log_level.set = [&config](std::string_view value) -> Status {
    VERDICT_RETURN_IF_ERROR(ParseLogLevel(value).status());
    config.log_level = std::string(value);
    return Status::Ok();
  };
  return {.command = "",
          .summary = "Options before the command, for every command",
          .options = {std::move(log_level)}};
}

// The options of distributed runs and partial results (docs/scaling.md).
void AddScaleOptions(std::vector<Option>& options, pipeline::ScaleConfig& c) {
  options.push_back(IntOption(
      c.rank_timeout_seconds, 1,
      {.flags = {"--rank-timeout"},
       .env = "VERDICT_RANK_TIMEOUT",
       .help = "seconds a rank may take to join, or go without a heartbeat, before the job fails "
               "naming it (torchrun, mpirun, srun)"}));
  options.push_back(TextOption(
      c.master_addr, {.flags = {"--master-addr"},
                      .env = "MASTER_ADDR",
                      .help = "host of the ranks' store (rank 0's, or torchrun's); torchrun sets "
                              "the variable, mpirun and srun do not"}));
  options.push_back(IntOption(c.master_port, 0,
                              {.flags = {"--master-port"},
                               .env = "MASTER_PORT",
                               .help = "port of the ranks' store; 0: 29500"}));
  options.push_back(SwitchOption(
      c.partial, true,
      {.flags = {"--partial"},
       .help = "write this instance's part (eval_predictions.part-<host>.<ext>, "
               "scored_rows.part-<host>.verdict) for verdict merge, instead of metrics"}));
  options.push_back(TextOption(c.resource_config,
                               {.flags = {"--resource-config"},
                                .help = "SageMaker's resourceconfig.json: current_host names the "
                                        "part, its place in hosts orders it"},
                               "path"));
}

OptionTable EvalOptions(pipeline::EvalConfig& c) {
  std::vector<Option> options = {
      TextOption(c.model_dir,
                 {.flags = {"--model-dir"},
                  .env = "VERDICT_MODEL_DIR",
                  .help = "the model bundle (docs/bundle-format.md)"},
                 "path"),
      TextOption(c.data,
                 {.flags = {"--data"},
                  .env = "VERDICT_DATA",
                  .help = "a CSV/TSV/Parquet file, a folder whose data files (sorted) are "
                          "the shards, or a pipe (<(zcat d.csv.gz): copied once to $TMPDIR)"},
                 "path"),
      TextOption(c.output_dir,
                 {.flags = {"--output-dir"},
                  .env = "VERDICT_OUTPUT_DIR",
                  .help = "where the predictions file (eval_predictions.csv, .tsv or "
                          ".parquet) goes"},
                 "path"),
      TextOption(c.metrics_dir,
                 {.flags = {"--metrics-dir"},
                  .env = "VERDICT_METRICS_DIR",
                  .help = "metrics, summary, plots, report.html and the markers"},
                 "path"),
      TextOption(c.id_field, {.flags = {"--id-field"},
                              .env = "ID_FIELD",
                              .help = "id column copied into the predictions; empty: the "
                                      "bundle's id_field. Named explicitly and absent: error; "
                                      "from the bundle and absent: a warning, and no id column"}),
      TextOption(c.label_field, {.flags = {"--label-field"},
                                 .env = "LABEL_FIELD",
                                 .help = "label column; empty: the bundle's label_field. Absent "
                                         "from the data: predictions only, metrics skipped "
                                         "(explicitly named and absent: error)"}),
      TextOption(c.device, {.flags = {"--device"},
                            .env = "DEVICE",
                            .help = "auto (CUDA when available, else CPU), cpu, cuda or gpu (one "
                                    "GPU), cuda:N, a GPU count (0 = CPU, 1 = one GPU) or a JSON "
                                    "list of GPU ids ([0]). CUDA where the build or machine has "
                                    "none is an error (--fallback-cpu: the CPU instead); more "
                                    "than one GPU is not supported yet"}),
      TextOption(c.accelerator, {.flags = {"--accelerator"},
                                 .env = "ACCELERATOR",
                                 .help = "auto, cpu (forces the CPU; conflicts with a CUDA "
                                         "DEVICE) or gpu (requires CUDA)"}),
      FlagOption(
          c.fallback_cpu,
          {.flags = {"--fallback-cpu"},
           .env = "FALLBACK_CPU",
           .help =
               "when the GPU cannot be used (CUDA unavailable, the model does not load "
               "on it, a CUDA error, out of memory on one row), run on the CPU instead (in fp32), "
               "with one warning recorded in the log and report.html"}),
      IntOption(
          c.batch_size, 0,
          {.flags = {"--batch-size"},
           .env = "BATCH_SIZE",
           .help = "rows per model call; 0: the bundle's batch_size, 8192 at least for a model "
                   "without text inputs"}),
      IntOption(c.threads, 0,
                {.flags = {"--threads"},
                 .env = "VERDICT_THREADS",
                 .help = "intra-op CPU threads for inference (LibTorch); 0: the cores the "
                         "preprocessing workers leave (at least 1)"}),
      IntOption(c.num_workers, 0,
                {.flags = {"--num-workers"},
                 .env = "NUM_WORKERS",
                 .help = "threads that run the text preprocessing (the seed's preprocessing "
                         "workers), started once per run; 0: a quarter of the cores (at least "
                         "1) for a bundle with text fields, else 1"}),
      TextOption(c.batching,
                 {.flags = {"--batching"},
                  .env = "BATCHING",
                  .help = "served: each row scored as if it were alone (its own chunk count, no "
                          "padding chunks; rows grouped by length, so a score never depends on "
                          "batch size, order or neighbours); seed: the seed's DataLoader batches "
                          "(consecutive rows, each padded to the batch's most chunks); auto: "
                          "served for padding-invariant bundles, seed otherwise"}),
      TextOption(c.execution,
                 {.flags = {"--execution"},
                  .env = "EXECUTION",
                  .help = "chunks: a bundle's chunk-level programs (each text field's encoder on "
                          "the real chunks only, then the head; the same probabilities as the "
                          "model file under the same batching); model: the model file as one "
                          "program; auto: chunks when the bundle has chunk_execution"}),
      TextOption(c.precision,
                 {.flags = {"--precision"},
                  .env = "PRECISION",
                  .help = "auto, fp32, bf16 or fp16: the model's floating-point format "
                          "(chunk-level: the encoders; the head stays fp32). A lower one is "
                          "checked against fp32 on the first model batch (at most 64 rows): a "
                          "max |dp| over the bundle's tolerance (verdict.json precision, default "
                          "0.05) is an error, or under auto fp32. auto: bf16 on a CUDA GPU of "
                          "compute capability 8.0+, else fp32 (every CPU, so scores agree across "
                          "CPUs; AOTInductor bundles). fp16 needs a GPU; bf16 on a CPU without "
                          "AVX512-BF16/AMX runs slowly, with a warning"}),
      TextOption(c.output_format, {.flags = {"--output-format"},
                                   .env = "OUTPUT_FORMAT",
                                   .help = "csv, tsv or parquet; empty: the input's format"}),
      ThresholdsRow(c.thresholds),
      SwitchOption(c.plots, false,
                   {.flags = {"--no-plots"},
                    .help = "skip the JPG plots (report.html is still written, without charts)"}),
      TextOption(c.job_type, {.flags = {"--job_type", "--job-type"},
                              .help = "accepted for the seed's interface; logged"}),
      BoolOption(c.comparison_mode,
                 {.flags = {"--comparison-mode"},
                  .env = "COMPARISON_MODE",
                  .help = "comparison mode (docs/comparison.md); on only when "
                          "PREVIOUS_SCORE_FIELD is non-empty, its column(s) exist and the data "
                          "has labels; otherwise a warning and standard mode"}),
      ListOption(c.comparison.previous_score_columns,
                 {.flags = {"--previous-score-field"},
                  .env = "PREVIOUS_SCORE_FIELD",
                  .help = "the previous model's score: binary, one column with its P(class 1); "
                          "multiclass, K comma-separated columns in class order. A missing "
                          "score leaves the row out of the comparison; a non-numeric one is an "
                          "error naming file, column and row"}),
  };
  AddComparisonOptions(options, c.comparison);
  AddScaleOptions(options, c.scale);
  return {.command = "eval",
          .summary = "Evaluate a model bundle on labelled data (the seed's evaluation step)",
          .options = std::move(options)};
}

OptionTable MergeOptions(pipeline::MergeConfig& c) {
  std::vector<Option> options = {
      PositionalListOption(c.part_dirs, "PART_DIR",
                           "folders holding the parts of verdict eval --partial instances "
                           "(their metrics and output directories), searched recursively"),
      Required(TextOption(c.metrics_dir,
                          {.flags = {"--metrics-dir"},
                           .help = "where metrics.json, the report and the markers of all the "
                                   "parts' rows go"},
                          "path")),
      TextOption(c.output_dir,
                 {.flags = {"--output-dir"},
                  .help = "where the predictions of all rows go (the parts in host order); "
                          "empty: none"},
                 "path"),
  };
  return {.command = "merge",
          .summary =
              "Join the parts of verdict eval --partial instances into the outputs of one "
              "run",
          .options = std::move(options)};
}

OptionTable MetricsOptions(MetricsCommand& command) {
  pipeline::MetricsConfig& c = command.config;
  std::vector<Option> options = {
      TextOption(c.predictions,
                 {.flags = {"--predictions"},
                  .help = "predictions: a CSV/TSV/Parquet file or a folder of shards (required "
                          "unless --list)"},
                 "path"),
      TextOption(c.label_column,
                 {.flags = {"--label-col"}, .help = "label column (required unless --list)"}),
      TextOption(c.id_column,
                 {.flags = {"--id-col"},
                  .help = "id column, checked to exist; names the ids in comparison_flips.csv"}),
      ListOption(c.score_columns,
                 {.flags = {"--score-cols"},
                  .help = "score columns; empty: every prob_class_i column (i = 0, 1, ...). "
                          "One column: a binary P(class 1); two: binary, P(class 1) in the "
                          "second; K > 2: multiclass probabilities"}),
      ListOption(c.class_labels,
                 {.flags = {"--class-labels"},
                  .help = "the label value of each class as it appears in the label column; "
                          "empty: 0,1,...,K-1"}),
      TextOption(c.output_dir,
                 {.flags = {"--output-dir"},
                  .help = "where metrics.json, metrics_summary.txt, plots, report.html and the "
                          "markers go"},
                 "path"),
      ThresholdsRow(c.thresholds),
      SwitchOption(c.plots, false, {.flags = {"--no-plots"}, .help = "skip the JPG plots"}),
      SwitchOption(command.list, true,
                   {.flags = {"--list"},
                    .help = "print every metric key pattern, its task and definition "
                            "(tab-separated), and exit"}),
      ListOption(c.comparison.previous_score_columns,
                 {.flags = {"--previous-score-col"},
                  .help = "comparison mode: the previous model's score column (binary) or K "
                          "comma-separated columns (multiclass); a named column that is absent "
                          "is an error"}),
  };
  AddComparisonOptions(options, c.comparison);
  return {.command = "metrics",
          .summary =
              "Compute metrics.json and the summary from an existing predictions file "
              "(any model)",
          .options = std::move(options)};
}

OptionTable InspectOptions(InspectCommand& command) {
  return {.command = "inspect",
          .summary = "Validate a model bundle (manifest and model file) and describe it",
          .options = {PositionalOption(command.bundle, "BUNDLE", "model bundle directory")}};
}

OptionTable FeaturesOptions(FeaturesCommand& command) {
  std::vector<Option> options = {
      Required(TextOption(command.model_dir,
                          {.flags = {"--model-dir"}, .help = "model bundle directory"}, "path")),
      Required(
          TextOption(command.data, {.flags = {"--data"}, .help = "data file or folder"}, "path")),
      Required(TextOption(command.out, {.flags = {"--out"}, .help = "output directory"}, "path")),
      IntOption(command.max_rows, 0, {.flags = {"--max-rows"}, .help = "rows to process; 0: all"}),
      IntOption(command.num_workers, 0,
                {.flags = {"--num-workers"},
                 .env = "NUM_WORKERS",
                 .help = "text preprocessing threads; 0: one per core"}),
  };
  return {.command = "features",
          .summary =
              "Write the model inputs computed for each row as .npy files (what the "
              "exporter and the Python API compute in process)",
          .options = std::move(options)};
}

OptionTable TokenizeOptions(TokenizeCommand& command) {
  Option tokenizer = Required(TextOption(
      command.tokenizer,
      {.flags = {"--tokenizer"}, .help = "tokenizer.json, a folder, or vocab.txt"}, "path"));
  return {.command = "tokenize",
          .summary = "Token ids of JSON strings read one per line from stdin ([CLS] ... [SEP])",
          .options = {std::move(tokenizer),
                      IntOption(command.max_length, 0,
                                {.flags = {"--max-length"},
                                 .help = "truncate to this many tokens; 0: no limit"})}};
}

OptionTable PreprocessOptions(pipeline::PreprocessConfig& c) {
  std::vector<Option> options = {
      TextOption(c.model_dir, {.flags = {"--model-dir"}, .help = "bundle whose text field to use"},
                 "path"),
      TextOption(c.field, {.flags = {"--field"}, .help = "text field of the bundle"}),
      ListOption(c.steps, {.flags = {"--steps"}, .help = "the steps, instead of a bundle"}),
      TextOption(c.tokenizer, {.flags = {"--tokenizer"}, .help = "tokenizer.json (with --steps)"},
                 "path"),
      IntOption(c.max_sen_len, 0, {.flags = {"--max-sen-len"}, .help = "tokens per chunk"}),
      SwitchOption(c.chunk_truncate, true,
                   {.flags = {"--chunk-truncate"}, .help = "stop after --max-total-chunks chunks"}),
      IntOption(c.max_total_chunks, 0,
                {.flags = {"--max-total-chunks"}, .help = "chunk limit with --chunk-truncate"}),
  };
  return {.command = "preprocess",
          .summary =
              "Run text steps on JSON strings read one per line from stdin; one JSON "
              "object out per line",
          .options = std::move(options)};
}

namespace {

// Every config a command fills, default-constructed: the defaults the tables show.
struct Targets {
  GlobalConfig global;
  pipeline::EvalConfig eval;
  MetricsCommand metrics;
  pipeline::MergeConfig merge;
  InspectCommand inspect;
  FeaturesCommand features;
  TokenizeCommand tokenize;
  pipeline::PreprocessConfig preprocess;
};

struct Command {
  OptionTable table;
  std::function<Status()> run;
  // The directory whose markers record an option error (eval, metrics); null: none.
  std::function<std::string()> markers_dir;
};

Status RunMetricsCommand(const MetricsCommand& command) {
  if (command.list) {
    std::fputs(pipeline::MetricsRegistryTable().c_str(), stdout);
    return Status::Ok();
  }
  if (command.config.predictions.empty() || command.config.label_column.empty()) {
    return InvalidArgument("verdict metrics needs --predictions and --label-col (or --list)");
  }
  return pipeline::RunMetrics(command.config);
}

Status RunPreprocessCommand(const pipeline::PreprocessConfig& config) {
  if (config.model_dir.empty() == config.steps.empty()) {
    return InvalidArgument("verdict preprocess needs either --model-dir with --field, or --steps");
  }
  return pipeline::RunPreprocess(config, std::cin, std::cout);
}

Status RunInspect(const ModelCommands& model, const InspectCommand& command) {
  VERDICT_ASSIGN_OR_RETURN(std::string description, model.inspect(command.bundle));
  std::fputs(description.c_str(), stdout);
  return Status::Ok();
}

// `model` may be null when only the tables are needed, or when the model commands are handed to
// kModelBinary before they would run.
std::vector<Command> Commands(Targets& t, const ModelCommands* model) {
  std::vector<Command> commands;
  commands.push_back({EvalOptions(t.eval), [&t, model] { return model->eval(t.eval); },
                      [&t] { return t.eval.metrics_dir; }});
  commands.push_back({MetricsOptions(t.metrics), [&t] { return RunMetricsCommand(t.metrics); },
                      [&t] { return t.metrics.config.output_dir; }});
  commands.push_back({MergeOptions(t.merge), [&t] { return pipeline::RunMerge(t.merge); },
                      [&t] { return t.merge.metrics_dir; }});
  commands.push_back(
      {InspectOptions(t.inspect), [&t, model] { return RunInspect(*model, t.inspect); }, {}});
  commands.push_back({TokenizeOptions(t.tokenize),
                      [&t] {
                        return pipeline::RunTokenize(t.tokenize.tokenizer, t.tokenize.max_length,
                                                     std::cin, std::cout);
                      },
                      {}});
  commands.push_back(
      {PreprocessOptions(t.preprocess), [&t] { return RunPreprocessCommand(t.preprocess); }, {}});
  commands.push_back(
      {FeaturesOptions(t.features), [&t, model] { return model->features(t.features); }, {}});
  return commands;
}

std::optional<std::string> GetEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// The command is the first word that is neither a global option nor a global option's value.
size_t CommandPosition(const OptionTable& global, const std::vector<std::string>& words) {
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.empty() || word[0] != '-') return i;
    for (const Option& option : global.options) {
      for (const std::string& flag : option.flags) {
        if (word == flag && !option.is_switch) ++i;
      }
    }
  }
  return words.size();
}

std::string MainHelp(const OptionTable& global, const std::vector<Command>& commands) {
  std::string text =
      "verdict: evaluation engine for PyTorch classifiers\n\n"
      "Usage: verdict [--log-level LEVEL] <command> [options]\n\nCommands:\n";
  for (const Command& command : commands) {
    std::string name = command.table.command;
    name.resize(12, ' ');
    text += "  " + name + command.table.summary + "\n";
  }
  text += "\n" + global.summary + ":\n" + OptionLines(global) +
          "\n`verdict <command> --help` lists a command's options.\n";
  return text;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "verdict: error: %s\n", OneLine(status.message()).c_str());
  return kExitFailure;
}

bool IsModelCommand(const std::string& name) {
  return name == "eval" || name == "inspect" || name == "features";
}

// Runs kModelBinary (beside this executable) with this process's arguments in its place. Returns
// only when that fails: the error, recorded as _FAILURE for eval.
int HandToModelBinary(int argc, char** argv, const Command& command,
                      const std::vector<std::string>& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string binary = (self.parent_path() / kModelBinary).string();
  std::vector<char*> arguments(argv, argv + argc);
  arguments[0] = const_cast<char*>(binary.c_str());
  arguments.push_back(nullptr);
  ::execv(binary.c_str(), arguments.data());
  const Status error =
      Internal("cannot run the model commands' binary '" + binary + "': " + std::strerror(errno));
  (void)ParseArgs(command.table, args, GetEnv);  // fills the markers directory
  if (command.markers_dir) (void)pipeline::RecordFailure(command.markers_dir(), error);
  return Fail(error);
}

// The hidden `verdict options --markdown`: the generated block of docs/configuration.md.
int PrintOptions(const std::vector<std::string>& args) {
  if (args != std::vector<std::string>{"--markdown"}) {
    return Fail(InvalidArgument("verdict options takes --markdown"));
  }
  std::fputs(OptionsMarkdown().c_str(), stdout);
  return 0;
}

}  // namespace

std::string OptionsMarkdown() {
  Targets targets;
  std::string text = MarkdownTable(GlobalOptions(targets.global));
  for (const Command& command : Commands(targets, nullptr)) {
    text += '\n';
    text += MarkdownTable(command.table);
  }
  return text;
}

int Main(int argc, char** argv, const ModelCommands* model_commands) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  Targets targets;
  const OptionTable global = GlobalOptions(targets.global);
  const std::vector<Command> commands = Commands(targets, model_commands);

  const size_t at = CommandPosition(global, words);
  const ParsedArgs global_args =
      ParseArgs(global, std::vector<std::string>(words.begin(), words.begin() + at), GetEnv);
  if (global_args.help) {
    std::fputs(MainHelp(global, commands).c_str(), stdout);
    return 0;
  }
  if (at == words.size()) {
    return Fail(InvalidArgument("a command is required (see verdict --help)"));
  }
  const std::vector<std::string> args(words.begin() + at + 1, words.end());
  if (words[at] == "options") return PrintOptions(args);
  const Command* command = nullptr;
  for (const Command& candidate : commands) {
    if (candidate.table.command == words[at]) command = &candidate;
  }
  if (command == nullptr) {
    return Fail(InvalidArgument("unknown command " + Quote(words[at]) + " (see verdict --help)"));
  }

  if (model_commands == nullptr && IsModelCommand(words[at])) {
    return HandToModelBinary(argc, argv, *command, args);
  }
  const ParsedArgs parsed = ParseArgs(command->table, args, GetEnv);
  if (parsed.help) {
    std::fputs(HelpText(command->table).c_str(), stdout);
    return 0;
  }
  const Status& option_error = global_args.status.ok() ? parsed.status : global_args.status;
  if (!option_error.ok()) {
    if (command->markers_dir) (void)pipeline::RecordFailure(command->markers_dir(), option_error);
    return Fail(option_error);
  }
  SetLogLevel(*ParseLogLevel(targets.global.log_level));
  // The top-level guard: whatever a library throws ends as one line and exit status 1 (eval and
  // metrics also catch it inside, to write _FAILURE).
  Status status;
  try {
    status = command->run();
  } catch (const std::exception& e) {
    status = Internal("unexpected error: " + OneLine(e.what()));
  }
  return status.ok() ? 0 : Fail(status);
}

}  // namespace verdict::cli
