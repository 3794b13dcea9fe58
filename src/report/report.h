// report: what an evaluation leaves in the metrics directory.
//
//   metrics.json          every metric by name (strict JSON: undefined values are null)
//   metrics_summary.txt   the seed's layout: headline metrics, then every metric sorted by name
//   _SUCCESS, _HEALTH     written last, only when everything else succeeded
//   _FAILURE              "Error: <message>" when the run failed (never together with _SUCCESS)
//
// Every file is written atomically (temporary file + rename).
//
// Usage:
//   VERDICT_RETURN_IF_ERROR(report::ClearMarkers(metrics_dir));
//   ... evaluate ...
//   VERDICT_RETURN_IF_ERROR(report::WriteMetrics(metrics_dir, evaluation, /*binary=*/true));
//   VERDICT_RETURN_IF_ERROR(report::WriteSuccess(metrics_dir));
#pragma once

#include <string>
#include <vector>

#include "core/core.h"
#include "metrics/metrics.h"

namespace verdict::report {

// metrics.json body: one key per metric, in order, 2-space indented; null for undefined values.
std::string MetricsJson(const std::vector<metrics::Metric>& metrics);

// metrics_summary.txt body (see docs/outputs.md). `binary` picks the headline lines.
std::string MetricsSummary(const std::vector<metrics::Metric>& metrics, bool binary);

// Writes metrics.json and metrics_summary.txt into `metrics_dir`.
Status WriteMetrics(const std::string& metrics_dir, const std::vector<metrics::Metric>& metrics,
                    bool binary);

// Removes _SUCCESS, _HEALTH and _FAILURE left by an earlier run (creates the directory).
Status ClearMarkers(const std::string& metrics_dir);
// Writes _SUCCESS (empty) and _HEALTH ("healthy: <local ISO time>").
Status WriteSuccess(const std::string& metrics_dir);
// Writes _FAILURE ("Error: <message>") and makes sure no _SUCCESS remains.
Status WriteFailure(const std::string& metrics_dir, const std::string& message);

}  // namespace verdict::report
