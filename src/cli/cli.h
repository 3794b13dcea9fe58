// cli: the command line. One option table per command (cli/options.h) over the command's
// config struct: the table parses flags and environment variables, prints `--help`, and
// generates the option tables of docs/configuration.md (`verdict options --markdown`), so a
// default lives only in its config struct (pipeline::EvalConfig{}, MetricsConfig{}, ...).
//
// Every error is one line, `verdict: error: <message>`, with exit status 1; for eval and metrics
// a bad option value is recorded as _FAILURE in the metrics directory like any other failure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cli/options.h"
#include "pipeline/pipeline.h"

namespace verdict::cli {

// Options before the command.
struct GlobalConfig {
  std::string log_level = "info";
};

// Commands whose options are not a pipeline config struct alone.
struct MetricsCommand {
  pipeline::MetricsConfig config;
  bool list = false;  // print the metric keys and exit
};
struct InspectCommand {
  std::string bundle;
};
struct FeaturesCommand {
  std::string model_dir;
  std::string data;
  std::string out;
  int64_t max_rows = 0;  // 0: all
  int num_workers = 0;   // 0: one per core
};
struct TokenizeCommand {
  std::string tokenizer;
  size_t max_length = 0;  // 0: no limit
};

// The tables; each row is bound to a field of the struct passed in.
OptionTable GlobalOptions(GlobalConfig& config);
OptionTable EvalOptions(pipeline::EvalConfig& config);
OptionTable MetricsOptions(MetricsCommand& command);
OptionTable MergeOptions(pipeline::MergeConfig& config);
OptionTable InspectOptions(InspectCommand& command);
OptionTable FeaturesOptions(FeaturesCommand& command);
OptionTable TokenizeOptions(TokenizeCommand& command);
OptionTable PreprocessOptions(pipeline::PreprocessConfig& config);

// Every table as Markdown, built over default-constructed structs: the block between
// <!-- options:begin --> and <!-- options:end --> in docs/configuration.md.
std::string OptionsMarkdown();

// The commands that run a model (LibTorch): eval, inspect, features. build/verdict-model passes
// them to Main; build/verdict passes none and hands these commands, argv unchanged, to the
// kModelBinary beside it, so that its other commands (metrics above all) never load LibTorch.
struct ModelCommands {
  std::function<Status(const pipeline::EvalConfig&)> eval;
  std::function<Result<std::string>(const std::string& bundle)> inspect;
  std::function<Status(const FeaturesCommand&)> features;
};
inline constexpr const char* kModelBinary = "verdict-model";

// `verdict <args>`: returns the process exit status. `model_commands` null: the model commands
// run in kModelBinary (found beside this executable).
int Main(int argc, char** argv, const ModelCommands* model_commands);

}  // namespace verdict::cli
