// Reading and validating verdict.json.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bundle/bundle.h"
#include "bundle/sha256.h"
#include "tokenizer/tokenizer.h"

namespace verdict::bundle {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Typed access to manifest keys with errors that name the file and the key.
class Keys {
 public:
  Keys(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status Error(const std::string& key, const std::string& problem) const {
    return InvalidBundle(where_ + ": key '" + key + "' " + problem);
  }
  bool Has(const std::string& key) const {
    return object_.contains(key) && !object_[key].is_null();
  }

  template <typename T>
  Result<T> Get(const std::string& key) const {
    if (!Has(key)) return Error(key, "is missing");
    return As<T>(key, object_[key]);
  }
  template <typename T>
  Result<T> GetOr(const std::string& key, T fallback) const {
    if (!Has(key)) return fallback;
    return As<T>(key, object_[key]);
  }
  // The value of `key`; null when the key is missing or this is not an object (json's const
  // operator[] is undefined behaviour there).
  const json& Raw(const std::string& key) const {
    static const json kMissing;
    if (!object_.is_object()) return kMissing;
    const auto it = object_.find(key);
    return it == object_.end() ? kMissing : *it;
  }
  const std::string& where() const { return where_; }

 private:
  template <typename T>
  Result<T> As(const std::string& key, const json& value) const {
    try {
      if constexpr (std::is_same_v<T, double>) {
        if (!value.is_number()) return Error(key, "must be a number");
      } else if constexpr (std::is_same_v<T, int>) {
        if (!value.is_number_integer()) return Error(key, "must be an integer");
      } else if constexpr (std::is_same_v<T, bool>) {
        if (!value.is_boolean()) return Error(key, "must be true or false");
      } else if constexpr (std::is_same_v<T, std::string>) {
        if (!value.is_string()) return Error(key, "must be a string");
      }
      return value.get<T>();
    } catch (const json::exception& e) {
      return Error(key, std::string("has the wrong type (") + e.what() + ")");
    }
  }

  const json& object_;
  std::string where_;
};

Result<json> ParseJsonFile(const std::string& path) {
  VERDICT_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 9e999
    return InvalidBundle("'" + path + "' is not valid JSON: " + e.what());
  }
}

// Lexically: `name` is relative and has no '..'; then, after symlinks, the path lies inside the
// bundle directory. A bundle never reads a file outside its own directory.
Status CheckInBundle(const Keys& keys, const std::string& key, const std::string& name,
                     const std::string& dir) {
  const fs::path relative(name);
  if (name.empty()) return keys.Error(key, "is empty; it must name a file inside the bundle");
  if (relative.has_root_path()) {
    return keys.Error(key,
                      "names " + Quote(name) +
                          ", an absolute path; paths in a bundle are relative to its directory");
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      return keys.Error(key, "names " + Quote(name) + ", which leaves the bundle directory ('..')");
    }
  }
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(dir, ec);
  const fs::path resolved = ec ? fs::path() : fs::weakly_canonical(root / relative, ec);
  if (ec)
    return keys.Error(key, "names " + Quote(name) + ", which cannot be resolved: " + ec.message());
  const auto [root_end, unused] =
      std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
  if (root_end != root.end()) {
    return keys.Error(key, "names " + Quote(name) + ", a symlink to '" + resolved.string() +
                               "' outside the bundle directory");
  }
  return Status::Ok();
}

// The path of the file that `key` names, inside the bundle; `must_exist`: it is a regular file.
Result<std::string> BundleFile(const Keys& keys, const std::string& key, const std::string& dir,
                               bool must_exist = true) {
  VERDICT_ASSIGN_OR_RETURN(std::string name, keys.Get<std::string>(key));
  VERDICT_RETURN_IF_ERROR(CheckInBundle(keys, key, name, dir));
  fs::path path = fs::path(dir) / name;
  std::error_code ec;
  if (must_exist && !fs::is_regular_file(path, ec))
    return keys.Error(key, "names '" + path.string() + "', which does not exist");
  return path.string();
}

Result<InputKind> ParseInputKind(const Keys& keys) {
  VERDICT_ASSIGN_OR_RETURN(std::string kind, keys.Get<std::string>("kind"));
  if (kind == "tabular") return InputKind::kTabular;
  if (kind == "text_ids") return InputKind::kTextIds;
  if (kind == "attention_mask") return InputKind::kAttentionMask;
  return keys.Error("kind",
                    "must be 'tabular', 'text_ids' or 'attention_mask', not " + Quote(kind));
}

