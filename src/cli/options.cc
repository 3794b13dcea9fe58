#include "cli/options.h"

#include <cctype>
#include <cmath>
#include <map>
#include <utility>

namespace verdict::cli {
namespace {

std::string Join(const std::vector<std::string>& pieces, std::string_view separator) {
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) joined += separator;
    joined += pieces[i];
  }
  return joined;
}

Option Row(OptionSpec spec, std::string type, std::string default_text,
           std::function<Status(std::string_view)> set) {
  Option option;
  option.flags = std::move(spec.flags);
  option.env = std::move(spec.env);
  option.help = std::move(spec.help);
  option.type = std::move(type);
  option.default_text = std::move(default_text);
  option.set = std::move(set);
  return option;
}

// "verdict eval" or, for the global options, "verdict".
std::string CommandName(const OptionTable& table) {
  return table.command.empty() ? "verdict" : "verdict " + table.command;
}

std::string FormatRange(int64_t min, int64_t max) {
  std::string range = "[";
  range.append(std::to_string(min)).append(", ").append(std::to_string(max)).append("]");
  return range;
}

}  // namespace

Result<bool> ParseBoolValue(std::string_view text) {
  const std::string word = AsciiLower(TrimAscii(text));
  if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
  if (word == "false" || word == "0" || word == "no" || word == "off") return false;
  return InvalidArgument(Quote(text) + " is not a boolean (true/false, 1/0, yes/no, on/off)");
}

Result<int64_t> ParseIntegerValue(std::string_view text, int64_t min, int64_t max) {
  std::optional<int64_t> value = ParseInt(text);
  if (!value || *value < min || *value > max) {
    return InvalidArgument(Quote(text) + " is not an integer in " + FormatRange(min, max));
  }
  return *value;
}

Result<double> ParseNumberValue(std::string_view text, double min, double max) {
  std::optional<double> value = ParseDouble(text);
  if (!value || !std::isfinite(*value) || *value < min || *value > max) {
    return InvalidArgument(Quote(text) + " is not a number in [" + FormatShortest(min) + ", " +
                           FormatShortest(max) + "]");
  }
  return *value;
}

Result<std::vector<double>> ParseThresholdsValue(std::string_view text) {
  std::vector<double> thresholds;
  for (const std::string& piece : Split(text, ',')) {
    Result<double> value = ParseNumberValue(piece, 0, 1);
    if (!value.ok()) return InvalidArgument("threshold " + value.status().message());
    thresholds.push_back(*value);
  }
  return thresholds;
}

Option TextOption(std::string& target, OptionSpec spec, std::string type) {
  return Row(std::move(spec), std::move(type), target, [&target](std::string_view value) {
    target = std::string(value);
    return Status::Ok();
  });
}

Option ListOption(std::vector<std::string>& target, OptionSpec spec) {
  return Row(std::move(spec), "list", Join(target, ","), [&target](std::string_view value) {
    target = value.empty() ? std::vector<std::string>{} : Split(value, ',');
    return Status::Ok();
  });
}

Option ThresholdsOption(std::vector<double>& target, OptionSpec spec) {
  std::vector<std::string> shown;
  for (double threshold : target) shown.push_back(FormatShortest(threshold));
  return Row(std::move(spec), "list", Join(shown, ","), [&target](std::string_view value) {
    VERDICT_ASSIGN_OR_RETURN(target, ParseThresholdsValue(value));
    return Status::Ok();
  });
}

Option BoolOption(bool& target, OptionSpec spec) {
  return Row(std::move(spec), "bool", target ? "true" : "false", [&target](std::string_view value) {
    VERDICT_ASSIGN_OR_RETURN(target, ParseBoolValue(value));
    return Status::Ok();
  });
}

Option SwitchOption(bool& target, bool value_when_given, OptionSpec spec) {
  Option option = Row(std::move(spec), "switch", "", [&target, value_when_given](std::string_view) {
    target = value_when_given;
    return Status::Ok();
  });
  option.is_switch = true;
  return option;
}

