// report: what an evaluation leaves in the metrics directory.
//
//   metrics.json          every metric by name (strict JSON: undefined values are null)
//   metrics_summary.txt   the seed's layout: headline metrics, then every metric sorted by name
//   *.jpg                 the plots (1600 x 1200): ROC, PR, score distribution, calibration,
//                         threshold (binary); per-class and all-class ROC/PR and the confusion
//                         matrix (multiclass); the list is docs/report.md
//   report.html           one self-contained page (inline SVG and CSS, no script, no network):
//                         headline metrics with intervals, the plots, per-class table, data
//                         summary and run information
//   _SUCCESS, _HEALTH     written last, only when everything else succeeded
//   _FAILURE              "Error: <message>" when the run failed (never together with _SUCCESS)
//
// Every file is written atomically (temporary file + rename). A plot that cannot be drawn is an
// error naming the file, never a silent gap.
//
// Usage:
//   VERDICT_RETURN_IF_ERROR(report::ClearMarkers(metrics_dir));
//   ... evaluate ...
//   report::Predictions predictions{.binary = true, .num_classes = 2, .labels = labels,
//                                   .probabilities = probabilities};   // row-major [N, K]
//   VERDICT_RETURN_IF_ERROR(report::WriteReports(metrics_dir, predictions, evaluation, data,
//                                                run, report::ReportOptions{}));
//   VERDICT_RETURN_IF_ERROR(report::WriteSuccess(metrics_dir));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"
#include "metrics/metrics.h"
#include "plot/plot.h"

namespace verdict::report {

// ---------------------------------------------------------------------------------------------
// Inputs of the full report

// The evaluated rows: what metrics::Evaluate* saw. Never copied into report.html.
struct Predictions {
  bool binary = true;
  int num_classes = 2;
  std::span<const int32_t> labels;  // class index 0..K-1 per row
  // Multiclass: row-major [N, K] probabilities. Binary: [N] scores P(class 1) (half the memory
  // of [N, 2], which matters at 10^7 rows).
  std::span<const double> probabilities;
};

// What the pipeline knows about the data.
struct DataSummary {
  std::vector<std::string> class_names;  // label value of class i as in the data (may be empty)
  // Field -> cells missing (null or empty) in that field, in field order.
  std::vector<std::pair<std::string, int64_t>> missing_per_field;
  // Text field -> token count per row (empty when the bundle has no text fields). Only binned
  // summaries reach report.html.
  std::vector<std::pair<std::string, std::vector<int64_t>>> text_lengths;
};

// How the run was made.
struct RunInfo {
  std::string bundle_dir;
  std::string model_file;
  std::string created_by;  // the bundle's creator (e.g. "verdict-export 0.1.0"); may be empty
  std::string device;      // e.g. "cpu", "cuda:0"
  std::vector<std::string> data_files;
  std::string started_at;  // ISO time
  std::string verdict_version;
  std::vector<std::pair<std::string, double>> stage_seconds;  // stage name -> wall seconds
  // Further facts of the run, shown as rows of the run table (e.g. "batching" -> "served").
  std::vector<std::pair<std::string, std::string>> facts;
};

struct ReportOptions {
  bool plots = true;  // false (--no-plots): no JPGs, and report.html without charts
  int calibration_bins =
      10;  // bins of the reliability diagram (metrics::Options::calibration_bins)
};

// A string-valued metrics.json key, e.g. {"comparison_decision", "better"}.
using TextMetric = std::pair<std::string, std::string>;

// What another stage adds to the report (comparison mode).
struct ReportExtras {
  std::vector<TextMetric> text_metrics;  // written to metrics.json after the numeric keys
  std::string html_section;              // an HTML fragment placed in report.html after the plots
};

// ---------------------------------------------------------------------------------------------
// The whole report

// Writes metrics.json, metrics_summary.txt, the plots (unless !options.plots) and report.html
// into `metrics_dir` (which must exist). Errors name the file that could not be made.
Status WriteReports(const std::string& metrics_dir, const Predictions& predictions,
                    const metrics::Evaluation& evaluation, const DataSummary& data,
                    const RunInfo& run, const ReportOptions& options,
                    const ReportExtras& extras = {});

// ---------------------------------------------------------------------------------------------
// Parts, exposed for tests and other front ends

// A plot of the report: its file name in the metrics directory ("roc_curve.jpg") and figure.
struct ReportFigure {
  std::string file_name;
  plot::Figure figure;
  bool in_html = true;  // inlined in report.html; per-class plots are only files (linked)
};

// The report's plots, in report order. Curves the evaluation does not have (e.g. ROC with one
// class present) are left out; inconsistent input is an error naming the plot.
Result<std::vector<ReportFigure>> BuildFigures(const Predictions& predictions,
                                               const metrics::Evaluation& evaluation,
                                               const DataSummary& data,
                                               const ReportOptions& options);

// Renders each figure as JPG into `metrics_dir`; an error names the file.
Status WritePlots(const std::string& metrics_dir, const std::vector<ReportFigure>& figures);

// report.html body. `figures` are inlined as SVG (empty: no plots section); `extra_section`, an
// HTML fragment, follows the plots as is.
Result<std::string> ReportHtml(const Predictions& predictions,
                               const metrics::Evaluation& evaluation, const DataSummary& data,
                               const RunInfo& run, const std::vector<ReportFigure>& figures,
                               std::string_view extra_section = {});

// ---------------------------------------------------------------------------------------------
// metrics.json, metrics_summary.txt and the markers

// metrics.json body: one key per metric, in order, 2-space indented; null for undefined values;
// then `text_metrics` as JSON strings.
std::string MetricsJson(const std::vector<metrics::Metric>& metrics,
                        const std::vector<TextMetric>& text_metrics = {});

// metrics_summary.txt body (see docs/outputs.md). `binary` picks the headline lines.
std::string MetricsSummary(const std::vector<metrics::Metric>& metrics, bool binary);

// Writes metrics.json and metrics_summary.txt into `metrics_dir`.
Status WriteMetrics(const std::string& metrics_dir, const std::vector<metrics::Metric>& metrics,
                    bool binary, const std::vector<TextMetric>& text_metrics = {});

// Removes _SUCCESS, _HEALTH and _FAILURE left by an earlier run (creates the directory).
Status ClearMarkers(const std::string& metrics_dir);
// Writes _SUCCESS (empty) and _HEALTH ("healthy: <local ISO time>").
Status WriteSuccess(const std::string& metrics_dir);
// Writes _FAILURE ("Error: <message>") and makes sure no _SUCCESS remains.
Status WriteFailure(const std::string& metrics_dir, const std::string& message);

}  // namespace verdict::report