Status ParseInputs(const Keys& top, Manifest& m) {
  const json& inputs = top.Raw("inputs");
  if (!inputs.is_array() || inputs.empty()) return top.Error("inputs", "must be a non-empty list");
  for (size_t i = 0; i < inputs.size(); ++i) {
    Keys keys(inputs[i], top.where() + " inputs[" + std::to_string(i) + "]");
    InputSpec spec;
    VERDICT_ASSIGN_OR_RETURN(spec.name, keys.Get<std::string>("name"));
    VERDICT_ASSIGN_OR_RETURN(spec.kind, ParseInputKind(keys));
    VERDICT_ASSIGN_OR_RETURN(spec.field, keys.Get<std::string>("field"));
    m.inputs.push_back(std::move(spec));
  }
  return Status::Ok();
}

Result<RiskTable> ParseRiskTable(const Keys& keys) {
  RiskTable table;
  VERDICT_ASSIGN_OR_RETURN(table.default_bin, keys.Get<double>("default_bin"));
  const json& bins = keys.Raw("bins");
  if (!bins.is_object()) return keys.Error("bins", "must be an object of category -> number");
  for (const auto& [category, value] : bins.items()) {
    if (!value.is_number())
      return keys.Error("bins", "value of " + Quote(category) + " must be a number");
    table.bins[category] = value.get<double>();
  }
  return table;
}

Status ParseTabularFields(const Keys& top, Manifest& m) {
  if (!top.Has("tabular_fields")) return Status::Ok();
  const json& fields = top.Raw("tabular_fields");
  if (!fields.is_array()) return top.Error("tabular_fields", "must be a list");
  for (size_t i = 0; i < fields.size(); ++i) {
    Keys keys(fields[i], top.where() + " tabular_fields[" + std::to_string(i) + "]");
    TabularField field;
    VERDICT_ASSIGN_OR_RETURN(field.name, keys.Get<std::string>("name"));
    VERDICT_ASSIGN_OR_RETURN(field.missing_value, keys.GetOr<double>("missing_value", -1.0));
    if (keys.Has("risk_table")) {
      Keys risk(keys.Raw("risk_table"), keys.where() + " risk_table");
      VERDICT_ASSIGN_OR_RETURN(field.risk_table, ParseRiskTable(risk));
    }
    m.tabular_fields.push_back(std::move(field));
  }
  return Status::Ok();
}

Status ParseTextFields(const Keys& top, Manifest& m) {
  if (!top.Has("text_fields")) return Status::Ok();
  const json& fields = top.Raw("text_fields");
  if (!fields.is_array()) return top.Error("text_fields", "must be a list");
  for (size_t i = 0; i < fields.size(); ++i) {
    Keys keys(fields[i], top.where() + " text_fields[" + std::to_string(i) + "]");
    TextField field;
    VERDICT_ASSIGN_OR_RETURN(field.name, keys.Get<std::string>("name"));
    VERDICT_ASSIGN_OR_RETURN(field.steps, keys.Get<std::vector<std::string>>("steps"));
    VERDICT_ASSIGN_OR_RETURN(field.max_sen_len, keys.GetOr<int>("max_sen_len", 512));
    VERDICT_ASSIGN_OR_RETURN(field.chunk_truncate, keys.GetOr<bool>("chunk_truncate", false));
    VERDICT_ASSIGN_OR_RETURN(field.max_total_chunks, keys.GetOr<int>("max_total_chunks", 5));
    VERDICT_ASSIGN_OR_RETURN(field.tokenizer, BundleFile(keys, "tokenizer", m.dir));
    if (field.max_sen_len < 2) return keys.Error("max_sen_len", "must be at least 2");
    m.text_fields.push_back(std::move(field));
  }
  return Status::Ok();
}

