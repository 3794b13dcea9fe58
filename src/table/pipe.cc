// A pipe as the data path (bash's `--data <(zcat eval.csv.gz)`, a FIFO made with mkfifo): its
// bytes are copied once per process into a temporary file, which the reader then seeks in like a
// file on disk (it reads a CSV header apart, re-reads a file for long rows and to name the row of
// a parse error, and Parquet keeps its footer at the end). Memory stays bounded; the copy takes
// the data's size in $TMPDIR (or /tmp) and is removed when the process exits or is terminated
// (or the pipe is read again: a long-lived process such as the Python API's).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "table/internal.h"

namespace verdict::table::internal {

namespace {

namespace fs = std::filesystem;

// The format of a pipe's copy: the pipe's name when it has a data extension (mkfifo eval.tsv),
// else its first bytes: Parquet's magic "PAR1", else TSV when the header line holds more tabs
// than commas, else CSV.
Format FormatOfCopy(const std::string& pipe, std::string_view head) {
  if (Result<Format> named = FormatOfPath(pipe); named.ok()) return *named;
  if (head.starts_with("PAR1")) return Format::kParquet;
  const std::string_view line = head.substr(0, head.find('\n'));
  const auto tabs = std::count(line.begin(), line.end(), '\t');
  return tabs > std::count(line.begin(), line.end(), ',') ? Format::kTsv : Format::kCsv;
}

// Copies everything `pipe` yields into `copy`; the first bytes go to `head` (for FormatOfCopy).
Status CopyPipe(const std::string& pipe, const std::string& copy, std::string& head) {
  const int in = ::open(pipe.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return IoError("data path '" + pipe + "' (a pipe) cannot be read: " + std::strerror(errno));
  const int out = ::open(copy.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (out < 0) {
    const std::string reason = std::strerror(errno);
    ::close(in);
    return IoError("cannot write the copy of the pipe '" + pipe + "' to '" + copy + "': " + reason);
  }
  std::vector<char> buffer(1 << 20);
  std::string failure;
  while (failure.empty()) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failure = "data path '" + pipe + "' (a pipe): read failed: " + std::strerror(errno);
    if (n <= 0) break;
    if (head.size() < 4096) head.append(buffer.data(), std::min<size_t>(n, 4096 - head.size()));
    for (ssize_t done = 0; done < n && failure.empty();) {
      const ssize_t written = ::write(out, buffer.data() + done, n - done);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) {
        failure = "cannot write the copy of the pipe '" + pipe + "' to '" + copy +
                  "': " + std::strerror(errno);
      }
      done += std::max<ssize_t>(written, 0);
    }
  }
  ::close(in);
  if (::close(out) != 0 && failure.empty()) {
    failure = "cannot write the copy of the pipe '" + pipe + "' to '" + copy +
              "': " + std::strerror(errno);
  }
  return failure.empty() ? Status::Ok() : IoError(failure);
}

// What a pipe is and when it was last written to (a pipe's modification time moves with each
// write). A copy stands for its pipe while this stays: the same job resolving its data path
// again; another pipe under that name (a new process substitution, a FIFO made again) or a FIFO
// fed again after the kernel's clock tick gets a new copy.
struct PipeState {
  dev_t device = 0;
  ino_t inode = 0;
  int64_t written_ns = 0;
  bool operator==(const PipeState&) const = default;
};

PipeState StateOf(const std::string& pipe) {
  struct stat status {};
  if (::stat(pipe.c_str(), &status) != 0) return {};
  return {status.st_dev, status.st_ino,
          int64_t{status.st_mtim.tv_sec} * 1'000'000'000 + status.st_mtim.tv_nsec};
}

// The copies made by this process, by pipe path: a pipe can be read only once, and a job resolves
// its data path more than once (a failed copy stays failed while the pipe does not change). The
// files go when a pipe's copy is replaced, at exit and on SIGTERM/SIGINT, which may come while a
// copy is being made: the list of files has a lock of its own.
class PipeCopies {
 public:
  PipeCopies() : cleanup_([this](int) { RemoveAll(); }) {}
  ~PipeCopies() { RemoveAll(); }

  Result<DataSource> Of(const std::string& pipe) {
    std::lock_guard<std::mutex> lock(copies_mutex_);
    auto it = copies_.find(pipe);
    if (it != copies_.end() && it->second.state == StateOf(pipe)) return it->second.source;
    if (it != copies_.end() && it->second.source.ok()) Remove(it->second.source->backing_file);
    Result<DataSource> source = Copy(pipe);
    copies_.insert_or_assign(pipe, Entry{StateOf(pipe), source});  // after the writer is done
    return source;
  }

 private:
  struct Entry {
    PipeState state;
    Result<DataSource> source;
  };

  Result<DataSource> Copy(const std::string& pipe) {
    const char* tmp = std::getenv("TMPDIR");
    std::string copy =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/verdict-pipe-XXXXXX";
    const int fd = ::mkstemp(copy.data());
    if (fd < 0) {
      return IoError("cannot make a temporary file for the pipe '" + pipe + "' in '" +
                     fs::path(copy).parent_path().string() + "': " + std::strerror(errno));
    }
    ::close(fd);
    {
      std::lock_guard<std::mutex> lock(files_mutex_);
      files_.push_back(copy);
    }
    std::string head;
    VERDICT_RETURN_IF_ERROR(CopyPipe(pipe, copy, head));
    DataSource source;
    source.files = {pipe};
    source.format = FormatOfCopy(pipe, head);
    source.backing_file = copy;
    return source;
  }

  void Remove(const std::string& file) {
    std::lock_guard<std::mutex> lock(files_mutex_);
    ::unlink(file.c_str());
    std::erase(files_, file);
  }

  void RemoveAll() {
    std::lock_guard<std::mutex> lock(files_mutex_);
    for (const std::string& file : files_) ::unlink(file.c_str());
    files_.clear();
  }

  std::mutex copies_mutex_;
  std::map<std::string, Entry> copies_;
  std::mutex files_mutex_;
  std::vector<std::string> files_;
  TerminationCleanup cleanup_;  // declared last: unregistered before the rest goes
};

}  // namespace

Result<DataSource> CopyOfPipe(const std::string& pipe) {
  static PipeCopies copies;
  return copies.Of(pipe);
}

}  // namespace verdict::table::internal
