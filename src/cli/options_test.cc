#include "cli/options.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cli/cli.h"

namespace verdict::cli {
namespace {

// A small config and its table, standing in for a command's.
struct Toy {
  std::string dir = "/default";
  int batch = 0;
  bool flag = true;
  bool plots = true;
  std::vector<double> thresholds = {0.3, 0.5, 0.7};
  std::vector<std::string> columns;
};

OptionTable ToyTable(Toy& toy) {
  return {.command = "toy",
          .summary = "A toy",
          .options = {
              TextOption(toy.dir, {.flags = {"--dir"}, .env = "TOY_DIR", .help = "a dir"}, "path"),
              IntOption(toy.batch, 0, {.flags = {"--batch"}, .env = "TOY_BATCH", .help = "rows"}),
              BoolOption(toy.flag, {.flags = {"--flag"}, .env = "TOY_FLAG", .help = "on or off"}),
              SwitchOption(toy.plots, false, {.flags = {"--no-plots"}, .help = "no plots"}),
              ThresholdsOption(toy.thresholds, {.flags = {"--thresholds"}, .help = "T"}),
              ListOption(toy.columns, {.flags = {"--cols", "--columns"}, .help = "names"}),
          }};
}

using Env = std::map<std::string, std::string>;

EnvLookup FakeEnv(const Env& env) {
  return [env](const std::string& name) -> std::optional<std::string> {
    auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
  };
}

ParsedArgs Parse(Toy& toy, const std::vector<std::string>& args, const Env& env = {}) {
  return ParseArgs(ToyTable(toy), args, FakeEnv(env));
}

TEST(ValueParsers, Booleans) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "On"}) EXPECT_TRUE(*ParseBoolValue(yes));
  for (const char* no : {"false", "False", "0", "no", "off"}) EXPECT_FALSE(*ParseBoolValue(no));
  Result<bool> bad = ParseBoolValue("maybe");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "'maybe' is not a boolean (true/false, 1/0, yes/no, on/off)");
}

TEST(ValueParsers, IntegersInRange) {
  EXPECT_EQ(*ParseIntegerValue("7", 0, 10), 7);
  EXPECT_FALSE(ParseIntegerValue("abc", 0, 10).ok());
  EXPECT_FALSE(ParseIntegerValue("-1", 0, 10).ok());
  EXPECT_FALSE(ParseIntegerValue("1.5", 0, 10).ok());
  EXPECT_FALSE(ParseIntegerValue(std::string(309, '9'), 0, 10).ok());
  Result<int64_t> big = ParseIntegerValue("4294967297", 0, 2147483647);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(), "'4294967297' is not an integer in [0, 2147483647]");
}

TEST(ValueParsers, NumbersAreFiniteAndInRange) {
  EXPECT_EQ(*ParseNumberValue("0.25", 0, 1), 0.25);
  for (const char* bad : {"nan", "inf", "-0.1", "1.5", "x", ""}) {
    EXPECT_FALSE(ParseNumberValue(bad, 0, 1).ok()) << bad;
  }
}