Status ParseTask(const Keys& top, Manifest& m) {
  VERDICT_ASSIGN_OR_RETURN(std::string task, top.Get<std::string>("task"));
  if (task == "binary") {
    m.task = Task::kBinary;
  } else if (task == "multiclass") {
    m.task = Task::kMulticlass;
  } else {
    return top.Error("task", "must be 'binary' or 'multiclass', not " + Quote(task));
  }
  VERDICT_ASSIGN_OR_RETURN(m.num_classes, top.Get<int>("num_classes"));
  if (m.task == Task::kBinary && m.num_classes != 2)
    return top.Error("num_classes", "must be 2 for a binary task");
  if (m.num_classes < 2) return top.Error("num_classes", "must be at least 2");
  VERDICT_ASSIGN_OR_RETURN(m.class_labels, top.Get<std::vector<std::string>>("class_labels"));
  if (static_cast<int>(m.class_labels.size()) != m.num_classes) {
    return top.Error("class_labels",
                     "must list num_classes (" + std::to_string(m.num_classes) + ") labels");
  }
  VERDICT_ASSIGN_OR_RETURN(std::string output, top.GetOr<std::string>("output", "logits"));
  if (output == "logits") {
    m.output = ModelOutput::kLogits;
  } else if (output == "probabilities") {
    m.output = ModelOutput::kProbabilities;
  } else {
    return top.Error("output", "must be 'logits' or 'probabilities', not " + Quote(output));
  }
  return Status::Ok();
}

