// core: the vocabulary every stage shares and nothing else.
//
//   Status / Result<T>  expected failures at stage boundaries (missing file, bad column, ...).
//                       A Status carries a code and one human-readable line that names the
//                       file, column or row at fault; the CLI prints it and exits non-zero.
//   Log                 leveled, timestamped lines on stderr (VERDICT_LOG_LEVEL).
//   small helpers       string formatting and parsing shared by several stages.
//   UTF-8               the one codec text and tokenizer share; ill-formed bytes decode as
//                       Python's bytes.decode("utf-8", errors="replace") does.
//
// Usage:
//   Result<int> ParsePort(std::string_view s);
//   VERDICT_ASSIGN_OR_RETURN(int port, ParsePort(text));
//   VERDICT_RETURN_IF_ERROR(WriteFile(path, body));
//
// Programmer errors (broken invariants) are not Status values: they abort via VERDICT_CHECK.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace verdict {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, option or configuration value
  kNotFound,         // a file, column or key that must exist does not
  kInvalidData,      // the input data is malformed (types, NaN, encoding, empty)
  kInvalidBundle,    // the model bundle is incomplete or inconsistent
  kUnsupported,      // a valid request this build cannot serve (yet)
  kIoError,          // reading or writing failed at the OS level
  kInternal,         // a library we call failed unexpectedly
  kOutOfMemory,      // a device ran out of memory on a batch (infer retries it in halves)
  kDeviceError,      // the GPU cannot be used: CUDA unavailable, or a CUDA failure (--fallback-cpu)
};

