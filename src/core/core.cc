#include "core/core.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace verdict {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kInvalidData:
      return "InvalidData";
    case StatusCode::kInvalidBundle:
      return "InvalidBundle";
    case StatusCode::kUnsupported:
      return "Unsupported";
    case StatusCode::kIoError:
      return "IoError";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kOutOfMemory:
      return "OutOfMemory";
    case StatusCode::kDeviceError:
      return "DeviceError";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

Status InvalidArgument(std::string m) { return Status(StatusCode::kInvalidArgument, std::move(m)); }
Status NotFound(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
Status InvalidData(std::string m) { return Status(StatusCode::kInvalidData, std::move(m)); }
Status InvalidBundle(std::string m) { return Status(StatusCode::kInvalidBundle, std::move(m)); }
Status Unsupported(std::string m) { return Status(StatusCode::kUnsupported, std::move(m)); }
Status IoError(std::string m) { return Status(StatusCode::kIoError, std::move(m)); }
Status Internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }
Status OutOfMemory(std::string m) { return Status(StatusCode::kOutOfMemory, std::move(m)); }
Status DeviceError(std::string m) { return Status(StatusCode::kDeviceError, std::move(m)); }

namespace internal {
void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "verdict: internal check failed at %s:%d: %s\n", file, line, condition);
  std::abort();
}
}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Logging

namespace {

LogLevel InitialLogLevel() {
  const char* env = std::getenv("VERDICT_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kInfo;
  Result<LogLevel> parsed = ParseLogLevel(env);
  return parsed.ok() ? *parsed : LogLevel::kInfo;
}

LogLevel& CurrentLogLevel() {
  static LogLevel level = InitialLogLevel();
  return level;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kQuiet:
      return "QUIET";
  }
  return "?";
}

}  // namespace

void SetLogLevel(LogLevel level) { CurrentLogLevel() = level; }
LogLevel GetLogLevel() { return CurrentLogLevel(); }

Result<LogLevel> ParseLogLevel(std::string_view text) {
  std::string lower = AsciiLower(TrimAscii(text));
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warning" || lower == "warn") return LogLevel::kWarning;
  if (lower == "error") return LogLevel::kError;
  if (lower == "quiet") return LogLevel::kQuiet;
  return InvalidArgument("log level " + Quote(text) +
                         " is not one of debug, info, warning, error, quiet");
}

void Log(LogLevel level, std::string_view message) {
  if (level < CurrentLogLevel()) return;
  static std::mutex mutex;
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &local);
  std::lock_guard<std::mutex> lock(mutex);
  std::fprintf(stderr, "[verdict] %s %s %.*s\n", stamp, std::string(LevelName(level)).c_str(),
               static_cast<int>(message.size()), message.data());
}

// ---------------------------------------------------------------------------------------------
// Helpers

std::string FormatShortest(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  VERDICT_CHECK(ec == std::errc());
  return std::string(buffer, end);
}

