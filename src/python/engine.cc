// verdict._engine: the Python binding (nanobind) over the library the command line uses, in
// process. python/verdict/api.py gives it its Python face (verdict.evaluate, verdict.metrics,
// verdict.Tokenizer, verdict.preprocess); this module stays thin:
//   - options arrive as {name: text} and go through the command's own option table
//     (cli::EvalOptions, ...), so names, value checks, defaults and messages are the CLI's;
//     environment variables are read only when the caller asks (`use_env`);
//   - every error raises verdict.Error (python/verdict/errors.py) with the CLI's one-line message;
//   - the GIL is released around engine work; arrays cross without copies where the types match.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "pipeline/pipeline.h"
#include "tokenizer/tokenizer.h"

namespace nb = nanobind;

namespace verdict::python {
namespace {

// Raises verdict.Error with the status's one-line message.
[[noreturn]] void Raise(const Status& status) {
  nb::object error = nb::module_::import_("verdict.errors").attr("Error");
  PyErr_SetString(error.ptr(), OneLine(status.message()).c_str());
  throw nb::python_error();
}

template <typename T>
T ValueOrRaise(Result<T> result) {
  if (!result.ok()) Raise(result.status());
  return std::move(*result);
}

// Runs `work` without the GIL; an exception from a library ends as a Status, as in the CLI.
template <typename Work>
auto WithoutGil(Work work) -> decltype(work()) {
  nb::gil_scoped_release release;
  try {
    return work();
  } catch (const std::exception& e) {
    return Internal("unexpected error: " + OneLine(e.what()));
  }
}

// Whether the row can be named from Python: not positional, not one of `refused` (flags of the
// CLI's file handling that have no meaning in memory).
bool Offered(const cli::Option& option, const std::vector<std::string>& refused) {
  return !option.positional &&
         std::find(refused.begin(), refused.end(), option.flags.front()) == refused.end();
}

// The Python name of a row: its first flag without the dashes, '-' as '_' ("batch_size").
std::string PythonName(const cli::Option& option) {
  std::string name = option.flags.front().substr(2);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// The offered row one of whose flags is `name` spelled with '-' or '_' (--job_type, --job-type).
const cli::Option* FindOption(const cli::OptionTable& table, const std::string& name,
                              const std::vector<std::string>& refused) {
  for (const cli::Option& option : table.options) {
    for (std::string flag : option.flags) {
      std::replace(flag.begin(), flag.end(), '-', '_');
      if (flag == "__" + name && Offered(option, refused)) return &option;
    }
  }
  return nullptr;
}

// The command-line words for `options` ({name: value text}). A switch (no_plots) is given when
// its value is true.
std::vector<std::string> Words(const cli::OptionTable& table,
                               const std::map<std::string, std::string>& options,
                               const std::vector<std::string>& refused) {
  std::vector<std::string> words;
  for (const auto& [name, value] : options) {
    const cli::Option* option = FindOption(table, name, refused);
    if (option == nullptr) {
      std::string names;
      for (const cli::Option& row : table.options) {
        if (Offered(row, refused)) names += (names.empty() ? "" : ", ") + PythonName(row);
      }
      Raise(InvalidArgument("unknown option '" + name + "' of verdict " + table.command +
                            " (options: " + names + ")"));
    }
    if (option->is_switch) {
      Result<bool> on = cli::ParseBoolValue(value);
      if (!on.ok()) Raise(on.status().WithContext(name));
      if (*on) words.push_back(option->flags.front());
      continue;
    }
    words.push_back(option->flags.front());
    words.push_back(value);
  }
  return words;
}

cli::EnvLookup Environment(bool use_env) {
  if (!use_env) return [](const std::string&) { return std::optional<std::string>(); };
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

// Applies `options` to the table's config; raises the first bad value.
void Parse(const cli::OptionTable& table, const std::map<std::string, std::string>& options,
           bool use_env, const std::vector<std::string>& refused = {}) {
  const cli::ParsedArgs parsed =
      cli::ParseArgs(table, Words(table, options, refused), Environment(use_env));
  if (!parsed.status.ok()) Raise(parsed.status);
}

void SetLogLevelByName(const std::string& level) {
  SetLogLevel(ValueOrRaise(ParseLogLevel(level)));
}

// verdict.evaluate: `verdict eval` with these options; writes into the directories they name.
void Evaluate(const std::map<std::string, std::string>& options, bool use_env) {
  pipeline::EvalConfig config;
  const cli::OptionTable table = cli::EvalOptions(config);
  const cli::ParsedArgs parsed =
      cli::ParseArgs(table, Words(table, options, {}), Environment(use_env));
  if (!parsed.status.ok()) {
    (void)pipeline::RecordFailure(config.metrics_dir, parsed.status);
    Raise(parsed.status);
  }
  const Status status = WithoutGil([&] { return pipeline::RunEvalOfModelDir(config); });
  if (!status.ok()) Raise(status);
}

using Labels = nb::ndarray<const int32_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Scores = nb::ndarray<const double, nb::c_contig, nb::device::cpu>;

// The metrics options that are not about reading a predictions file or writing into a folder.
const std::vector<std::string> kFileOnlyMetricsFlags = {
    "--predictions", "--label-col", "--id-col", "--score-cols",
    "--output-dir",  "--no-plots",  "--list",   "--previous-score-col"};

// verdict.metrics: metrics.json's text for labels (class indices) and scores already in memory.
std::string Metrics(Labels labels, Scores scores, std::optional<Scores> previous, int num_classes,
                    bool binary, const std::map<std::string, std::string>& options) {
  cli::MetricsCommand command;
  Parse(cli::MetricsOptions(command), options, /*use_env=*/false, kFileOnlyMetricsFlags);
  pipeline::ScoresInMemory in_memory{
      .labels = {labels.data(), labels.shape(0)},
      .scores = {scores.data(), scores.size()},
      .previous = previous ? std::span<const double>(previous->data(), previous->size())
                           : std::span<const double>(),
      .num_classes = num_classes,
      .binary = binary,
      .class_names = command.config.class_labels};
  std::string json;
  const Status status = WithoutGil([&]() -> Status {
    VERDICT_ASSIGN_OR_RETURN(json, pipeline::MetricsJsonOf(in_memory, command.config));
    return Status::Ok();
  });
  if (!status.ok()) Raise(status);
  return json;
}

// verdict.preprocess: `verdict preprocess` on JSON lines, one JSON-encoded text per line.
std::string Preprocess(const std::string& json_lines,
                       const std::map<std::string, std::string>& options) {
  pipeline::PreprocessConfig config;
  Parse(cli::PreprocessOptions(config), options, /*use_env=*/false);
  std::istringstream in(json_lines);
  std::ostringstream out;
  const Status status = WithoutGil([&] { return pipeline::RunPreprocess(config, in, out); });
  if (!status.ok()) Raise(status);
  return out.str();
}

// A NumPy array that owns `values` (moved into it; freed when the array is).
template <typename T>
nb::object OwningArray(std::vector<T>&& values, const std::vector<int64_t>& shape) {
  auto* owned = new std::vector<T>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  std::vector<size_t> dims(shape.begin(), shape.end());
  return nb::cast(nb::ndarray<nb::numpy, T>(owned->data(), dims.size(), dims.data(), owner));
}

// The model inputs eval computes for the first `max_rows` rows of `data` (0: all), as
// [(name, array)] in the manifest's order; float32 for tabular inputs, int64 for text.
std::vector<std::pair<std::string, nb::object>> Features(const std::string& model_dir,
                                                         const std::string& data, int64_t max_rows,
                                                         int num_workers) {
  std::vector<pipeline::FeatureArray> arrays;
  const Status status = WithoutGil([&]() -> Status {
    VERDICT_ASSIGN_OR_RETURN(arrays,
                             pipeline::ComputeFeatures(model_dir, data, max_rows, num_workers));
    return Status::Ok();
  });
  if (!status.ok()) Raise(status);
  std::vector<std::pair<std::string, nb::object>> named;
  for (pipeline::FeatureArray& array : arrays) {
    named.emplace_back(array.name, array.tabular ? OwningArray(std::move(array.f32), array.shape)
                                                 : OwningArray(std::move(array.i64), array.shape));
  }
  return named;
}

// verdict.Tokenizer: a tokenizer.json loaded once; ids as `verdict tokenize` gives them.
class Tokenizer {
 public:
  explicit Tokenizer(const std::string& path) : wordpiece_(ValueOrRaise(Load(path))) {}

  std::vector<int32_t> Encode(const std::string& text, size_t max_length) const {
    nb::gil_scoped_release release;
    return wordpiece_.Encode(text, max_length);
  }

  std::vector<std::vector<int32_t>> EncodeBatch(const std::vector<std::string>& texts,
                                                size_t max_length) const {
    nb::gil_scoped_release release;
    std::vector<std::vector<int32_t>> ids;
    ids.reserve(texts.size());
    for (const std::string& text : texts) ids.push_back(wordpiece_.Encode(text, max_length));
    return ids;
  }

  std::string Decode(const std::vector<int32_t>& ids) const { return wordpiece_.Decode(ids); }
  size_t VocabSize() const { return wordpiece_.vocab_size(); }

 private:
  static Result<tokenizer::WordPiece> Load(const std::string& path) {
    nb::gil_scoped_release release;
    return tokenizer::WordPiece::Load(path);
  }
  tokenizer::WordPiece wordpiece_;
};

}  // namespace
}  // namespace verdict::python

NB_MODULE(_engine, m) {
  using namespace verdict::python;  // NOLINT: the module face lists the functions by name
  namespace pipeline = verdict::pipeline;
  m.doc() = "verdict's engine in process (use the functions of the verdict package)";
  m.def("evaluate", &Evaluate, nb::arg("options"), nb::arg("use_env") = false);
  m.def("metrics", &Metrics, nb::arg("labels"), nb::arg("scores"), nb::arg("previous").none(),
        nb::arg("num_classes"), nb::arg("binary"), nb::arg("options"));
  m.def("preprocess", &Preprocess, nb::arg("json_lines"), nb::arg("options"));
  m.def("features", &Features, nb::arg("model_dir"), nb::arg("data"), nb::arg("max_rows") = 0,
        nb::arg("num_workers") = 0);
  m.def("set_log_level", &SetLogLevelByName, nb::arg("level"));
  m.def("metric_keys", &pipeline::MetricsRegistryTable);
  nb::class_<Tokenizer>(m, "Tokenizer")
      .def(nb::init<const std::string&>(), nb::arg("path"))
      .def("encode", &Tokenizer::Encode, nb::arg("text"), nb::arg("max_length") = 0)
      .def("encode_batch", &Tokenizer::EncodeBatch, nb::arg("texts"), nb::arg("max_length") = 0)
      .def("decode", &Tokenizer::Decode, nb::arg("ids"))
      .def_prop_ro("vocab_size", &Tokenizer::VocabSize);
}