Option FlagOption(bool& target, OptionSpec spec) {
  Option option =
      Row(std::move(spec), "switch", target ? "true" : "false", [&target](std::string_view value) {
        if (value.empty()) {  // the flag itself
          target = true;
          return Status::Ok();
        }
        VERDICT_ASSIGN_OR_RETURN(target, ParseBoolValue(value));
        return Status::Ok();
      });
  option.is_switch = true;
  return option;
}

Option NumberOption(double& target, double min, double max, OptionSpec spec) {
  return Row(std::move(spec), "number", FormatShortest(target),
             [&target, min, max](std::string_view value) {
               VERDICT_ASSIGN_OR_RETURN(target, ParseNumberValue(value, min, max));
               return Status::Ok();
             });
}

Option IntegerRow(std::string default_text, int64_t min, int64_t max, OptionSpec spec,
                  std::function<void(int64_t)> store) {
  return Row(std::move(spec), "int", std::move(default_text),
             [min, max, store = std::move(store)](std::string_view value) {
               VERDICT_ASSIGN_OR_RETURN(int64_t number, ParseIntegerValue(value, min, max));
               store(number);
               return Status::Ok();
             });
}

Option Required(Option option) {
  option.required = true;
  return option;
}

Option PositionalOption(std::string& target, std::string name, std::string help) {
  Option option = TextOption(target, {.flags = {std::move(name)}, .help = std::move(help)}, "path");
  option.positional = true;
  return Required(std::move(option));
}

Option PositionalListOption(std::vector<std::string>& target, std::string name, std::string help) {
  Option option = Row({.flags = {std::move(name)}, .help = std::move(help)}, "paths", "",
                      [&target](std::string_view value) {
                        target.emplace_back(value);
                        return Status::Ok();
                      });
  option.positional = true;
  option.repeated = true;
  return Required(std::move(option));
}

namespace {

// One pass over the command line: the state ParseArgs keeps while it walks the words.
class ArgWalker {
 public:
  explicit ArgWalker(const OptionTable& table) : table_(table), given_(table.options.size()) {
    for (size_t i = 0; i < table.options.size(); ++i) {
      if (table.options[i].positional) {
        positionals_.push_back(i);
      } else {
        for (const std::string& flag : table.options[i].flags) by_flag_[flag] = i;
      }
    }
  }

  // Applies the words; returns false when -h/--help was among them.
  bool Walk(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& word = args[i];
      if (word == "-h" || word == "--help") return false;
      if (word.size() > 1 && word[0] == '-') {
        i += TakeFlag(word, i + 1 < args.size() ? &args[i + 1] : nullptr);
      } else {
        TakePositional(word);
      }
    }
    return true;
  }

  // Options without a flag take their environment variable, then required ones are checked.
  void ApplyEnvironment(const EnvLookup& env) {
    for (size_t i = 0; i < table_.options.size(); ++i) {
      const Option& option = table_.options[i];
      if (given_[i] || option.env.empty()) continue;
      std::optional<std::string> value = env(option.env);
      if (!value || value->empty()) continue;
      given_[i] = true;
      Note(option.set(*value), option.env);
    }
    for (size_t i = 0; i < table_.options.size(); ++i) {
      if (table_.options[i].required && !given_[i]) {
        Note(InvalidArgument(table_.options[i].flags.front() + " is required"));
      }
    }
  }

  const Status& status() const { return status_; }