// Name of a status code, e.g. "InvalidData".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidData: column 'age' row 17: 'abc' is not a number"
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status InvalidData(std::string message);
Status InvalidBundle(std::string message);
Status Unsupported(std::string message);
Status IoError(std::string message);
Status Internal(std::string message);
Status OutOfMemory(std::string message);
Status DeviceError(std::string message);

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(runtime/explicit)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(runtime/explicit)
    if (std::get<Status>(state_).ok()) {
      state_ = Status(StatusCode::kInternal, "Result built from an OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace internal

#define VERDICT_CONCAT_INNER(a, b) a##b
#define VERDICT_CONCAT(a, b) VERDICT_CONCAT_INNER(a, b)

#define VERDICT_RETURN_IF_ERROR(expr)                                        \
  do {                                                                       \
    ::verdict::Status _verdict_status = ::verdict::internal::AsStatus(expr); \
    if (!_verdict_status.ok()) return _verdict_status;                       \
  } while (false)

#define VERDICT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#define VERDICT_ASSIGN_OR_RETURN(lhs, expr) \
  VERDICT_ASSIGN_OR_RETURN_IMPL(VERDICT_CONCAT(_verdict_result_, __LINE__), lhs, expr)

// Aborts with file and line when an internal invariant does not hold. Never for user input.
#define VERDICT_CHECK(condition)                                                        \
  do {                                                                                  \
    if (!(condition)) ::verdict::internal::CheckFailed(__FILE__, __LINE__, #condition); \
  } while (false)

// ---------------------------------------------------------------------------------------------
// Logging

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kQuiet = 4 };

// Messages below this level are dropped. Initialised from VERDICT_LOG_LEVEL
// (debug|info|warning|error|quiet), default info.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning", "error" or "quiet".
Result<LogLevel> ParseLogLevel(std::string_view text);
// Writes "[verdict] 2026-11-29T05:16:52 INFO message" to stderr (thread-safe).
void Log(LogLevel level, std::string_view message);
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }

// ---------------------------------------------------------------------------------------------
// Small helpers

// Shortest decimal text that parses back to the same double ("0.1", "1e-07", "3").
// Non-finite values give "nan", "inf" or "-inf".
std::string FormatShortest(double value);
// A double as Python's repr() / str() spells it: the shortest round-trip digits, in fixed
// notation with at least one decimal ("5.0", "0.1", "0.0001") when the decimal exponent is in
// [-4, 16), else scientific with a signed two-digit-minimum exponent ("1e-05", "1.5e+16");
// "nan", "inf", "-inf". Metric keys (f1_score_at_0.3) and seed-compatible text use it.
std::string FormatPythonFloat(double value);
// FormatPythonFloat appended to `out`, without allocating beyond out's growth (the writers' form).
void AppendPythonFloat(std::string& out, double value);
// The double nearest float32 `value`'s shortest round-trip decimal digits: 0.1 for float32(0.1),
// not 0.100000001490116. A model's float32 probabilities are written as that text and the seed's
// metrics read it back, so the predictions file and verdict's metrics hold exactly this double.
// Non-finite values and zeros come back as they are.
double Float32AsWritten(float value);
// printf-style "%.<digits>f".
std::string FormatFixed(double value, int digits);
// Parses a whole string as a finite or non-finite double (surrounding ASCII spaces allowed).
std::optional<double> ParseDouble(std::string_view text);
// Parses a whole string as a base-10 integer (surrounding ASCII spaces allowed).
std::optional<int64_t> ParseInt(std::string_view text);
// Lower-cases ASCII letters.
std::string AsciiLower(std::string_view text);
// Removes leading and trailing ASCII whitespace.
std::string_view TrimAscii(std::string_view text);
// Splits on a single character; empty pieces are kept.
std::vector<std::string> Split(std::string_view text, char separator);
// Escapes & < > " ' for HTML text and attribute values (report.html and its sections).
std::string HtmlEscape(std::string_view text);
// Quotes a value for an error message: 'abc', cut to 60 bytes with "..." when longer. Control
// characters are escaped (\n, \r, \t, \x1b, ...): a cell or a column name never breaks the
// one-line error or sends a terminal escape sequence.
std::string Quote(std::string_view text);
// Folds a message onto one line: each run of line breaks becomes "; " and surrounding
// whitespace goes (errors are one line; a library's message may not be).
std::string OneLine(std::string_view text);
// Writes `contents` to `path` atomically: a temporary file beside it, then rename(2), so a
// reader never sees a half-written file. Creates missing parent directories.
Status WriteFileAtomic(const std::string& path, std::string_view contents);
// Reads a whole file.
Result<std::string> ReadFile(const std::string& path);

// Termination by SIGTERM or SIGINT (a pipeline's timeout, Ctrl-C). HandleTerminationSignals
// blocks both signals and starts a watcher thread that takes them: it runs every registered
// cleanup (newest first), then exits with 128 + the signal number (143 for SIGTERM, 130 for
// SIGINT). Call it once at the start of main, before any other thread exists, so that every
// thread inherits the blocked mask.
void HandleTerminationSignals();
// "terminated by SIGTERM; the run is incomplete" (or SIGINT): the error line and _FAILURE text.
std::string TerminationMessage(int signal);

// Ends the process with `code` once main's work is done: runs the TerminationCleanups still
// registered (signal 0; those of objects that live until exit, such as the copies of pipes read),
// flushes stdout and stderr, then skips static destructors. In build/verdict-model those are
// LibTorch's, which deregister thousands of operators one by one: about 70 ms of every run, after
// every output is closed. Builds with AddressSanitizer exit normally, so that the leak check at
// exit still runs.
[[noreturn]] void ExitAfterMain(int code);

// A cleanup to run if the process is terminated while this object lives (e.g. write _FAILURE,
// remove a partial file). `cleanup` receives the signal number; it runs on the watcher thread.
// ExitAfterMain runs the cleanups of objects still alive at exit too, with signal 0.
class TerminationCleanup {
 public:
  explicit TerminationCleanup(std::function<void(int signal)> cleanup);
  ~TerminationCleanup();
  TerminationCleanup(const TerminationCleanup&) = delete;
  TerminationCleanup& operator=(const TerminationCleanup&) = delete;

 private:
  uint64_t id_;
};

// An exclusive lock on a directory verdict writes into (flock(2) on `<dir>/.verdict.lock`,
// created with the directory when missing), held until the object is destroyed. Two runs writing
// into one directory would mix their files while one of them reports success; the second run
// fails at once instead. Also released when the process dies.
class DirectoryLock {
 public:
  // Errors: the directory cannot be created, or another process holds the lock (the message
  // names the directory).
  static Result<DirectoryLock> Acquire(const std::string& dir);
  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};
// Local time as ISO-8601 with microseconds, e.g. "2026-11-29T05:16:52.123456".
std::string IsoTimestampMicros();

// ---------------------------------------------------------------------------------------------
// UTF-8
//
// One convention for ill-formed input everywhere: that of Python's
// bytes.decode("utf-8", errors="replace"), which is Unicode's "maximal subpart" practice. Each
// maximal ill-formed subsequence (a byte that cannot start a sequence, or the longest prefix of
// a well-formed sequence that is cut short or followed by a bad byte) decodes as one U+FFFD.
// Overlong forms, surrogates (ED A0..BF ..) and values above U+10FFFF are ill-formed, so
// "\xED\xA0\x80" gives three U+FFFD and "\xE2\x82" one. The text steps (Python str) and the
// tokenizer (Rust String::from_utf8_lossy, which follows the same rule) both rely on this.

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point at text[*pos] (*pos < text.size()) and advances *pos past it; an
// ill-formed subsequence gives kReplacementChar and *pos moves past that subsequence.
char32_t NextCodePoint(std::string_view text, size_t* pos);
// Start of the code point that ends at `end` (0 < end <= text.size()), in valid UTF-8.
size_t PreviousCodePointStart(std::string_view text, size_t end);
// Writes the UTF-8 encoding of `code_point` (1 to 4 bytes) to `out`; returns its length.
size_t EncodeCodePoint(char32_t code_point, char out[4]);
// Appends the UTF-8 encoding of `code_point` to `*out`.
void AppendUtf8(char32_t code_point, std::string* out);
// The code points of `text`, ill-formed subsequences as U+FFFD (Python bytes.decode).
std::u32string DecodeUtf8(std::string_view text);
// The UTF-8 encoding of `text` (Python str.encode("utf-8") for scalar values).
std::string EncodeUtf8(std::u32string_view text);
// bytes.decode("utf-8", errors="replace").encode("utf-8"): valid input comes back unchanged,
// so every later step may assume valid UTF-8.
std::string SanitizeUtf8(std::string_view bytes);
// Number of code points in valid UTF-8 (Python len() of the decoded str).
size_t CodePointCount(std::string_view text);

}  // namespace verdict