template <typename Field>
const Field* FindField(const std::vector<Field>& fields, const std::string& name) {
  for (const Field& field : fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

// Every input refers to a declared field, and every text field feeds both ids and mask.
Status CheckInputsMatchFields(const Manifest& m, const std::string& where) {
  for (const InputSpec& input : m.inputs) {
    bool tabular = input.kind == InputKind::kTabular;
    bool known = tabular ? FindField(m.tabular_fields, input.field) != nullptr
                         : FindField(m.text_fields, input.field) != nullptr;
    if (!known) {
      return InvalidBundle(where + ": input '" + input.name + "' reads field '" + input.field +
                           "', which is not declared in " +
                           (tabular ? "tabular_fields" : "text_fields"));
    }
  }
  for (const TextField& field : m.text_fields) {
    int ids = 0, masks = 0;
    for (const InputSpec& input : m.inputs) {
      if (input.field != field.name) continue;
      ids += input.kind == InputKind::kTextIds;
      masks += input.kind == InputKind::kAttentionMask;
    }
    if (ids != 1 || masks != 1) {
      return InvalidBundle(where + ": text field '" + field.name +
                           "' needs exactly one text_ids and one attention_mask input");
    }
  }
  return Status::Ok();
}

Result<HeadInput::Kind> ParseHeadInputKind(const Keys& keys) {
  VERDICT_ASSIGN_OR_RETURN(std::string kind, keys.Get<std::string>("kind"));
  if (kind == "text_pooled") return HeadInput::Kind::kTextPooled;
  if (kind == "tabular") return HeadInput::Kind::kTabular;
  return keys.Error("kind", "must be 'text_pooled' or 'tabular', not " + Quote(kind));
}

bool HasTabularInput(const Manifest& m, const std::string& field) {
  return std::any_of(m.inputs.begin(), m.inputs.end(), [&](const InputSpec& input) {
    return input.kind == InputKind::kTabular && input.field == field;
  });
}

// "head_inputs": each text field's pooled mean exactly once, tabular fields of the model's inputs.
Status ParseHeadInputs(const Keys& chunked, Manifest& m, ChunkExecution& out) {
  if (!chunked.Has("head_inputs")) return chunked.Error("head_inputs", "is missing");
  const json& inputs = chunked.Raw("head_inputs");
  if (!inputs.is_array() || inputs.empty()) {
    return chunked.Error("head_inputs", "must be a non-empty list");
  }
  std::map<std::string, int> pooled;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Keys keys(inputs[i], chunked.where() + " head_inputs[" + std::to_string(i) + "]");
    HeadInput input;
    VERDICT_ASSIGN_OR_RETURN(input.name, keys.Get<std::string>("name"));
    VERDICT_ASSIGN_OR_RETURN(input.kind, ParseHeadInputKind(keys));
    VERDICT_ASSIGN_OR_RETURN(input.field, keys.Get<std::string>("field"));
    if (input.kind == HeadInput::Kind::kTextPooled) {
      if (FindField(m.text_fields, input.field) == nullptr) {
        return keys.Error("field", "names " + Quote(input.field) + ", which is not a text field");
      }
      ++pooled[input.field];
    } else if (!HasTabularInput(m, input.field)) {
      return keys.Error(
          "field", "names " + Quote(input.field) + ", which is not a tabular input of the model");
    }
    out.head_inputs.push_back(std::move(input));
  }
  for (const TextField& field : m.text_fields) {
    if (pooled[field.name] != 1) {
      return chunked.Error("head_inputs", "must hold the text_pooled input of text field " +
                                              Quote(field.name) + " exactly once");
    }
  }
  return Status::Ok();
}

// "chunk_execution": an encoder for every text field (and no other field), the head, its inputs.
Status ParseChunkExecution(const Keys& top, Manifest& m, bool require_files) {
  if (!top.Has("chunk_execution")) return Status::Ok();
  const json& raw = top.Raw("chunk_execution");
  if (!raw.is_object()) return top.Error("chunk_execution", "must be an object");
  Keys chunked(raw, top.where() + " chunk_execution");
  if (m.text_fields.empty()) {
    return top.Error("chunk_execution", "needs text fields; this bundle has none");
  }
  ChunkExecution out;
  if (!chunked.Has("encoders")) return chunked.Error("encoders", "is missing");
  const json& encoders = chunked.Raw("encoders");
  if (!encoders.is_object()) {
    return chunked.Error("encoders", "must be an object of text field -> encoder file");
  }
  Keys files(encoders, chunked.where() + " encoders");
  for (const auto& [field, unused] : encoders.items()) {
    if (FindField(m.text_fields, field) == nullptr) {
      return files.Error(field, "is not a text field of the bundle");
    }
    VERDICT_ASSIGN_OR_RETURN(out.encoders[field], BundleFile(files, field, m.dir, require_files));
  }
  for (const TextField& field : m.text_fields) {
    if (!out.encoders.contains(field.name)) {
      return chunked.Error("encoders", "has no encoder for text field " + Quote(field.name));
    }
  }
  VERDICT_ASSIGN_OR_RETURN(out.head, BundleFile(chunked, "head", m.dir, require_files));
  VERDICT_RETURN_IF_ERROR(ParseHeadInputs(chunked, m, out));
  VERDICT_ASSIGN_OR_RETURN(out.padding_invariant, chunked.GetOr<bool>("padding_invariant", false));
  m.chunk_execution = std::move(out);
  return Status::Ok();
}

// "reference": the versions and attention implementation behind the reference probabilities.
Status ParseReference(const Keys& top, Manifest& m, bool require_files) {
  if (!top.Has("reference")) return Status::Ok();
  if (!top.Raw("reference").is_object()) return top.Error("reference", "must be an object");
  Keys keys(top.Raw("reference"), top.where() + " reference");
  Reference reference;
  VERDICT_ASSIGN_OR_RETURN(reference.torch, keys.Get<std::string>("torch"));
  VERDICT_ASSIGN_OR_RETURN(reference.transformers, keys.GetOr<std::string>("transformers", "n/a"));
  VERDICT_ASSIGN_OR_RETURN(reference.attention_implementation,
                           keys.GetOr<std::string>("attention_implementation", "n/a"));
  if (keys.Has("probabilities")) {
    VERDICT_ASSIGN_OR_RETURN(reference.probabilities,
                             BundleFile(keys, "probabilities", m.dir, require_files));
  }
  m.reference = std::move(reference);
  return Status::Ok();
}

// "precision": {"bf16": {"max_abs_dp": 0.004, "tolerance": 0.02}, "fp16": {...}}.
Status ParsePrecision(const Keys& top, Manifest& m) {
  if (!top.Has("precision")) return Status::Ok();
  const json& raw = top.Raw("precision");
  if (!raw.is_object()) return top.Error("precision", "must be an object");
  Keys entries(raw, top.where() + " precision");
  for (const auto& [name, value] : raw.items()) {
    const std::optional<Precision> precision = PrecisionFromName(name);
    if (!precision || *precision == Precision::kFp32) {
      return entries.Error(name, "is not a lower precision (bf16 or fp16)");
    }
    if (!value.is_object()) return entries.Error(name, "must be an object");
    Keys keys(value, entries.where() + " " + name);
    PrecisionTolerance entry;
    VERDICT_ASSIGN_OR_RETURN(entry.tolerance, keys.Get<double>("tolerance"));
    if (!(entry.tolerance >= 0)) return keys.Error("tolerance", "must be 0 or more");
    if (keys.Has("max_abs_dp")) {
      VERDICT_ASSIGN_OR_RETURN(entry.measured, keys.Get<double>("max_abs_dp"));
    }
    m.precision[*precision] = entry;
  }
  return Status::Ok();
}

bool IsSha256Hex(const std::string& digest) {
  return digest.size() == 64 && std::all_of(digest.begin(), digest.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The bundle-relative names of the files the manifest uses: the model file, the chunk-level
// programs, the reference probabilities and the files each text field's tokenizer is read from.
Result<std::vector<std::string>> UsedFiles(const Manifest& m) {
  std::vector<std::string> paths = {m.model_file};
  if (m.chunk_execution) {
    for (const auto& [field, path] : m.chunk_execution->encoders) paths.push_back(path);
    paths.push_back(m.chunk_execution->head);
  }
  if (m.reference && !m.reference->probabilities.empty()) {
    paths.push_back(m.reference->probabilities);
  }
  for (const TextField& field : m.text_fields) {
    VERDICT_ASSIGN_OR_RETURN(std::vector<std::string> files,
                             tokenizer::WordPiece::Files(field.tokenizer));
    paths.insert(paths.end(), files.begin(), files.end());
  }
  for (std::string& path : paths) {
    path = fs::path(path).lexically_relative(m.dir).lexically_normal().generic_string();
  }
  return paths;
}

// The "sha256" key: every listed file is in the bundle with its digest, and every used file is
// listed. Without the key (older exporters) the bundle loads unverified, with one warning.
Status VerifyDigests(const Keys& top, Manifest& m) {
  if (!top.Has("sha256")) {
    LogWarning(top.where() +
               " has no 'sha256' key: its files are not verified (exported by an "
               "older verdict-export; export it again to record their digests)");
    return Status::Ok();
  }
  const json& listed = top.Raw("sha256");
  if (!listed.is_object()) return top.Error("sha256", "must be an object of path -> digest");
  std::vector<std::string> names, paths;
  for (const auto& [name, value] : listed.items()) {
    if (!value.is_string() || !IsSha256Hex(value.get<std::string>())) {
      return top.Error("sha256", "gives " + Quote(name) +
                                     " a digest that is not 64 lowercase hex "
                                     "digits");
    }
    VERDICT_RETURN_IF_ERROR(CheckInBundle(top, "sha256", name, m.dir));
    const std::string path = (fs::path(m.dir) / name).string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      return top.Error("sha256", "lists '" + path + "', which does not exist");
    }
    names.push_back(name);
    paths.push_back(path);
  }
  // The files on threads of their own: a bundle's model and tokenizer hash side by side.
  VERDICT_ASSIGN_OR_RETURN(std::vector<std::string> digests, internal::Sha256OfFiles(paths));
  std::map<std::string, std::string> verified;
  for (size_t i = 0; i < names.size(); ++i) {
    if (digests[i] != listed[names[i]].get<std::string>()) {
      return top.Error("sha256", "does not match '" + paths[i] +
                                     "' (the file changed after export; export the bundle again)");
    }
    verified[fs::path(names[i]).lexically_normal().generic_string()] = digests[i];
  }
  VERDICT_ASSIGN_OR_RETURN(std::vector<std::string> used, UsedFiles(m));
  for (const std::string& name : used) {
    if (!verified.contains(name)) {
      return top.Error("sha256", "does not list " + Quote(name) +
                                     ", which the bundle uses (every file needs its digest)");
    }
  }
  m.sha256 = std::move(verified);
  return Status::Ok();
}

}  // namespace

const char* TaskName(Task task) { return task == Task::kBinary ? "binary" : "multiclass"; }

const char* PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp16:
      return "fp16";
    case Precision::kFp32:
      break;
  }
  return "fp32";
}

