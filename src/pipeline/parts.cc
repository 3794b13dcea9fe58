// Parts of an evaluation (ranks, `eval --partial` instances) and `verdict merge`. No LibTorch:
// merge runs in build/verdict.
#include "pipeline/parts.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>
#include <type_traits>

#include "report/report.h"

namespace verdict::pipeline::internal {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "verdict-part 1\n";

// Appends values and length-prefixed sequences.
class Encoder {
 public:
  template <typename T>
  void Value(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void Text(std::string_view text) {
    Value<uint64_t>(text.size());
    out_.append(text);
  }
  template <typename T>
  void Values(const std::vector<T>& values) {
    Value<uint64_t>(values.size());
    out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }
  void Texts(const std::vector<std::string>& texts) {
    Value<uint64_t>(texts.size());
    for (const std::string& text : texts) Text(text);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what Encoder wrote; any read past the end marks the input as broken.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return at_ == in_.size(); }

  template <typename T>
  T Value() {
    T value{};
    if (Take(sizeof(T))) std::memcpy(&value, in_.data() + at_ - sizeof(T), sizeof(T));
    return value;
  }
  std::string Text() {
    const uint64_t n = Value<uint64_t>();
    if (!Take(n)) return {};
    return std::string(in_.substr(at_ - n, n));
  }
  template <typename T>
  std::vector<T> Values() {
    const uint64_t n = Value<uint64_t>();
    if (n > in_.size() || !Take(n * sizeof(T))) return {};
    std::vector<T> values(n);
    // An empty vector's data() may be null, which memcpy must not get even for 0 bytes.
    if (n != 0) std::memcpy(values.data(), in_.data() + at_ - n * sizeof(T), n * sizeof(T));
    return values;
  }
  std::vector<std::string> Texts() {
    const uint64_t n = Value<uint64_t>();
    std::vector<std::string> texts;
    for (uint64_t i = 0; i < n && ok_; ++i) texts.push_back(Text());
    return texts;
  }

 private:
  bool Take(uint64_t n) {
    if (!ok_ || n > in_.size() - at_) {
      ok_ = false;
      return false;
    }
    at_ += n;
    return true;
  }
  std::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

void EncodeRows(const ScoredRows& rows, Encoder& out) {
  out.Value<int32_t>(rows.num_classes);
  out.Value<uint8_t>(rows.binary);
  out.Texts(rows.class_names);
  out.Value<int64_t>(rows.rows);
  out.Values(rows.labels);
  out.Values(rows.scores);
  out.Values(rows.previous);
  out.Texts(rows.ids);
  out.Value<uint64_t>(rows.missing_per_field.size());
  for (const auto& [field, missing] : rows.missing_per_field) {
    out.Text(field);
    out.Value<int64_t>(missing);
  }
  out.Value<uint64_t>(rows.text_lengths.size());
  for (const auto& [field, lengths] : rows.text_lengths) {
    out.Text(field);
    out.Values(lengths);
  }
}

ScoredRows DecodeRows(Decoder& in) {
  ScoredRows rows;
  rows.num_classes = in.Value<int32_t>();
  rows.binary = in.Value<uint8_t>() != 0;
  rows.class_names = in.Texts();
  rows.rows = in.Value<int64_t>();
  rows.labels = in.Values<int32_t>();
  rows.scores = in.Values<double>();
  rows.previous = in.Values<double>();
  rows.ids = in.Texts();
  for (uint64_t n = in.Value<uint64_t>(), i = 0; i < n && in.ok(); ++i) {
    std::string field = in.Text();
    rows.missing_per_field.emplace_back(std::move(field), in.Value<int64_t>());
  }
  for (uint64_t n = in.Value<uint64_t>(), i = 0; i < n && in.ok(); ++i) {
    std::string field = in.Text();
    rows.text_lengths.emplace_back(std::move(field), in.Values<int64_t>());
  }
  return rows;
}

void EncodeSettings(const AssessSettings& settings, Encoder& out) {
  out.Values(settings.thresholds);
  out.Value<uint8_t>(settings.plots);
  const ComparisonConfig& c = settings.comparison;
  out.Texts(c.previous_score_columns);
  out.Text(c.comparison_metrics);
  out.Value<uint8_t>(c.statistical_tests);
  out.Value<uint8_t>(c.plots);
  out.Value<double>(c.margin);
  out.Value<int64_t>(c.bootstrap_resamples);
  out.Text(settings.label_field);
}

AssessSettings DecodeSettings(Decoder& in) {
  AssessSettings settings;
  settings.thresholds = in.Values<double>();
  settings.plots = in.Value<uint8_t>() != 0;
  ComparisonConfig& c = settings.comparison;
  c.previous_score_columns = in.Texts();
  c.comparison_metrics = in.Text();
  c.statistical_tests = in.Value<uint8_t>() != 0;
  c.plots = in.Value<uint8_t>() != 0;
  c.margin = in.Value<double>();
  c.bootstrap_resamples = static_cast<int>(in.Value<int64_t>());
  settings.label_field = in.Text();
  return settings;
}

template <typename T>
void Append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// The first line of a CSV/TSV predictions file (the writer quotes no newline into a header).
std::string_view HeaderOf(std::string_view bytes) {
  const size_t end = bytes.find('\n');
  return end == std::string_view::npos ? bytes : bytes.substr(0, end + 1);
}

Status WriteText(const std::vector<Part>& parts, const std::string& path) {
  std::string header;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const Part& part : parts) {
    if (part.predictions.empty()) continue;
    std::string_view bytes = part.predictions;
    std::string_view part_header = HeaderOf(bytes);
    if (header.empty()) {
      header = part_header;
      out << header;
    } else if (part_header != header) {
      return InvalidData("the predictions of " + part.host + " have other columns than those of " +
                         parts.front().host);
    }
    out << bytes.substr(part_header.size());
  }
  out.close();
  if (!out) return IoError("cannot write '" + path + "'");
  return Status::Ok();
}

Status WriteParquet(const std::vector<Part>& parts, const std::string& path,
                    const std::string& scratch_dir) {
  VERDICT_ASSIGN_OR_RETURN(table::Writer writer,
                           table::Writer::Open(path, table::Format::kParquet));
  const std::string scratch = (fs::path(scratch_dir) / ".verdict-part.parquet").string();
  for (const Part& part : parts) {
    if (part.predictions.empty()) continue;
    VERDICT_RETURN_IF_ERROR(WriteFileAtomic(scratch, part.predictions));
    Status copied = [&]() -> Status {
      VERDICT_ASSIGN_OR_RETURN(
          table::Reader reader,
          table::Reader::Open({.files = {scratch}, .format = table::Format::kParquet}));
      std::vector<table::OutputColumn> columns;
      for (const std::string& name : reader.column_names()) columns.push_back({name, name, {}});
      while (true) {
        VERDICT_ASSIGN_OR_RETURN(std::optional<table::Batch> batch, reader.Next());
        if (!batch) return Status::Ok();
        VERDICT_RETURN_IF_ERROR(writer.Write(*batch, columns));
      }
    }();
    std::error_code ec;
    fs::remove(scratch, ec);
    VERDICT_RETURN_IF_ERROR(copied);
  }
  return writer.Commit();
}

}  // namespace

std::string EncodePart(const Part& part) {
  Encoder out;
  out.Text(kMagic);
  out.Text(part.host);
  out.Value<int64_t>(part.order);
  out.Text(part.predictions_name);
  out.Value<int32_t>(static_cast<int32_t>(part.format));
  out.Text(part.predictions);
  EncodeSettings(part.settings, out);
  out.Texts(part.data_files);
  EncodeRows(part.rows, out);
  return out.Take();
}

Result<Part> DecodePart(std::string_view bytes, const std::string& where) {
  Decoder in(bytes);
  if (in.Text() != kMagic) {
    return InvalidData(where +
                       " is not a part of a verdict evaluation (written by verdict eval "
                       "--partial or a rank)");
  }
  Part part;
  part.host = in.Text();
  part.order = in.Value<int64_t>();
  part.predictions_name = in.Text();
  part.format = static_cast<table::Format>(in.Value<int32_t>());
  part.predictions = in.Text();
  part.settings = DecodeSettings(in);
  part.data_files = in.Texts();
  part.rows = DecodeRows(in);
  if (!in.ok() || !in.done()) return InvalidData(where + " is truncated or damaged");
  return part;
}

ScoredRows JoinScoredRows(std::vector<Part>& parts) {
  ScoredRows all;
  bool first = true;
  for (Part& part : parts) {
    ScoredRows& rows = part.rows;
    if (rows.rows == 0 && !first) continue;
    if (first) {
      all = std::move(rows);
      first = false;
      continue;
    }
    all.rows += rows.rows;
    Append(all.labels, rows.labels);
    Append(all.scores, rows.scores);
    Append(all.previous, rows.previous);
    Append(all.ids, rows.ids);
    for (size_t f = 0; f < all.missing_per_field.size() && f < rows.missing_per_field.size(); ++f) {
      all.missing_per_field[f].second += rows.missing_per_field[f].second;
    }
    for (size_t f = 0; f < all.text_lengths.size() && f < rows.text_lengths.size(); ++f) {
      Append(all.text_lengths[f].second, rows.text_lengths[f].second);
    }
  }
  return all;
}

Status WriteJoinedPredictions(const std::vector<Part>& parts, const std::string& path,
                              const std::string& scratch_dir) {
  if (parts.empty()) return InvalidArgument("no parts to join");
  return parts.front().format == table::Format::kParquet ? WriteParquet(parts, path, scratch_dir)
                                                         : WriteText(parts, path);
}

AssessConfig AssessConfigOf(const AssessSettings& settings, const std::string& metrics_dir,
                            const std::string& predictions_path) {
  AssessConfig assess{
      .metrics_dir = metrics_dir,
      .thresholds = settings.thresholds,
      .plots = settings.plots,
      .comparison = settings.comparison,
      .without_labels_note =
          "the data has no label column" +
          (settings.label_field.empty() ? std::string() : " '" + settings.label_field + "'") +
          "; predictions were written to " + predictions_path,
      .error_context = ""};
  return assess;
}

Result<Identity> IdentityOf(const std::string& resource_config) {
  std::error_code ec;
  if (resource_config.empty() || !fs::exists(resource_config, ec)) {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) != 0) return IoError("cannot read the host name");
    return Identity{.host = name, .order = 0};
  }
  VERDICT_ASSIGN_OR_RETURN(std::string text, ReadFile(resource_config));
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string where = "resource config '" + resource_config + "'";
  if (!json.is_object() || !json.contains("current_host") || !json["current_host"].is_string()) {
    return InvalidArgument(where + " has no string \"current_host\"");
  }
  Identity identity{.host = json["current_host"].get<std::string>()};
  if (json.contains("hosts") && json["hosts"].is_array()) {
    const nlohmann::json& hosts = json["hosts"];
    auto it = std::find(hosts.begin(), hosts.end(), identity.host);
    if (it == hosts.end()) {
      return InvalidArgument(where + ": current_host " + Quote(identity.host) +
                             " is not one of its hosts");
    }
    identity.order = it - hosts.begin();
  }
  const bool safe =
      !identity.host.empty() && std::all_of(identity.host.begin(), identity.host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
  if (!safe)
    return InvalidArgument(where + ": host name " + Quote(identity.host) +
                           " is not usable in a file name");
  return identity;
}

