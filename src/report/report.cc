#include "report/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "report/lookup.h"

namespace verdict::report {

namespace fs = std::filesystem;

namespace {

nlohmann::ordered_json ToJson(const metrics::Value& value) {
  if (const double* x = std::get_if<double>(&value)) {
    return std::isfinite(*x) ? nlohmann::ordered_json(*x) : nlohmann::ordered_json(nullptr);
  }
  if (const int64_t* n = std::get_if<int64_t>(&value)) return *n;
  if (const bool* b = std::get_if<bool>(&value)) return *b;
  return nullptr;
}

// "0.123457" for numbers (bools as 1.000000/0.000000, like the seed), "null (why)" otherwise.
std::string SummaryValue(const metrics::Metric& metric) {
  if (const double* x = std::get_if<double>(&metric.value)) return FormatFixed(*x, 6);
  if (const int64_t* n = std::get_if<int64_t>(&metric.value))
    return FormatFixed(static_cast<double>(*n), 6);
  if (const bool* b = std::get_if<bool>(&metric.value)) return *b ? "1.000000" : "0.000000";
  return metric.null_reason.empty() ? "null" : "null (" + metric.null_reason + ")";
}

std::string HeadlineValue(const metrics::Metric* metric) {
  if (metric == nullptr) return "n/a";
  if (const double* x = std::get_if<double>(&metric->value)) return FormatFixed(*x, 4);
  return "null";
}

}  // namespace

std::string MetricsJson(const std::vector<metrics::Metric>& metrics,
                        const std::vector<TextMetric>& text_metrics) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  for (const metrics::Metric& metric : metrics) root[metric.name] = ToJson(metric.value);
  for (const auto& [name, value] : text_metrics) root[name] = value;
  return root.dump(2) + "\n";
}

std::string MetricsSummary(const std::vector<metrics::Metric>& metrics, bool binary) {
  const std::string rule(50, '=');
  std::ostringstream out;
  out << "PYTORCH MODEL EVALUATION METRICS\n" << rule << "\n\n";
  std::vector<std::pair<std::string, std::string>> headlines;
  if (binary) {
    headlines = {{"AUC-ROC:           ", metrics::keys::kAucRoc},
                 {"Average Precision: ", metrics::keys::kAveragePrecision},
                 {"F1 Score:          ", metrics::keys::kF1Score}};
  } else {
    headlines = {{"AUC-ROC (Macro):   ", metrics::keys::kAucRocMacro},
                 {"AUC-ROC (Micro):   ", "auc_roc_micro"},
                 {"F1 Score (Macro):  ", "f1_score_macro"}};
  }
  for (const auto& [label, key] : headlines)
    out << label << HeadlineValue(metrics::Find(metrics, key)) << "\n";
  out << "\n" << rule << "\n\nALL METRICS\n" << rule << "\n";
  std::vector<const metrics::Metric*> sorted;
  for (const metrics::Metric& metric : metrics) sorted.push_back(&metric);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const metrics::Metric* metric : sorted)
    out << metric->name << ": " << SummaryValue(*metric) << "\n";
  return out.str();
}

Status WriteMetrics(const std::string& metrics_dir, const std::vector<metrics::Metric>& metrics,
                    bool binary, const std::vector<TextMetric>& text_metrics) {
  VERDICT_RETURN_IF_ERROR(
      WriteFileAtomic(metrics_dir + "/metrics.json", MetricsJson(metrics, text_metrics)));
  return WriteFileAtomic(metrics_dir + "/metrics_summary.txt", MetricsSummary(metrics, binary));
}

Status WriteReports(const std::string& metrics_dir, const Predictions& predictions,
                    const metrics::Evaluation& evaluation, const DataSummary& data,
                    const RunInfo& run, const ReportOptions& options, const ReportExtras& extras) {
  VERDICT_RETURN_IF_ERROR(
      WriteMetrics(metrics_dir, evaluation.metrics, predictions.binary, extras.text_metrics));
  std::vector<ReportFigure> figures;
  if (options.plots) {
    VERDICT_ASSIGN_OR_RETURN(figures, BuildFigures(predictions, evaluation, data, options));
  }
  // The JPGs and report.html (the same figures as SVG) are independent: made side by side.
  std::future<Status> plots = std::async(std::launch::async, [&] {
    return options.plots ? WritePlots(metrics_dir, figures) : Status::Ok();
  });
  Result<std::string> html =
      ReportHtml(predictions, evaluation, data, run, figures, extras.html_section);
  VERDICT_RETURN_IF_ERROR(plots.get());
  if (!html.ok()) return html.status();
  return WriteFileAtomic(metrics_dir + "/report.html", *html);
}

Status ClearMarkers(const std::string& metrics_dir) {
  std::error_code ec;
  fs::create_directories(metrics_dir, ec);
  if (ec) return IoError("cannot create metrics directory '" + metrics_dir + "': " + ec.message());
  for (const char* marker : {"_SUCCESS", "_HEALTH", "_FAILURE"}) {
    fs::remove(fs::path(metrics_dir) / marker, ec);
    if (ec) return IoError("cannot remove '" + metrics_dir + "/" + marker + "': " + ec.message());
  }
  return Status::Ok();
}

Status WriteSuccess(const std::string& metrics_dir) {
  VERDICT_RETURN_IF_ERROR(
      WriteFileAtomic(metrics_dir + "/_HEALTH", "healthy: " + IsoTimestampMicros()));
  return WriteFileAtomic(metrics_dir + "/_SUCCESS", "");
}

Status WriteFailure(const std::string& metrics_dir, const std::string& message) {
  std::error_code ec;
  fs::remove(fs::path(metrics_dir) / "_SUCCESS", ec);
  fs::remove(fs::path(metrics_dir) / "_HEALTH", ec);
  return WriteFileAtomic(metrics_dir + "/_FAILURE", "Error: " + message);
}

}  // namespace verdict::report