namespace {

// Shortest round-trip decimal digits of a finite |value| > 0 and the decimal exponent of the
// first digit (0.00015 -> "15", -4), in a fixed buffer: the predictions writer formats two or
// more of these per row, so nothing here allocates.
struct DecimalDigits {
  char digits[24];
  int count = 0;
  int exponent = 0;
};

DecimalDigits ShortestDigits(double value) {
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  VERDICT_CHECK(ec == std::errc());
  DecimalDigits decimal;
  const char* c = buffer;
  for (; *c != 'e'; ++c) {
    if (*c != '.') decimal.digits[decimal.count++] = *c;
  }
  const char* exponent = c + 1;
  if (*exponent == '+') ++exponent;
  std::from_chars(exponent, end, decimal.exponent);
  return decimal;
}

// 10^0 .. 10^22: every one exact in a double.
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// x * 10^power for |power| <= 22, in one correctly rounded multiplication or division by an
// exact power of ten.
double TimesPowerOfTen(double x, int power) {
  return power >= 0 ? x * kExactPowersOfTen[power] : x / kExactPowersOfTen[-power];
}

// integer * 10^power, correctly rounded, by Clinger's fast path: when the integer is below 2^53
// and the power of ten at most 22 either way, both are exact doubles and TimesPowerOfTen gives the
// nearest double. Nothing otherwise.
std::optional<double> ExactScaled(uint64_t integer, int power) {
  if (integer >= (uint64_t{1} << 53) || power < -22 || power > 22) return std::nullopt;
  return TimesPowerOfTen(static_cast<double>(integer), power);
}

// The decimal of at most 10 significant digits whose nearest double `value` (finite, > 0) is, if
// there is one; every probability the predictions writer formats is such a double, read back from
// a float32's shortest text. Scaled by the power of ten that brings its first digit to the 10^8 or
// 10^9 place, such a double lies within 10^10 * 2^-52 of the integer of the decimal's digits, so
// rounding finds them. They are kept only when they read back exactly to `value` (ExactScaled),
// and they are then its shortest digits: two decimals of at most 15 digits never round to the
// same double (DBL_DIG). This takes a few multiplications where the shortest-digits search of
// std::to_chars takes a few dozen nanoseconds.
std::optional<DecimalDigits> ShortDecimalOf(double value) {
  int binary_exponent = 0;
  std::frexp(value, &binary_exponent);  // 2^(binary_exponent - 1) <= value < 2^binary_exponent
  // floor(log10(value)), or one less.
  const auto exponent = static_cast<int>(std::floor((binary_exponent - 1) * 0.3010299956639812));
  const int scale = 8 - exponent;
  if (scale < -22 || scale > 22) return std::nullopt;
  // Below 2^35, so adding 0.5 is exact.
  auto integer = static_cast<uint64_t>(TimesPowerOfTen(value, scale) + 0.5);
  int power = -scale;
  if (integer == 0) return std::nullopt;
  for (; integer % 10 == 0; integer /= 10) ++power;
  if (ExactScaled(integer, power) != value) return std::nullopt;
  DecimalDigits decimal;
  char reversed[24];
  for (; integer > 0; integer /= 10)
    reversed[decimal.count++] = static_cast<char>('0' + integer % 10);
  std::reverse_copy(reversed, reversed + decimal.count, decimal.digits);
  decimal.exponent = power + decimal.count - 1;
  return decimal;
}

// ShortestDigits of a finite double > 0: ShortDecimalOf when it finds them.
DecimalDigits ShortestDoubleDigits(double value) {
  if (std::optional<DecimalDigits> decimal = ShortDecimalOf(value)) return *decimal;
  return ShortestDigits(value);
}

void AppendPythonFixed(std::string& out, const DecimalDigits& decimal) {
  const std::string_view digits(decimal.digits, decimal.count);
  const int integer_digits = decimal.exponent + 1;
  if (integer_digits <= 0) {
    out.append("0.").append(-integer_digits, '0').append(digits);
    return;
  }
  if (decimal.count <= integer_digits) {
    out.append(digits).append(integer_digits - decimal.count, '0').append(".0");
    return;
  }
  out.append(digits.substr(0, integer_digits)).append(".").append(digits.substr(integer_digits));
}

void AppendPythonScientific(std::string& out, const DecimalDigits& decimal) {
  out += decimal.digits[0];
  if (decimal.count > 1) out.append(".").append(decimal.digits + 1, decimal.count - 1);
  const int magnitude = std::abs(decimal.exponent);
  out.append(decimal.exponent < 0 ? "e-" : "e+");
  if (magnitude < 10) out += '0';
  char buffer[8];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), magnitude);
  out.append(buffer, end);
}

}  // namespace

void AppendPythonFloat(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "nan";
  } else if (std::isinf(value)) {
    out += value > 0 ? "inf" : "-inf";
  } else if (value == 0) {
    out += std::signbit(value) ? "-0.0" : "0.0";
  } else {
    if (value < 0) out += '-';
    const DecimalDigits decimal = ShortestDoubleDigits(std::abs(value));
    if (decimal.exponent >= -4 && decimal.exponent < 16) {
      AppendPythonFixed(out, decimal);
    } else {
      AppendPythonScientific(out, decimal);
    }
  }
}

double Float32AsWritten(float value) {
  char text[32];
  const auto written =
      std::to_chars(text, text + sizeof(text), value, std::chars_format::scientific);
  VERDICT_CHECK(written.ec == std::errc());
  double read_back = 0;
  VERDICT_CHECK(std::from_chars(text, written.ptr, read_back).ec == std::errc());
  return read_back;
}

std::string FormatPythonFloat(double value) {
  std::string text;
  AppendPythonFloat(text, value);
  return text;
}

std::string FormatFixed(double value, int digits) {
  if (std::isnan(value)) return "nan";
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
  return buffer;
}

