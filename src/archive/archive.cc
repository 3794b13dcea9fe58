#include "archive/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace verdict::archive {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBlock = 512;
// A pax extended header or a GNU long name larger than this is refused (real ones are tiny).
constexpr uint64_t kMaxMetadataBytes = 1 << 20;
constexpr char kManifest[] = "verdict.json";

using Block = std::array<char, kBlock>;

// gzip-compressed input (zlib; data that is not gzip is read as it is, and then fails as tar).
class GzipInput {
 public:
  static Result<GzipInput> Open(const std::string& path) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) return IoError("cannot open '" + path + "': " + std::strerror(errno));
    return GzipInput(file);
  }
  GzipInput(GzipInput&& other) noexcept : file_(other.file_) { other.file_ = nullptr; }
  GzipInput(const GzipInput&) = delete;
  ~GzipInput() {
    if (file_ != nullptr) gzclose(file_);
  }

  // Reads up to `size` bytes; fewer only at the end of the data.
  Result<size_t> Read(char* out, size_t size) {
    size_t done = 0;
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1 << 20));
      const int n = gzread(file_, out + done, chunk);
      if (n < 0) {
        int code = 0;
        return InvalidData(std::string("corrupt gzip data (") + gzerror(file_, &code) + ")");
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

 private:
  explicit GzipInput(gzFile file) : file_(file) {}
  gzFile file_;
};

// A tar number: octal digits (space or NUL padded), or base-256 when the first byte's high bit
// is set (GNU, for sizes of 8 GiB and more).
std::optional<uint64_t> ParseNumber(const char* field, size_t width) {
  uint64_t value = 0;
  if (static_cast<unsigned char>(field[0]) & 0x80) {
    value = static_cast<unsigned char>(field[0]) & 0x7f;
    for (size_t i = 1; i < width; ++i) {
      if (value >> 56) return std::nullopt;
      value = (value << 8) | static_cast<unsigned char>(field[i]);
    }
    return value;
  }
  size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value >> 60) return std::nullopt;
    value = value * 8 + static_cast<uint64_t>(field[i] - '0');
  }
  for (; i < width; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  return value;
}

std::string Text(const char* field, size_t width) {
  return std::string(field, strnlen(field, width));
}

bool IsZero(const Block& block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == 0; });
}

// The header checksum: the bytes summed with the checksum field read as spaces.
bool ChecksumMatches(const Block& block) {
  const std::optional<uint64_t> stored = ParseNumber(block.data() + 148, 8);
  uint64_t sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const char c = (i >= 148 && i < 156) ? ' ' : block[i];
    sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return stored && (*stored == sum || static_cast<int64_t>(*stored) == signed_sum);
}

// One member's header, after pax and GNU long-name records are applied.
struct Member {
  std::string name;
  char type = '0';
  uint64_t size = 0;
  uint32_t mode = 0644;
  std::string link;
};

// "LEN key=value\n" records of a pax extended header: path, linkpath and size are used.
Status ApplyPax(const std::string& records, std::map<std::string, std::string>& into) {
  size_t at = 0;
  while (at < records.size()) {
    const size_t space = records.find(' ', at);
    const std::optional<int64_t> length =
        space == std::string::npos ? std::nullopt : ParseInt(records.substr(at, space - at));
    if (!length || *length <= 0 || at + static_cast<size_t>(*length) > records.size()) {
      return InvalidData("a pax extended header is malformed");
    }
    const std::string record = records.substr(space + 1, at + *length - space - 2);
    const size_t equals = record.find('=');
    if (equals == std::string::npos) return InvalidData("a pax extended header is malformed");
    into[record.substr(0, equals)] = record.substr(equals + 1);
    at += static_cast<size_t>(*length);
  }
  return Status::Ok();
}

// The path's components below the folder. Refused: empty, absolute, a `..` component.
Result<std::vector<std::string>> Components(const std::string& path, const std::string& what) {
  if (path.empty()) return InvalidData(what + " is empty");
  if (path.front() == '/') return InvalidData(what + " is an absolute path");
  std::vector<std::string> parts;
  for (const std::string& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return InvalidData(what + " has a '..' component");
    parts.push_back(part);
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : "/") + part;
  return joined;
}

// Where a symbolic link at `member` (components) leads, resolved lexically inside the folder.
Status CheckSymlinkTarget(const std::vector<std::string>& member, const std::string& target) {
  if (target.empty()) return InvalidData("the link target is empty");
  if (target.front() == '/') return InvalidData("links to the absolute path '" + target + "'");
  std::vector<std::string> at(member.begin(), member.end() - 1);
  for (const std::string& part : Split(target, '/')) {
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      at.push_back(part);
    } else if (at.empty()) {
      return InvalidData("links to '" + target + "', outside the folder");
    } else {
      at.pop_back();
    }
  }
  return Status::Ok();
}

class Extractor {
 public:
  Extractor(const std::string& archive, const std::string& destination, const Limits& limits)
      : archive_(archive), destination_(destination), limits_(limits) {}