std::string PartPredictionsName(const std::string& predictions_name, const std::string& host) {
  const fs::path name(predictions_name);
  return name.stem().string() + ".part-" + host + name.extension().string();
}

std::string PartRowsName(const std::string& host) {
  return "scored_rows.part-" + host + ".verdict";
}

}  // namespace verdict::pipeline::internal

namespace verdict::pipeline {

namespace {

namespace fs = std::filesystem;
using internal::Part;

// Every part below the folders: the scored-rows files, decoded, in data order; with
// `with_predictions`, each with its predictions file's bytes (found below the same folders).
Result<std::vector<Part>> FindParts(const std::vector<std::string>& dirs, bool with_predictions) {
  std::vector<Part> parts;
  std::map<std::string, std::string> files;  // file name -> path
  for (const std::string& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return NotFound("part folder '" + dir + "' does not exist");
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const std::string name = it->path().filename().string();
      const std::string path = it->path().string();
      if (name.find(".part-") == std::string::npos) continue;
      if (files.count(name) != 0) {
        return InvalidData("two parts named '" + name + "': '" + files[name] + "' and '" + path +
                           "'");
      }
      files[name] = path;
      if (name.rfind("scored_rows.part-", 0) != 0 || it->path().extension() != ".verdict") {
        continue;
      }
      VERDICT_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
      VERDICT_ASSIGN_OR_RETURN(Part part, internal::DecodePart(bytes, "'" + path + "'"));
      parts.push_back(std::move(part));
    }
    if (ec) return IoError("cannot list '" + dir + "': " + ec.message());
  }
  if (parts.empty()) {
    return NotFound(
        "no scored_rows.part-*.verdict file below the part folders (written by "
        "verdict eval --partial into its metrics directory)");
  }
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
    return std::tie(a.order, a.host) < std::tie(b.order, b.host);
  });
  for (Part& part : parts) {
    if (!with_predictions) continue;
    const std::string name = internal::PartPredictionsName(part.predictions_name, part.host);
    auto found = files.find(name);
    if (found == files.end()) {
      return NotFound("the predictions part '" + name + "' of " + part.host +
                      " is not below the part folders (it is in the output directory of its "
                      "verdict eval --partial)");
    }
    VERDICT_ASSIGN_OR_RETURN(part.predictions, ReadFile(found->second));
  }
  return parts;
}