TEST(ValueParsers, Thresholds) {
  EXPECT_EQ(*ParseThresholdsValue("0.25,0.45"), (std::vector<double>{0.25, 0.45}));
  Result<std::vector<double>> bad = ParseThresholdsValue("0.5,2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "threshold '2' is not a number in [0, 1]");
  EXPECT_FALSE(ParseThresholdsValue("").ok());
}

TEST(ParseArgs, DefaultsStayWithoutFlagOrEnvironment) {
  Toy toy;
  ASSERT_TRUE(Parse(toy, {}).status.ok());
  EXPECT_EQ(toy.dir, "/default");
  EXPECT_EQ(toy.batch, 0);
  EXPECT_TRUE(toy.flag);
  EXPECT_TRUE(toy.plots);
}

TEST(ParseArgs, FlagBeatsEnvironmentWhichBeatsDefault) {
  Toy toy;
  ASSERT_TRUE(Parse(toy, {"--batch", "8"}, {{"TOY_BATCH", "4"}, {"TOY_DIR", "/env"}}).status.ok());
  EXPECT_EQ(toy.batch, 8);
  EXPECT_EQ(toy.dir, "/env");
}

TEST(ParseArgs, EmptyEnvironmentVariableIsUnset) {
  Toy toy;
  ASSERT_TRUE(Parse(toy, {}, {{"TOY_DIR", ""}}).status.ok());
  EXPECT_EQ(toy.dir, "/default");
}

TEST(ParseArgs, FormsOfValues) {
  Toy toy;
  ASSERT_TRUE(Parse(toy, {"--dir=/x", "--flag", "no", "--no-plots", "--columns", "a,b",
                          "--thresholds", "0.2"})
                  .status.ok());
  EXPECT_EQ(toy.dir, "/x");
  EXPECT_FALSE(toy.flag);
  EXPECT_FALSE(toy.plots);
  EXPECT_EQ(toy.columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(toy.thresholds, std::vector<double>{0.2});
}

TEST(ParseArgs, ErrorsNameTheFlagOrVariable) {
  Toy toy;
  EXPECT_EQ(Parse(toy, {"--batch", "4294967297"}).status.message(),
            "--batch: '4294967297' is not an integer in [0, 2147483647]");
  EXPECT_EQ(Parse(toy, {}, {{"TOY_BATCH", "abc"}}).status.message(),
            "TOY_BATCH: 'abc' is not an integer in [0, 2147483647]");
  EXPECT_EQ(Parse(toy, {}, {{"TOY_FLAG", "maybe"}}).status.message(),
            "TOY_FLAG: 'maybe' is not a boolean (true/false, 1/0, yes/no, on/off)");
  EXPECT_EQ(Parse(toy, {"--bogus"}).status.message(),
            "unknown option '--bogus' (see verdict toy --help)");
  EXPECT_EQ(Parse(toy, {"--dir"}).status.message(), "--dir: needs a value");
  EXPECT_EQ(Parse(toy, {"--no-plots=1"}).status.message(), "--no-plots: takes no value");
  EXPECT_EQ(Parse(toy, {"stray"}).status.message(), "unexpected argument 'stray'");
}

// A flag without a value whose environment variable takes a boolean (--fallback-cpu).
TEST(ParseArgs, FlagOptionIsAFlagOrABooleanVariable) {
  bool on = false;
  auto parse = [&on](const std::vector<std::string>& args, const Env& env) {
    on = false;
    OptionTable table{
        .command = "toy",
        .summary = "A toy",
        .options = {FlagOption(on, {.flags = {"--on"}, .env = "TOY_ON", .help = "on"})}};
    return ParseArgs(table, args, FakeEnv(env)).status;
  };
  EXPECT_TRUE(parse({"--on"}, {}).ok());
  EXPECT_TRUE(on);
  EXPECT_TRUE(parse({}, {{"TOY_ON", "1"}}).ok());
  EXPECT_TRUE(on);
  EXPECT_TRUE(parse({}, {{"TOY_ON", "false"}}).ok());
  EXPECT_FALSE(on);
  EXPECT_TRUE(parse({}, {}).ok());
  EXPECT_FALSE(on);
  EXPECT_EQ(parse({"--on=1"}, {}).message(), "--on: takes no value");
  EXPECT_EQ(parse({}, {{"TOY_ON", "maybe"}}).message(),
            "TOY_ON: 'maybe' is not a boolean (true/false, 1/0, yes/no, on/off)");
}

TEST(ParseArgs, OtherValuesAreAppliedDespiteAnError) {
  Toy toy;
  ParsedArgs parsed = Parse(toy, {"--bogus", "--batch", "x", "--dir", "/mine"});
  EXPECT_EQ(parsed.status.message(), "unknown option '--bogus' (see verdict toy --help)");
  EXPECT_EQ(toy.dir, "/mine");
}

TEST(ParseArgs, HelpSkipsChecks) {
  Toy toy;
  ParsedArgs parsed = Parse(toy, {"--batch", "x", "-h"}, {{"TOY_FLAG", "maybe"}});
  EXPECT_TRUE(parsed.help);
  EXPECT_TRUE(parsed.status.ok());
}

TEST(ParseArgs, RequiredAndPositional) {
  std::string bundle;
  OptionTable table = {.command = "inspect",
                       .summary = "s",
                       .options = {PositionalOption(bundle, "BUNDLE", "the bundle")}};
  EXPECT_EQ(ParseArgs(table, {}, FakeEnv({})).status.message(), "BUNDLE is required");
  ASSERT_TRUE(ParseArgs(table, {"b/"}, FakeEnv({})).status.ok());
  EXPECT_EQ(bundle, "b/");
}

TEST(ParseArgs, RepeatedPositionalTakesEveryRemainingWord) {
  std::vector<std::string> dirs;
  std::string out;
  OptionTable table = {.command = "merge",
                       .summary = "s",
                       .options = {PositionalListOption(dirs, "PART_DIR", "parts"),
                                   TextOption(out, {.flags = {"--metrics-dir"}, .help = "m"})}};
  EXPECT_EQ(ParseArgs(table, {"--metrics-dir", "m"}, FakeEnv({})).status.message(),
            "PART_DIR is required");
  ASSERT_TRUE(ParseArgs(table, {"a/", "--metrics-dir", "m", "b/", "c/"}, FakeEnv({})).status.ok());
  EXPECT_EQ(dirs, (std::vector<std::string>{"a/", "b/", "c/"}));
  EXPECT_EQ(out, "m");
}

TEST(Help, ShowsTypeVariableAndDefault) {
  Toy toy;
  const std::string help = HelpText(ToyTable(toy));
  EXPECT_NE(help.find("Usage: verdict toy [options]"), std::string::npos) << help;
  EXPECT_NE(help.find("  --dir PATH  [env TOY_DIR]  (default: /default)\n      a dir\n"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("  --thresholds LIST  (default: 0.3,0.5,0.7)"), std::string::npos) << help;
  EXPECT_NE(help.find("  --cols, --columns LIST\n"), std::string::npos) << help;
}

TEST(Markdown, OneRowPerOption) {
  Toy toy;
  const std::string markdown = MarkdownTable(ToyTable(toy));
  EXPECT_NE(markdown.find("### verdict toy\n"), std::string::npos);
  EXPECT_NE(markdown.find("| `--dir` | `TOY_DIR` | path | `/default` | a dir |\n"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| `--cols` (`--columns`) |  | list |  | names |\n"), std::string::npos)
      << markdown;
}

// The real tables: every flag and variable once per command, and defaults from the structs.
TEST(CommandTables, FlagsAreUniqueAndDefaultsComeFromTheConfigStructs) {
  pipeline::EvalConfig eval;
  MetricsCommand metrics;
  FeaturesCommand features;
  TokenizeCommand tokenize;
  pipeline::PreprocessConfig preprocess;
  InspectCommand inspect;
  GlobalConfig global;
  for (const OptionTable& table :
       {EvalOptions(eval), MetricsOptions(metrics), FeaturesOptions(features),
        TokenizeOptions(tokenize), PreprocessOptions(preprocess), InspectOptions(inspect),
        GlobalOptions(global)}) {
    std::set<std::string> names;
    for (const Option& option : table.options) {
      for (const std::string& flag : option.flags) {
        EXPECT_TRUE(names.insert(flag).second) << table.command << " " << flag;
      }
      if (!option.env.empty()) {
        EXPECT_TRUE(names.insert(option.env).second) << table.command << " " << option.env;
      }
      EXPECT_FALSE(option.help.empty()) << option.flags.front();
      EXPECT_TRUE(option.set != nullptr);
    }
  }
  const std::string markdown = OptionsMarkdown();
  EXPECT_NE(markdown.find("| `--batch-size` | `BATCH_SIZE` | int | `" +
                          std::to_string(pipeline::EvalConfig{}.batch_size) + "` |"),
            std::string::npos);
  EXPECT_NE(
      markdown.find("| `--model-dir` | `VERDICT_MODEL_DIR` | path | " +
                    (eval.model_dir.empty() ? std::string() : "`" + eval.model_dir + "`") + " |"),
      std::string::npos);
}

}  // namespace
}  // namespace verdict::cli