  Status Run() {
    VERDICT_ASSIGN_OR_RETURN(GzipInput input, GzipInput::Open(archive_));
    std::map<std::string, std::string> pax;
    std::optional<std::string> long_name, long_link;
    for (;;) {
      Block block;
      VERDICT_ASSIGN_OR_RETURN(const size_t got, input.Read(block.data(), kBlock));
      if (got == 0 || IsZero(block)) return Status::Ok();  // the end (blocks of zeros)
      if (got < kBlock) return Fail("", InvalidData("the archive is truncated"));
      if (!ChecksumMatches(block)) {
        return Fail("", InvalidData("not a tar archive, or corrupt (bad header checksum after " +
                                    std::to_string(members_) + " member(s))"));
      }
      Member member = ParseHeader(block);
      if (member.type == 'x' || member.type == 'g' || member.type == 'L' || member.type == 'K') {
        VERDICT_ASSIGN_OR_RETURN(std::string data, ReadMetadata(input, member));
        if (member.type == 'x') VERDICT_RETURN_IF_ERROR(Fail("", ApplyPax(data, pax)));
        if (member.type == 'L') long_name = Text(data.data(), data.size());
        if (member.type == 'K') long_link = Text(data.data(), data.size());
        continue;  // 'g' (global pax settings) carries nothing verdict uses
      }
      if (long_name) member.name = *long_name;
      if (long_link) member.link = *long_link;
      if (pax.count("path")) member.name = pax["path"];
      if (pax.count("linkpath")) member.link = pax["linkpath"];
      if (pax.count("size")) {
        std::optional<int64_t> size = ParseInt(pax["size"]);
        if (!size || *size < 0) return Fail(member.name, InvalidData("has a malformed pax size"));
        member.size = static_cast<uint64_t>(*size);
      }
      pax.clear();
      long_name.reset();
      long_link.reset();
      VERDICT_RETURN_IF_ERROR(Fail(member.name, Place(input, member)));
    }
  }

 private:
  Member ParseHeader(const Block& block) const {
    Member member;
    member.name = Text(block.data(), 100);
    if (std::memcmp(block.data() + 257, "ustar", 5) == 0 && block[345] != '\0') {
      member.name = Text(block.data() + 345, 155) + "/" + member.name;
    }
    member.type = block[156];
    member.size = ParseNumber(block.data() + 124, 12).value_or(UINT64_MAX);
    member.mode = static_cast<uint32_t>(ParseNumber(block.data() + 100, 8).value_or(0644));
    member.link = Text(block.data() + 157, 100);
    return member;
  }

  // An error about the archive, or about one of its members.
  Status Fail(const std::string& member, const Status& status) const {
    if (status.ok()) return status;
    std::string where = "model archive '" + archive_ + "'";
    if (!member.empty()) where += ": member " + Quote(member);
    return Status(status.code(), where + (member.empty() ? ": " : " ") + status.message() +
                                     (member.empty() ? "" : "; refused"));
  }

  Result<std::string> ReadMetadata(GzipInput& input, const Member& header) {
    if (header.size > kMaxMetadataBytes) {
      return Fail("", InvalidData("has an extended header of " + std::to_string(header.size) +
                                  " bytes (more than " + std::to_string(kMaxMetadataBytes) + ")"));
    }
    std::string data(header.size, '\0');
    VERDICT_ASSIGN_OR_RETURN(const size_t got, input.Read(data.data(), data.size()));
    if (got < data.size()) return Fail("", InvalidData("the archive is truncated"));
    VERDICT_RETURN_IF_ERROR(SkipPadding(input, header.size));
    return data;
  }

  Status SkipPadding(GzipInput& input, uint64_t size) {
    Block padding;
    const size_t bytes = (kBlock - size % kBlock) % kBlock;
    VERDICT_ASSIGN_OR_RETURN(const size_t got, input.Read(padding.data(), bytes));
    if (got < bytes) return InvalidData("the archive is truncated");
    return Status::Ok();
  }

  Status Place(GzipInput& input, const Member& member) {
    if (++members_ > limits_.max_members) {
      return InvalidData("is one more than the limit of " + std::to_string(limits_.max_members) +
                         " members");
    }
    VERDICT_ASSIGN_OR_RETURN(std::vector<std::string> parts, Components(member.name, "its path"));
    const bool regular = member.type == '0' || member.type == '\0' || member.type == '7';
    if (!regular && member.size > 0 && member.type != '5') {
      return InvalidData("is a link or special file with content");
    }
    if (parts.empty()) {
      if (member.type == '5') return Status::Ok();  // "./", the folder itself
      return InvalidData("names the folder itself");
    }
    const std::string relative = Join(parts);
    if (!seen_.insert(relative).second) return InvalidData("appears twice in the archive");
    const fs::path path = fs::path(destination_) / relative;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return IoError("cannot create its folder: " + ec.message());
    switch (member.type) {
      case '5':
        fs::create_directory(path, ec);
        if (ec) return IoError("cannot be created: " + ec.message());
        return Status::Ok();
      case '2':
        VERDICT_RETURN_IF_ERROR(CheckSymlinkTarget(parts, member.link));
        if (symlink(member.link.c_str(), path.c_str()) != 0) {
          return IoError(std::string("cannot be created: ") + std::strerror(errno));
        }
        return Status::Ok();
      case '1': {
        VERDICT_ASSIGN_OR_RETURN(std::vector<std::string> target,
                                 Components(member.link, "its link target '" + member.link + "'"));
        const fs::path existing = fs::path(destination_) / Join(target);
        if (target.empty() || link(existing.c_str(), path.c_str()) != 0) {
          return InvalidData("is a hard link to '" + member.link +
                             "', which is not a file unpacked before it");
        }
        return Status::Ok();
      }
      default:
        if (!regular) {
          return InvalidData("is a device, FIFO or other special file (type '" +
                             std::string(1, member.type) + "')");
        }
        return WriteFile(input, member, path);
    }
  }

