// ReportHtml: one self-contained page (inline CSS and SVG, no script). Its size depends on the
// number of classes, fields and files, never on the number of rows: curves come down-sampled
// from metrics, and row-level inputs (labels, text lengths) only reach it as counts and bins.
#include <algorithm>
#include <cmath>
#include <regex>
#include <sstream>

#include "report/lookup.h"
#include "report/report.h"

namespace verdict::report {
namespace {

using internal::MetricNumber;
using metrics::Find;

constexpr char kStyle[] = R"css(
:root { --ink: #262626; --muted: #5f6368; --line: #dadce0; --accent: #0072b2; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
       sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
.sub { color: var(--muted); margin: 0; }
nav { margin: 14px 0 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
nav a { color: var(--accent); text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--soft); }
.card .name { color: var(--muted); font-size: 13px; }
.card .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .ci { color: var(--muted); font-size: 13px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; }
.scroll { overflow-x: auto; max-width: 100%; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; text-align: center; }
.bar { display: inline-block; height: 10px; background: var(--accent); opacity: 0.7; border-radius: 2px; }
.hist { display: flex; align-items: flex-end; gap: 1px; height: 70px; width: 360px;
        border-bottom: 1px solid var(--muted); }
.hist span { flex: 1; background: var(--accent); opacity: 0.75; min-height: 1px; }
.null { color: var(--muted); }
.notes li { color: #8a4b00; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
)css";

// At most this many data files are listed by name.
constexpr size_t kMaxListedFiles = 20;
// Bins of a text length histogram.
constexpr int kLengthBins = 24;

std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Percent(double fraction) { return FormatFixed(100 * fraction, 1) + "%"; }

// A metric value as the page shows it (escaped HTML).
std::string ValueHtml(const metrics::Metric* metric) {
  if (metric == nullptr) return "<span class=\"null\">n/a</span>";
  if (const double* x = std::get_if<double>(&metric->value)) {
    if (std::isfinite(*x)) return FormatFixed(*x, 4);
  }
  if (const int64_t* n = std::get_if<int64_t>(&metric->value)) return WithThousands(*n);
  if (const bool* b = std::get_if<bool>(&metric->value)) return *b ? "true" : "false";
  const std::string why = metric->null_reason.empty() ? "undefined" : metric->null_reason;
  return "<span class=\"null\" title=\"" + HtmlEscape(why) + "\">null (" + HtmlEscape(why) +
         ")</span>";
}

// "[0.8812, 0.9137]" when the metric has both interval ends, "" otherwise.
std::string IntervalHtml(const std::vector<metrics::Metric>& metrics, const std::string& key) {
  std::optional<double> lower = MetricNumber(metrics, key + "_ci_lower");
  std::optional<double> upper = MetricNumber(metrics, key + "_ci_upper");
  if (!lower || !upper) return "";
  return "[" + FormatFixed(*lower, 4) + ", " + FormatFixed(*upper, 4) + "]";
}

class Page {
 public:
  void Raw(std::string_view html) { out_ << html; }
  void Text(std::string_view text) { out_ << HtmlEscape(text); }
  void Element(std::string_view tag, std::string_view text) {
    out_ << "<" << tag << ">" << HtmlEscape(text) << "</" << tag << ">";
  }
  // A table row of already-escaped cells; `numeric[i]` right-aligns cell i.
  void Row(const std::vector<std::string>& cells, const std::vector<bool>& numeric = {},
           bool header = false) {
    const char* tag = header ? "th" : "td";
    out_ << "<tr>";
    for (size_t i = 0; i < cells.size(); ++i) {
      const bool right = i < numeric.size() && numeric[i];
      out_ << "<" << tag << (right ? " class=\"num\">" : ">") << cells[i] << "</" << tag << ">";
    }
    out_ << "</tr>\n";
  }
  std::string Take() { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::vector<std::string> HeadlineKeys(bool binary) {
  if (binary) {
    return {"auc_roc",      "average_precision", "f1_score",
            "accuracy",     "balanced_accuracy", "mcc",
            "log_loss",     "brier_score",       "expected_calibration_error",
            "positive_rate"};
  }
  return {"auc_roc_macro",  "auc_roc_micro", "auc_roc_weighted", "average_precision_macro",
          "f1_score_macro", "accuracy",      "log_loss"};
}

void HeadlineSection(Page& page, const Predictions& predictions,
                     const metrics::Evaluation& evaluation) {
  page.Raw("<section id=\"metrics\"><h2>Headline metrics</h2>\n<div class=\"cards\">\n");
  for (const std::string& key : HeadlineKeys(predictions.binary)) {
    const metrics::Metric* metric = Find(evaluation.metrics, key);
    if (metric == nullptr) continue;
    const std::string interval = IntervalHtml(evaluation.metrics, key);
    page.Raw("<div class=\"card\"><div class=\"name\">" + HtmlEscape(key) +
             "</div><div class=\"value\">" + ValueHtml(metric) + "</div>" +
             (interval.empty() ? "" : "<div class=\"ci\">95% CI " + interval + "</div>") +
             "</div>\n");
  }
  page.Raw("</div>\n");
}

// Binary: precision, recall and F1 at each configured threshold (keys f1_score_at_<T>).
void ThresholdTable(Page& page, const metrics::Evaluation& evaluation) {
  const std::string prefix = "f1_score_at_";
  std::vector<std::string> thresholds;
  for (const metrics::Metric& metric : evaluation.metrics) {
    if (metric.name.rfind(prefix, 0) == 0 && metric.name.find("_ci_") == std::string::npos) {
      thresholds.push_back(metric.name.substr(prefix.size()));
    }
  }
  if (thresholds.empty()) return;
  page.Raw("<h3>At fixed thresholds (predicted positive when p &ge; T)</h3>\n<table>\n");
  page.Row({"T", "precision", "recall", "F1"}, {true, true, true, true}, true);
  for (const std::string& t : thresholds) {
    std::vector<std::string> cells = {HtmlEscape(t)};
    for (const std::string& key : {"precision_at_" + t, "recall_at_" + t, "f1_score_at_" + t}) {
      const std::string interval = IntervalHtml(evaluation.metrics, key);
      cells.push_back(ValueHtml(Find(evaluation.metrics, key)) +
                      (interval.empty() ? "" : " <span class=\"null\">" + interval + "</span>"));
    }
    page.Row(cells, {true, true, true, true});
  }
  page.Raw("</table>\n");
}

void NotesAndAllMetrics(Page& page, const metrics::Evaluation& evaluation) {
  if (!evaluation.notes.empty()) {
    page.Raw("<h3>Notes</h3>\n<ul class=\"notes\">");
    for (const std::string& note : evaluation.notes) page.Element("li", note);
    page.Raw("</ul>\n");
  }
  page.Raw("<details><summary>All metrics (" + std::to_string(evaluation.metrics.size()) +
           ", as in metrics.json)</summary>\n<div class=\"scroll\"><table>\n");
  page.Row({"metric", "value"}, {false, true}, true);
  for (const metrics::Metric& metric : evaluation.metrics) {
    page.Row({HtmlEscape(metric.name), ValueHtml(&metric)}, {false, true});
  }
  page.Raw("</table></div></details>\n</section>\n");
}

Status PlotsSection(Page& page, const std::vector<ReportFigure>& figures) {
  page.Raw("<section id=\"plots\"><h2>Plots</h2>\n");
  if (figures.empty()) {
    page.Raw("<p>No plots were drawn (--no-plots).</p>\n</section>\n");
    return Status::Ok();
  }
  page.Raw("<div class=\"plots\">\n");
  std::vector<const ReportFigure*> linked;
  for (size_t i = 0; i < figures.size(); ++i) {
    const ReportFigure& figure = figures[i];
    if (!figure.in_html) {
      linked.push_back(&figure);
      continue;
    }
    plot::SvgOptions options{.id_prefix = "f" + std::to_string(i) + "-", .xml_declaration = false};
    Result<plot::Rendered> svg = plot::RenderSvg(figure.figure, options);
    if (!svg.ok()) return svg.status().WithContext("report.html: plot " + figure.file_name);
    page.Raw("<figure>" + svg->data + "<figcaption>" + HtmlEscape(figure.file_name) +
             "</figcaption></figure>\n");
  }
  page.Raw("</div>\n");
  if (!linked.empty()) {
    page.Raw("<h3>Per-class plots (files beside this page)</h3>\n<p>");
    for (size_t i = 0; i < linked.size(); ++i) {
      const std::string name = HtmlEscape(linked[i]->file_name);
      page.Raw((i > 0 ? " &middot; " : "") + ("<a href=\"" + name + "\">" + name + "</a>"));
    }
    page.Raw("</p>\n");
  }
  page.Raw("</section>\n");
  return Status::Ok();
}

// Multiclass: one row per class with support and every <metric>_class_<i> of the evaluation.
void PerClassSection(Page& page, const Predictions& predictions,
                     const metrics::Evaluation& evaluation, const DataSummary& data) {
  if (predictions.binary) return;
  static const std::regex kPerClass("(.+)_class_([0-9]+)");
  std::vector<std::string> columns;
  for (const metrics::Metric& metric : evaluation.metrics) {
    std::smatch match;
    if (std::regex_match(metric.name, match, kPerClass) &&
        std::find(columns.begin(), columns.end(), match[1].str()) == columns.end()) {
      columns.push_back(match[1].str());
    }
  }
  const std::vector<int64_t> counts =
      internal::ClassCounts(predictions.labels, predictions.num_classes);
  const double rows = static_cast<double>(predictions.labels.size());
  page.Raw(
      "<section id=\"classes\"><h2>Per class (one-vs-rest)</h2>\n<div class=\"scroll\"><table>\n");
  std::vector<std::string> header = {"class", "label", "rows", "share"};
  std::vector<bool> numeric = {true, false, true, true};
  for (const std::string& column : columns) {
    header.push_back(HtmlEscape(column));
    numeric.push_back(true);
  }
  page.Row(header, numeric, true);
  for (int c = 0; c < predictions.num_classes; ++c) {
    std::vector<std::string> cells = {std::to_string(c), HtmlEscape(internal::ClassName(data, c)),
                                      WithThousands(counts[c]), Percent(counts[c] / rows)};
    for (const std::string& column : columns) {
      cells.push_back(ValueHtml(Find(evaluation.metrics, column + "_class_" + std::to_string(c))));
    }
    page.Row(cells, numeric);
  }
  page.Raw("</table></div>\n</section>\n");
}

void ClassBalanceTable(Page& page, const Predictions& predictions, const DataSummary& data) {
  const std::vector<int64_t> counts =
      internal::ClassCounts(predictions.labels, predictions.num_classes);
  const double rows = static_cast<double>(predictions.labels.size());
  page.Raw("<h3>Class balance</h3>\n<table>\n");
  page.Row({"class", "label", "rows", "share", ""}, {true, false, true, true, false}, true);
  for (int c = 0; c < predictions.num_classes; ++c) {
    const double share = counts[c] / rows;
    page.Row({std::to_string(c), HtmlEscape(internal::ClassName(data, c)), WithThousands(counts[c]),
              Percent(share),
              "<span class=\"bar\" style=\"width:" + FormatFixed(160 * share, 1) + "px\"></span>"},
             {true, false, true, true, false});
  }
  page.Raw("</table>\n");
}

void MissingTable(Page& page, const DataSummary& data, double rows) {
  page.Raw("<h3>Missing values per field</h3>\n");
  if (data.missing_per_field.empty()) {
    page.Raw("<p>No field information.</p>\n");
    return;
  }
  page.Raw("<div class=\"scroll\"><table>\n");
  page.Row({"field", "missing cells", "share of rows"}, {false, true, true}, true);
  for (const auto& [field, missing] : data.missing_per_field) {
    page.Row({HtmlEscape(field), WithThousands(missing), Percent(missing / rows)},
             {false, true, true});
  }
  page.Raw("</table></div>\n");
}

// Quantile q of the values (nearest rank below); reorders `values` (linear time).
int64_t Quantile(std::vector<int64_t>& values, double q) {
  const auto at =
      values.begin() + static_cast<ptrdiff_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), at, values.end());
  return *at;
}

// A CSS histogram of lengths in kLengthBins equal-width bins over [min, max].
std::string LengthHistogram(const std::vector<int64_t>& lengths, int64_t min, int64_t max) {
  const double width = std::max(1.0, static_cast<double>(max - min + 1) / kLengthBins);
  std::vector<int64_t> bins(kLengthBins, 0);
  for (int64_t length : lengths) {
    ++bins[std::min<int64_t>(kLengthBins - 1, static_cast<int64_t>((length - min) / width))];
  }
  const int64_t tallest = *std::max_element(bins.begin(), bins.end());
  std::string html = "<div class=\"hist\">";
  for (int b = 0; b < kLengthBins; ++b) {
    const int64_t from = min + static_cast<int64_t>(std::ceil(b * width));
    const int64_t to = min + static_cast<int64_t>(std::ceil((b + 1) * width)) - 1;
    if (from > max) break;
    html += "<span style=\"height:" + FormatFixed(100.0 * bins[b] / tallest, 1) + "%\" title=\"" +
            std::to_string(from) + "-" + std::to_string(std::min(to, max)) +
            " tokens: " + WithThousands(bins[b]) + " rows\"></span>";
  }
  return html + "</div>";
}

void TextLengthTable(Page& page, const DataSummary& data) {
  if (data.text_lengths.empty()) return;
  page.Raw("<h3>Text length (tokens per row)</h3>\n<div class=\"scroll\"><table>\n");
  page.Row({"field", "rows", "min", "median", "p95", "max", "mean", "distribution"},
           {false, true, true, true, true, true, true, false}, true);
  for (const auto& [field, lengths] : data.text_lengths) {
    if (lengths.empty()) {
      page.Row({HtmlEscape(field), "0", "", "", "", "", "", ""});
      continue;
    }
    const auto [min, max] = std::minmax_element(lengths.begin(), lengths.end());
    double sum = 0;
    for (int64_t length : lengths) sum += static_cast<double>(length);
    std::vector<int64_t> scratch = lengths;
    page.Row({HtmlEscape(field), WithThousands(static_cast<int64_t>(lengths.size())),
              WithThousands(*min), WithThousands(Quantile(scratch, 0.5)),
              WithThousands(Quantile(scratch, 0.95)), WithThousands(*max),
              FormatFixed(sum / static_cast<double>(lengths.size()), 1),
              LengthHistogram(lengths, *min, *max)},
             {false, true, true, true, true, true, true, false});
  }
  page.Raw("</table></div>\n");
}

void DataSection(Page& page, const Predictions& predictions, const DataSummary& data) {
  const int64_t rows = static_cast<int64_t>(predictions.labels.size());
  page.Raw("<section id=\"data\"><h2>Data</h2>\n<p>" + WithThousands(rows) + " rows, " +
           std::to_string(predictions.num_classes) + " classes.</p>\n");
  ClassBalanceTable(page, predictions, data);
  MissingTable(page, data, static_cast<double>(rows));
  TextLengthTable(page, data);
  page.Raw("</section>\n");
}

void RunSection(Page& page, const RunInfo& run) {
  page.Raw("<section id=\"run\"><h2>Run</h2>\n<table>\n");
  const std::vector<std::pair<std::string, std::string>> facts = {
      {"bundle", run.bundle_dir},
      {"model file", run.model_file},
      {"bundle created by", run.created_by},
      {"device", run.device},
      {"started", run.started_at},
      {"verdict version", run.verdict_version}};
  for (const auto& [name, value] : facts) {
    if (!value.empty()) page.Row({HtmlEscape(name), HtmlEscape(value)});
  }
  for (const auto& [name, value] : run.facts) page.Row({HtmlEscape(name), HtmlEscape(value)});
  std::string files;
  for (size_t i = 0; i < run.data_files.size() && i < kMaxListedFiles; ++i) {
    files += (i > 0 ? "<br>" : "") + HtmlEscape(run.data_files[i]);
  }
  if (run.data_files.size() > kMaxListedFiles) {
    files += "<br>&hellip; and " +
             WithThousands(static_cast<int64_t>(run.data_files.size() - kMaxListedFiles)) + " more";
  }
  page.Row(
      {"data files (" + WithThousands(static_cast<int64_t>(run.data_files.size())) + ")", files});
  page.Raw("</table>\n");
  if (!run.stage_seconds.empty()) {
    page.Raw("<h3>Time per stage</h3>\n<table>\n");
    page.Row({"stage", "seconds"}, {false, true}, true);
    double total = 0;
    for (const auto& [stage, seconds] : run.stage_seconds) {
      page.Row({HtmlEscape(stage), FormatFixed(seconds, 2)}, {false, true});
      total += seconds;
    }
    page.Row({"<b>total</b>", "<b>" + FormatFixed(total, 2) + "</b>"}, {false, true});
    page.Raw("</table>\n");
  }
  page.Raw("</section>\n");
}

void Header(Page& page, const Predictions& predictions, const RunInfo& run) {
  const std::string task = predictions.binary ? "binary" : "multiclass";
  page.Raw(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
  page.Text("verdict report" + (run.model_file.empty() ? "" : ": " + run.model_file));
  page.Raw("</title>\n<style>");
  page.Raw(kStyle);
  page.Raw(
      "</style>\n</head>\n<body>\n<main>\n<header><h1>Evaluation report</h1>\n<p class=\"sub\">");
  page.Text((run.model_file.empty() ? "" : run.model_file + " · ") + task + " · " +
            WithThousands(static_cast<int64_t>(predictions.labels.size())) + " rows" +
            (run.started_at.empty() ? "" : " · " + run.started_at));
  page.Raw("</p>\n<nav><a href=\"#metrics\">Metrics</a><a href=\"#plots\">Plots</a>");
  if (!predictions.binary) page.Raw("<a href=\"#classes\">Per class</a>");
  page.Raw("<a href=\"#data\">Data</a><a href=\"#run\">Run</a></nav></header>\n");
}

}  // namespace

Result<std::string> ReportHtml(const Predictions& predictions,
                               const metrics::Evaluation& evaluation, const DataSummary& data,
                               const RunInfo& run, const std::vector<ReportFigure>& figures,
                               std::string_view extra_section) {
  VERDICT_RETURN_IF_ERROR(internal::CheckPredictions(predictions));
  Page page;
  Header(page, predictions, run);
  HeadlineSection(page, predictions, evaluation);
  if (predictions.binary) ThresholdTable(page, evaluation);
  NotesAndAllMetrics(page, evaluation);
  VERDICT_RETURN_IF_ERROR(PlotsSection(page, figures));
  page.Raw(extra_section);
  PerClassSection(page, predictions, evaluation, data);
  DataSection(page, predictions, data);
  RunSection(page, run);
  page.Raw("<footer>Written by verdict" +
           (run.verdict_version.empty() ? "" : " " + HtmlEscape(run.verdict_version)) +
           ". The plots are also in the metrics directory as JPG files.</footer>\n"
           "</main>\n</body>\n</html>\n");
  return page.Take();
}

}  // namespace verdict::report