std::optional<Precision> PrecisionFromName(std::string_view name) {
  for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kFp16}) {
    if (name == PrecisionName(precision)) return precision;
  }
  return std::nullopt;
}

double PrecisionToleranceOf(const Manifest& manifest, Precision precision) {
  const auto entry = manifest.precision.find(precision);
  return entry == manifest.precision.end() ? kDefaultPrecisionTolerance : entry->second.tolerance;
}

Status CheckPrecision(const Manifest& manifest, Precision precision, double max_abs_dp,
                      int64_t rows) {
  const double tolerance = PrecisionToleranceOf(manifest, precision);
  if (max_abs_dp <= tolerance) return Status::Ok();
  const std::string name = PrecisionName(precision);
  const bool stated = manifest.precision.contains(precision);
  std::ostringstream measured;
  measured << std::setprecision(3) << max_abs_dp;
  return InvalidArgument("bundle '" + manifest.dir + "' under --precision " + name +
                         " moves probabilities by max |dp| " + measured.str() +
                         " from fp32 on the first " + std::to_string(rows) +
                         " rows, over its tolerance " + FormatShortest(tolerance) +
                         (stated ? " (verdict.json precision." + name + ".tolerance)"
                                 : " (the default; verdict.json states none)") +
                         "; run it with --precision fp32");
}