  Status WriteFile(GzipInput& input, const Member& member, const fs::path& path) {
    if (member.size == UINT64_MAX || member.size > limits_.max_bytes - bytes_) {
      return InvalidData("would unpack the archive to more than its limit of " +
                         std::to_string(limits_.max_bytes) + " bytes");
    }
    bytes_ += member.size;
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        (member.mode & 0755) | 0600);
    if (fd < 0) return IoError(std::string("cannot be created: ") + std::strerror(errno));
    std::vector<char> buffer(1 << 16);
    uint64_t left = member.size;
    Status status;
    while (left > 0 && status.ok()) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
      Result<size_t> got = input.Read(buffer.data(), want);
      if (!got.ok()) {
        status = got.status();
      } else if (*got < want) {
        status = InvalidData("is truncated");
      } else if (write(fd, buffer.data(), want) != static_cast<ssize_t>(want)) {
        status = IoError(std::string("cannot be written: ") + std::strerror(errno));
      }
      left -= want;
    }
    if (close(fd) != 0 && status.ok()) status = IoError("cannot be written");
    VERDICT_RETURN_IF_ERROR(status);
    return SkipPadding(input, member.size);
  }

  std::string archive_;
  std::string destination_;
  Limits limits_;
  uint64_t members_ = 0;
  uint64_t bytes_ = 0;
  std::set<std::string> seen_;
};

// The folder holding verdict.json: the top, or the archive's one top-level folder.
std::optional<std::string> BundleIn(const std::string& folder) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(folder) / kManifest, ec)) return folder;
  std::vector<fs::path> entries;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    entries.push_back(entry.path());
  }
  if (entries.size() == 1 && fs::is_directory(fs::symlink_status(entries[0], ec)) &&
      fs::is_regular_file(entries[0] / kManifest, ec)) {
    return entries[0].string();
  }
  return std::nullopt;
}

void RemoveFolder(const std::string& folder) {
  std::error_code ec;
  if (!folder.empty()) fs::remove_all(folder, ec);
}

}  // namespace

Status ExtractTarGz(const std::string& archive, const std::string& destination,
                    const Limits& limits) {
  return Extractor(archive, destination, limits).Run();
}

ModelFolder::ModelFolder(std::string path, std::string temporary)
    : path_(std::move(path)), temporary_(std::move(temporary)) {
  if (!temporary_.empty()) {
    on_termination_ =
        std::make_unique<TerminationCleanup>([folder = temporary_](int) { RemoveFolder(folder); });
  }
}

ModelFolder::ModelFolder(ModelFolder&& other) noexcept
    : path_(std::move(other.path_)),
      temporary_(std::move(other.temporary_)),
      on_termination_(std::move(other.on_termination_)) {
  other.temporary_.clear();
}

ModelFolder::~ModelFolder() { RemoveFolder(temporary_); }

Result<ModelFolder> ModelFolder::Open(const std::string& model_dir, const Limits& limits) {
  const fs::path archive = fs::path(model_dir) / kModelArchive;
  std::error_code ec;
  if (fs::exists(fs::path(model_dir) / kManifest, ec) || !fs::is_regular_file(archive, ec)) {
    return ModelFolder(model_dir, "");
  }
  std::string pattern = (fs::temp_directory_path(ec) / "verdict-model-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return IoError("cannot create a temporary folder for '" + archive.string() +
                   "': " + std::strerror(errno));
  }
  ModelFolder folder(pattern, pattern);
  VERDICT_RETURN_IF_ERROR(ExtractTarGz(archive.string(), pattern, limits));
  const std::optional<std::string> bundle = BundleIn(pattern);
  if (!bundle) {
    return InvalidBundle("model archive '" + archive.string() +
                         "' holds no verdict.json: it is not a verdict bundle. Export the "
                         "training output first (verdict-export --training-output DIR "
                         "--model-factory ...) and pack the bundle (docs/migrating.md)");
  }
  folder.path_ = *bundle;
  LogInfo("unpacked '" + archive.string() + "' into " + pattern);
  return folder;
}

}  // namespace verdict::archive
