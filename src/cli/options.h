// cli/options: one option table per command, from which parsing, `--help` and the option tables
// of docs/configuration.md all come (internal to the cli stage).
//
// A row names the flag(s), the environment variable (or none), the value type, the help line, and
// a setter bound to a field of the command's config struct. Tables are built over a
// default-constructed config, and each row captures the field's value at that moment as the
// default it shows, so every default is written once: in the config struct.
//
// Every value, from a flag or an environment variable, is converted by verdict's own parsers
// with range checks; an error names the flag or variable it came from:
//   "--batch-size: '4294967297' is not an integer in [0, 2147483647]".
// Precedence: flag > environment variable > default (the config struct's value).
//
// Usage:
//   pipeline::EvalConfig config;
//   OptionTable table = EvalOptions(config);   // rows bound to config's fields
//   ParsedArgs parsed = ParseArgs(table, args, getenv_like);
//   // parsed.status: the first bad value or unknown flag; every other value is still applied.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace verdict::cli {

// What the user writes for an option, and where it goes.
struct Option {
  // Flag spellings, the first one shown first ("--job_type", "--job-type"); for a positional
  // argument, its one name in capitals ("BUNDLE").
  std::vector<std::string> flags;
  std::string env;           // environment variable read when no flag is given; empty: none
  std::string type;          // value type for help and docs: "path", "int", "bool", "list", ...
  std::string help;          // one line: what the value means
  std::string default_text;  // the default-constructed field's value, as the user would write it
  bool is_switch = false;    // a flag without a value (--no-plots)
  bool positional = false;
  bool repeated = false;  // a positional argument that takes every remaining one
  bool required = false;
  // Converts and stores one value; an error message without the option's name.
  std::function<Status(std::string_view value)> set;
};

// The options of one command.
struct OptionTable {
  std::string command;  // "eval"; empty for the global options
  std::string summary;  // one line for `verdict --help`
  std::vector<Option> options;
};

// The fields every row builder takes, besides the target and the value's limits.
struct OptionSpec {
  std::vector<std::string> flags;
  std::string env = "";  // an initializer, so that rows without a variable can leave it out
  std::string help;
};

// Row builders. Each binds `target` (a field of the config struct the table is built over) and
// shows its current value as the default.
Option TextOption(std::string& target, OptionSpec spec, std::string type = "text");
// Comma-separated names; an empty value is an empty list.
Option ListOption(std::vector<std::string>& target, OptionSpec spec);
// Comma-separated thresholds, each a number in [0, 1].
Option ThresholdsOption(std::vector<double>& target, OptionSpec spec);
// A boolean value: true/false, 1/0, yes/no, on/off, any case.
Option BoolOption(bool& target, OptionSpec spec);
// A flag without a value that stores `value_when_given` (e.g. --no-plots stores false).
Option SwitchOption(bool& target, bool value_when_given, OptionSpec spec);
// A flag without a value that stores true, whose environment variable takes a boolean
// (--fallback-cpu, FALLBACK_CPU=1).
Option FlagOption(bool& target, OptionSpec spec);
// A finite number in [min, max].
Option NumberOption(double& target, double min, double max, OptionSpec spec);
// A base-10 integer in [min, the field type's maximum], stored into any integer field.
Option IntegerRow(std::string default_text, int64_t min, int64_t max, OptionSpec spec,
                  std::function<void(int64_t)> store);
template <typename Int>
Option IntOption(Int& target, int64_t min, OptionSpec spec) {
  constexpr uint64_t kTypeMax = static_cast<uint64_t>(std::numeric_limits<Int>::max());
  constexpr int64_t kMax = kTypeMax > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                               ? std::numeric_limits<int64_t>::max()
                               : static_cast<int64_t>(kTypeMax);
  return IntegerRow(std::to_string(target), min, kMax, std::move(spec),
                    [&target](int64_t value) { target = static_cast<Int>(value); });
}
// The same row, marked required.
Option Required(Option option);
// A positional argument (e.g. `verdict inspect BUNDLE`).
Option PositionalOption(std::string& target, std::string name, std::string help);

// A positional argument given one or more times (e.g. `verdict merge PART_DIR...`).
Option PositionalListOption(std::vector<std::string>& target, std::string name, std::string help);

// Value parsers (also used directly by tests).
Result<bool> ParseBoolValue(std::string_view text);
Result<int64_t> ParseIntegerValue(std::string_view text, int64_t min, int64_t max);
Result<double> ParseNumberValue(std::string_view text, double min, double max);
Result<std::vector<double>> ParseThresholdsValue(std::string_view text);

// Reads an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Applies `args` (the words after the command) and the environment to the table's targets, in
// order of precedence. Every value that converts is applied even when another one fails, so
// that the caller knows, e.g., the metrics directory to record the failure in; the returned
// status is the first error ("--flag: ..." / "ENV_NAME: ...", an unknown flag, a missing value
// or required option). `help` is set when -h/--help was given (nothing is checked then).
struct ParsedArgs {
  Status status;
  bool help = false;
};
ParsedArgs ParseArgs(const OptionTable& table, const std::vector<std::string>& args,
                     const EnvLookup& env);

// `verdict <command> --help`: usage, summary, then OptionLines.
std::string HelpText(const OptionTable& table);
// Two lines per option: flags, type, variable and default; then the help.
std::string OptionLines(const OptionTable& table);
// The Markdown table of docs/configuration.md for one command (a "### verdict <command>"
// heading, then one row per option: flag, environment variable, type, default, meaning).
std::string MarkdownTable(const OptionTable& table);

}  // namespace verdict::cli