std::optional<double> ParseDouble(std::string_view text) {
  text = TrimAscii(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  std::string lower = AsciiLower(text);
  std::string_view body = lower;
  bool negative = !body.empty() && body.front() == '-';
  if (negative) body.remove_prefix(1);
  if (body == "inf" || body == "infinity") {
    return negative ? -HUGE_VAL : HUGE_VAL;
  }
  if (body == "nan") return std::nan("");
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Overflow or underflow: strtod gives the IEEE answer (inf or a denormal/zero).
    return std::strtod(std::string(text).c_str(), nullptr);
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  text = TrimAscii(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view TrimAscii(std::string_view text) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(separator, start);
    if (pos == std::string_view::npos) {
      pieces.emplace_back(text.substr(start));
      return pieces;
    }
    pieces.emplace_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Quote(std::string_view text) {
  constexpr size_t kMax = 60;
  size_t cut = text.size();
  if (cut > kMax) {
    cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;  // UTF-8 boundary
  }
  std::string quoted = "'";
  for (char c : text.substr(0, cut)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\r') {
      quoted += "\\r";
    } else if (c == '\t') {
      quoted += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {  // other C0 controls, DEL: ESC, NUL, ...
      constexpr char kHex[] = "0123456789abcdef";
      quoted += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
    } else {
      quoted += c;
    }
  }
  return quoted + (cut < text.size() ? "...'" : "'");
}

std::string OneLine(std::string_view text) {
  std::string line;
  bool at_break = false;
  for (char c : TrimAscii(text)) {
    if (c == '\n' || c == '\r') {
      at_break = true;
      continue;
    }
    if (at_break && (c == ' ' || c == '\t')) continue;  // the next line's indentation
    if (at_break) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
      line += "; ";
      at_break = false;
    }
    line += c;
  }
  return line;
}

Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      return IoError("cannot create directory '" + target.parent_path().string() +
                     "': " + ec.message());
  }
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return IoError("cannot write '" + temp + "': " + std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      fs::remove(temp, ec);
      return IoError("cannot write '" + temp + "': " + std::strerror(errno));
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    return IoError("cannot rename '" + temp + "' to '" + path + "': " + ec.message());
  }
  return Status::Ok();
}

namespace {

struct TerminationCleanups {
  std::mutex mutex;
  uint64_t next_id = 0;
  std::vector<std::pair<uint64_t, std::function<void(int)>>> cleanups;
};

TerminationCleanups& Cleanups() {
  static TerminationCleanups* cleanups = new TerminationCleanups();  // never destroyed
  return *cleanups;
}

// Runs every registered cleanup, newest first.
void RunCleanups(int signal) {
  TerminationCleanups& registry = Cleanups();
  std::lock_guard<std::mutex> lock(registry.mutex);
  for (auto it = registry.cleanups.rbegin(); it != registry.cleanups.rend(); ++it) {
    it->second(signal);
  }
}

void WatchTerminationSignals(sigset_t signals) {
  int signal = 0;
  if (::sigwait(&signals, &signal) != 0) return;
  RunCleanups(signal);
  std::fprintf(stderr, "verdict: error: %s\n", TerminationMessage(signal).c_str());
  std::fflush(stderr);
  ::_exit(128 + signal);
}

}  // namespace

std::string TerminationMessage(int signal) {
  return std::string("terminated by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
         "; the run is incomplete";
}

void ExitAfterMain(int code) {
  RunCleanups(0);
  std::fflush(stdout);
  std::fflush(stderr);
#if defined(__SANITIZE_ADDRESS__)
  std::exit(code);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  std::exit(code);
#endif
#endif
  ::_exit(code);
}

void HandleTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread(WatchTerminationSignals, signals).detach();
}

TerminationCleanup::TerminationCleanup(std::function<void(int signal)> cleanup) {
  TerminationCleanups& registry = Cleanups();
  std::lock_guard<std::mutex> lock(registry.mutex);
  id_ = registry.next_id++;
  registry.cleanups.emplace_back(id_, std::move(cleanup));
}

TerminationCleanup::~TerminationCleanup() {
  TerminationCleanups& registry = Cleanups();
  std::lock_guard<std::mutex> lock(registry.mutex);
  std::erase_if(registry.cleanups, [this](const auto& entry) { return entry.first == id_; });
}

Result<DirectoryLock> DirectoryLock::Acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create directory '" + dir + "': " + ec.message());
  const std::string path = (std::filesystem::path(dir) / ".verdict.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return InvalidArgument("another verdict run is writing into '" + dir + "' (it holds " + path +
                             "); wait for it or choose another directory");
    }
    return IoError("cannot lock '" + path + "': " + std::strerror(error));
  }
  return DirectoryLock(fd);
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return NotFound("file '" + path + "' does not exist");
  if (std::filesystem::is_directory(status)) {
    return InvalidArgument("'" + path + "' is a directory, not a file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return InvalidArgument("'" + path + "' is not a regular file (a device, pipe or socket)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream body;
  body << in.rdbuf();
  if (in.bad()) return IoError("cannot read '" + path + "'");
  return body.str();
}

std::string IsoTimestampMicros() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[40];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &local);
  char out[64];
  std::snprintf(out, sizeof(out), "%s.%06lld", stamp, static_cast<long long>(micros));
  return out;
}

}  // namespace verdict