Status MergeParts(const MergeConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  const bool with_predictions = !config.output_dir.empty();
  VERDICT_ASSIGN_OR_RETURN(std::vector<Part> parts, FindParts(config.part_dirs, with_predictions));
  const internal::AssessSettings settings = parts.front().settings;
  const std::string path =
      with_predictions ? (fs::path(config.output_dir) / parts.front().predictions_name).string()
                       : std::string("(not merged: no --output-dir)");
  report::RunInfo run;
  run.started_at = IsoTimestampMicros();
  run.verdict_version = VERDICT_VERSION;
  for (const Part& part : parts) {
    run.data_files.insert(run.data_files.end(), part.data_files.begin(), part.data_files.end());
  }
  const std::string partial = path + ".partial";
  if (with_predictions) {
    VERDICT_RETURN_IF_ERROR(internal::WriteJoinedPredictions(parts, partial, config.output_dir));
  }
  internal::ScoredRows rows = internal::JoinScoredRows(parts);
  run.stage_seconds = {
      {"merge " + std::to_string(parts.size()) + " parts",
       std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
  Status status = internal::Assess(
      rows, internal::AssessConfigOf(settings, config.metrics_dir, path), std::move(run));
  std::error_code ec;
  if (with_predictions && status.ok()) fs::rename(partial, path, ec);
  if (with_predictions && (!status.ok() || ec)) fs::remove(partial, ec);
  VERDICT_RETURN_IF_ERROR(status);
  if (ec) return IoError("cannot move '" + partial + "' to '" + path + "'");
  LogInfo("merged " + std::to_string(parts.size()) + " parts (" + std::to_string(rows.rows) +
          " rows) into " + config.metrics_dir + (with_predictions ? " and " + path : ""));
  return Status::Ok();
}

}  // namespace

Status RunMerge(const MergeConfig& config) {
  if (config.part_dirs.empty()) return InvalidArgument("verdict merge needs PART_DIR arguments");
  std::vector<std::string> dirs = {config.metrics_dir};
  if (!config.output_dir.empty()) dirs.push_back(config.output_dir);
  VERDICT_ASSIGN_OR_RETURN(std::vector<DirectoryLock> locks, internal::LockDirectories(dirs));
  return internal::RunWithMarkers(config.metrics_dir, [&] { return MergeParts(config); });
}

}  // namespace verdict::pipeline