Result<Manifest> LoadManifest(const std::string& dir, bool require_model_file) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("model directory '" + dir + "' does not exist");
  std::string path = (fs::path(dir) / kManifestFile).string();
  if (!fs::is_regular_file(path, ec)) {
    return NotFound("model directory '" + dir + "' has no " + kManifestFile +
                    " (export the model with verdict-export first)");
  }
  VERDICT_ASSIGN_OR_RETURN(json root, ParseJsonFile(path));
  if (!root.is_object()) return InvalidBundle("'" + path + "' must hold a JSON object");
  Keys top(root, "bundle '" + path + "'");
  Manifest m;
  m.dir = dir;
  VERDICT_ASSIGN_OR_RETURN(m.format_version, top.Get<int>("format_version"));
  if (m.format_version < 1 || m.format_version > kFormatVersion) {
    return top.Error("format_version", "is " + std::to_string(m.format_version) +
                                           "; this verdict reads versions 1 to " +
                                           std::to_string(kFormatVersion));
  }
  VERDICT_ASSIGN_OR_RETURN(m.backend, top.GetOr<std::string>("backend", "torchscript"));
  if (m.backend != "torchscript" && m.backend != "aoti") {
    return top.Error("backend", "must be 'torchscript' or 'aoti', not " + Quote(m.backend));
  }
  VERDICT_ASSIGN_OR_RETURN(m.model_file, BundleFile(top, "model_file", dir, require_model_file));
  VERDICT_RETURN_IF_ERROR(ParseTask(top, m));
  VERDICT_ASSIGN_OR_RETURN(m.id_field, top.GetOr<std::string>("id_field", ""));
  VERDICT_ASSIGN_OR_RETURN(m.label_field, top.GetOr<std::string>("label_field", ""));
  VERDICT_ASSIGN_OR_RETURN(m.batch_size, top.GetOr<int>("batch_size", 64));
  if (m.batch_size < 1) return top.Error("batch_size", "must be at least 1");
  VERDICT_ASSIGN_OR_RETURN(m.padding_invariant, top.GetOr<bool>("padding_invariant", false));
  VERDICT_ASSIGN_OR_RETURN(m.created_by, top.GetOr<std::string>("created_by", ""));
  VERDICT_RETURN_IF_ERROR(ParseInputs(top, m));
  VERDICT_RETURN_IF_ERROR(ParseTabularFields(top, m));
  VERDICT_RETURN_IF_ERROR(ParseTextFields(top, m));
  VERDICT_RETURN_IF_ERROR(CheckInputsMatchFields(m, top.where()));
  VERDICT_RETURN_IF_ERROR(ParseChunkExecution(top, m, require_model_file));
  VERDICT_RETURN_IF_ERROR(ParseReference(top, m, require_model_file));
  VERDICT_RETURN_IF_ERROR(ParsePrecision(top, m));
  if (require_model_file) VERDICT_RETURN_IF_ERROR(VerifyDigests(top, m));
  return m;
}

