#include "fuzz/fuzz_util.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace verdict::fuzz {

namespace {

// Removes the scratch directory at a normal exit (libFuzzer's -runs and -max_total_time end
// with exit(0)).
struct ScratchOwner {
  std::string dir;
  ~ScratchOwner() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace

std::string SourcePath(std::string_view relative) {
  return std::string(VERDICT_SOURCE_DIR) + "/" + std::string(relative);
}

const std::string& ScratchDir() {
  static const ScratchOwner owner = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/verdict-fuzz-XXXXXX";
    Check(mkdtemp(pattern.data()) != nullptr, "cannot make a scratch directory");
    return ScratchOwner{pattern};
  }();
  return owner.dir;
}

void WriteBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  Check(out.good(), "cannot write " + path);
}

void Check(bool condition, std::string_view what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

void CheckError(const Status& status) {
  Check(!status.ok(), "an error status expected");
  Check(!OneLine(status.message()).empty(), "an error without a message");
}

void CheckIdsInVocabulary(std::span<const int32_t> ids, size_t vocab_size) {
  for (int32_t id : ids) {
    Check(id >= 0 && static_cast<size_t>(id) < vocab_size, "an id out of range");
  }
}

}  // namespace verdict::fuzz