 private:
  // Applies one flag word (and its value, `next`, when it takes one); returns the words used
  // beyond the flag itself.
  size_t TakeFlag(const std::string& word, const std::string* next) {
    const size_t equals = word.find('=');
    const std::string name = word.substr(0, equals);
    std::optional<std::string> inline_value;
    if (equals != std::string::npos) inline_value = word.substr(equals + 1);
    auto found = by_flag_.find(name);
    if (found == by_flag_.end()) {
      Note(InvalidArgument("unknown option " + Quote(name) + " (see " + CommandName(table_) +
                           " --help)"));
      return 0;
    }
    const Option& option = table_.options[found->second];
    given_[found->second] = true;
    if (option.is_switch) {
      Note(inline_value ? InvalidArgument("takes no value") : option.set(""), name);
      return 0;
    }
    if (inline_value) {
      Note(option.set(*inline_value), name);
      return 0;
    }
    if (next == nullptr) {
      Note(InvalidArgument("needs a value"), name);
      return 0;
    }
    Note(option.set(*next), name);
    return 1;
  }

  void TakePositional(const std::string& word) {
    if (next_positional_ == positionals_.size()) {
      Note(InvalidArgument("unexpected argument " + Quote(word)));
      return;
    }
    const size_t index = positionals_[next_positional_];
    if (!table_.options[index].repeated) ++next_positional_;
    given_[index] = true;
    Note(table_.options[index].set(word), table_.options[index].flags.front());
  }

  // Keeps the first error, named after the flag or variable it came from.
  void Note(const Status& status, std::string_view source = "") {
    if (status.ok() || !status_.ok()) return;
    status_ = source.empty() ? status : status.WithContext(source);
  }

  const OptionTable& table_;
  std::map<std::string, size_t> by_flag_;
  std::vector<size_t> positionals_;
  size_t next_positional_ = 0;
  std::vector<bool> given_;
  Status status_;
};

// "--job_type, --job-type TEXT" or "BUNDLE".
std::string Synopsis(const Option& option) {
  std::string synopsis = Join(option.flags, ", ");
  if (option.is_switch || option.positional) return synopsis;
  synopsis += ' ';
  for (char c : option.type) synopsis += static_cast<char>(std::toupper(c));
  return synopsis;
}

std::string DefaultCell(const Option& option) {
  if (option.required) return "required";
  return option.default_text.empty() ? "" : "`" + option.default_text + "`";
}

}  // namespace

ParsedArgs ParseArgs(const OptionTable& table, const std::vector<std::string>& args,
                     const EnvLookup& env) {
  ArgWalker walker(table);
  if (!walker.Walk(args)) return {.status = Status::Ok(), .help = true};
  walker.ApplyEnvironment(env);
  return {.status = walker.status(), .help = false};
}

std::string HelpText(const OptionTable& table) {
  std::string text = "Usage: " + CommandName(table) + " [options]";
  for (const Option& option : table.options) {
    if (option.positional) text += " " + option.flags.front();
  }
  return text + "\n\n" + table.summary +
         ".\nEach option: flag > environment variable > default.\n\n" + OptionLines(table);
}

std::string OptionLines(const OptionTable& table) {
  std::string text;
  for (const Option& option : table.options) {
    text += "  " + Synopsis(option);
    if (!option.env.empty()) text += "  [env " + option.env + "]";
    if (option.required) {
      text += "  (required)";
    } else if (!option.default_text.empty()) {
      text += "  (default: " + option.default_text + ")";
    }
    text += "\n      " + option.help + "\n";
  }
  return text + "  -h, --help\n      This help\n";
}

std::string MarkdownTable(const OptionTable& table) {
  const std::string title =
      table.command.empty() ? "Global options (before the command)" : CommandName(table);
  std::string text = "### " + title + "\n\n" + table.summary + ".\n\n" +
                     "| flag | environment variable | type | default | meaning |\n"
                     "|---|---|---|---|---|\n";
  for (const Option& option : table.options) {
    std::string flags = "`" + option.flags.front() + "`";
    for (size_t i = 1; i < option.flags.size(); ++i) flags += " (`" + option.flags[i] + "`)";
    const std::string env = option.env.empty() ? "" : "`" + option.env + "`";
    text += "| " + flags + " | " + env + " | " + option.type + " | " + DefaultCell(option) + " | " +
            option.help + " |\n";
  }
  return text;
}

}  // namespace verdict::cli
