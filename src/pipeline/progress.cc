#include "pipeline/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/core.h"

namespace verdict::pipeline {

namespace {

// 1234567 -> "1,234,567".
std::string WithCommas(int64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Duration(double seconds) {
  int64_t total = static_cast<int64_t>(std::llround(seconds));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  } else {
    std::snprintf(text, sizeof(text), "%lld:%02lld", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  }
  return text;
}

}  // namespace

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(bool terminal, double log_every_seconds)
    : enabled_(GetLogLevel() <= LogLevel::kInfo),
      terminal_(terminal),
      log_every_(log_every_seconds) {}

std::string Progress::Line(int64_t rows, double fraction, double seconds) {
  constexpr int kWidth = 24;
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string line = "[";
  line.append(filled, '#').append(kWidth - filled, '-').append("] ");
  char percent[8];
  std::snprintf(percent, sizeof(percent), "%3d%%", static_cast<int>(fraction * 100));
  line += percent;
  line += "  " + WithCommas(rows) + " rows";
  if (seconds > 0) line += "  " + WithCommas(static_cast<int64_t>(rows / seconds)) + " rows/s";
  if (fraction > 0.01 && fraction < 1.0)
    line += "  ETA " + Duration(seconds * (1 - fraction) / fraction);
  return line;
}

void Progress::Update(int64_t rows, double fraction) {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  const double since_last = std::chrono::duration<double>(now - last_).count();
  if (since_last < (terminal_ ? 0.2 : log_every_)) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (terminal_) {
    std::fprintf(stderr, "\r%s\033[K", Line(rows, fraction, elapsed).c_str());
    std::fflush(stderr);
    drawn_ = true;
  } else {
    LogInfo("progress " + Line(rows, fraction, elapsed));
  }
}

void Progress::Finish(int64_t rows) {
  if (!enabled_ || !terminal_ || !drawn_) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  std::fprintf(stderr, "\r%s\033[K\n", Line(rows, 1.0, elapsed).c_str());
}

}  // namespace verdict::pipeline