namespace {

std::string Relative(const Manifest& m, const std::string& path) {
  return fs::path(path).lexically_relative(m.dir).generic_string();
}

void DescribeChunkExecution(const Manifest& m, std::ostream& out) {
  if (!m.chunk_execution) {
    out << "chunk execution: no (the model file runs whole)\n";
    return;
  }
  const ChunkExecution& chunked = *m.chunk_execution;
  out << "chunk execution: yes; encoder padding invariant: "
      << (chunked.padding_invariant ? "yes (pad each call to its longest chunk)"
                                    : "no (pad to max_sen_len)")
      << "\n";
  for (const auto& [field, path] : chunked.encoders) {
    out << "  encoder of '" << field << "': " << Relative(m, path)
        << "  (ids, mask int64 [N, T]) -> pooled float32 [N, H]\n";
  }
  out << "  head: " << Relative(m, chunked.head) << "  inputs:";
  for (const HeadInput& input : chunked.head_inputs) {
    out << " " << input.name
        << (input.kind == HeadInput::Kind::kTextPooled ? " (pooled mean of '" + input.field + "')"
                                                       : "");
  }
  out << "\n";
}

void DescribePrecision(const Manifest& m, std::ostream& out) {
  out << "precision:   ";
  for (Precision precision : {Precision::kBf16, Precision::kFp16}) {
    const auto entry = m.precision.find(precision);
    out << (precision == Precision::kBf16 ? "" : "; ") << PrecisionName(precision) << " tolerance "
        << FormatShortest(PrecisionToleranceOf(m, precision));
    if (entry == m.precision.end()) {
      out << " (default)";
    } else if (entry->second.measured) {
      out << ", exporter measured max |dp| " << FormatShortest(*entry->second.measured);
    }
  }
  out << "\n";
}

void DescribeReference(const Manifest& m, std::ostream& out) {
  if (!m.reference) {
    out << "reference:   not recorded (exported by an older verdict-export)\n";
    return;
  }
  const Reference& reference = *m.reference;
  out << "reference:   torch " << reference.torch << ", transformers " << reference.transformers
      << ", attention " << reference.attention_implementation;
  if (!reference.probabilities.empty()) {
    out << "; probabilities " << Relative(m, reference.probabilities);
  }
  out << "\n";
}

}  // namespace

std::string Describe(const Manifest& m) {
  std::ostringstream out;
  out << "bundle:      " << m.dir << "\n"
      << "format:      verdict-bundle v" << m.format_version << "\n"
      << "created by:  " << (m.created_by.empty() ? "(unknown)" : m.created_by) << "\n"
      << "model:       " << m.model_file << " (" << m.backend << ")\n"
      << "integrity:   "
      << (m.sha256.empty() ? "not recorded (no sha256 key)"
                           : std::to_string(m.sha256.size()) + " files match their sha256")
      << "\n"
      << "task:        " << TaskName(m.task) << ", " << m.num_classes << " classes [";
  for (size_t i = 0; i < m.class_labels.size(); ++i) out << (i ? ", " : "") << m.class_labels[i];
  out << "]\n"
      << "output:      "
      << (m.output == ModelOutput::kLogits ? "logits (softmax applied)" : "probabilities") << "\n"
      << "id field:    " << (m.id_field.empty() ? "(none)" : m.id_field) << "\n"
      << "label field: " << (m.label_field.empty() ? "(none)" : m.label_field) << "\n"
      << "batch size:  " << m.batch_size << "\n"
      << "inputs:\n";
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    const InputSpec& input = m.inputs[i];
    out << "  " << i << ". " << input.name;
    if (input.kind == InputKind::kTabular) {
      const TabularField* field = FindField(m.tabular_fields, input.field);
      out << "  float32 [B]  from '" << input.field << "'";
      if (field->risk_table) {
        out << ", risk table (" << field->risk_table->bins.size() << " bins, default "
            << FormatShortest(field->risk_table->default_bin) << ")";
      }
      out << ", missing -> " << FormatShortest(field->missing_value) << "\n";
    } else {
      out << "  int64 [B, C, T]  "
          << (input.kind == InputKind::kTextIds ? "token ids" : "attention mask") << " of '"
          << input.field << "'\n";
    }
  }
  for (const TextField& field : m.text_fields) {
    out << "text field '" << field.name << "': steps";
    for (const std::string& step : field.steps) out << " " << step;
    out << "; max_sen_len " << field.max_sen_len << "; tokenizer " << field.tokenizer << "\n";
  }
  out << "padding invariant: "
      << (m.padding_invariant ? "yes (dynamic padding)" : "no (pad to max_sen_len)") << "\n";
  DescribeChunkExecution(m, out);
  DescribeReference(m, out);
  DescribePrecision(m, out);
  return out.str();
}

std::string Device::ToString() const { return cuda ? "cuda:" + std::to_string(index) : "cpu"; }

}  // namespace verdict::bundle
