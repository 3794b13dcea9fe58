// Private to pipeline/: progress of a long evaluation on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace verdict::pipeline {

// A bar redrawn in place with rows/s and ETA when stderr is a terminal; a log line every
// `log_every` seconds otherwise (CI logs, files). Silent below the info log level.
class Progress {
 public:
  explicit Progress(bool terminal, double log_every_seconds = 10.0);
  // `rows` evaluated so far, `fraction` of the input read (0..1, for the ETA).
  void Update(int64_t rows, double fraction);
  // Ends the bar (a newline on a terminal).
  void Finish(int64_t rows);

  // The bar's text, e.g. "[#####-----]  50%  1,234 rows  617 rows/s  ETA 0:02".
  static std::string Line(int64_t rows, double fraction, double seconds);

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool terminal_;
  double log_every_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
  bool drawn_ = false;
};

// True when standard error is a terminal.
bool StderrIsTerminal();

}  // namespace verdict::pipeline
