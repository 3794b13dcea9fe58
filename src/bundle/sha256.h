// Private to the bundle stage: SHA-256 (FIPS 180-4), for the bundle's integrity record.
//
// Speed matters because eval and inspect hash every bundle file, models of several GB included:
// where the CPU has the x86 SHA extensions (SHA-NI; checked at run time with CPUID) the blocks
// are compressed with them (1.3 GB/s of one core's CPU time on the development VM, as fast as
// OpenSSL's hashlib), elsewhere by the portable code (0.28 GB/s; bench/sha256). Both give the
// same digests (sha256_test.cc checks them against each other).
// Files are hashed in blocks, so a model file of several GB needs a fixed small buffer, and
// Sha256OfFiles hashes several files on threads of their own.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(std::string hex, bundle::internal::Sha256OfFile("model.pt"));
//   // hex: 64 lowercase hex digits
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace verdict::bundle::internal {

// How 64-byte blocks are compressed.
enum class Sha256Engine {
  kPortable,  // plain C++, any CPU
  kShaNi,     // x86 SHA extensions (SHA-NI) with SSE4.1; only where ShaNiAvailable()
};

// True when this CPU runs kShaNi.
bool ShaNiAvailable();
// kShaNi where available, else kPortable.
Sha256Engine FastestSha256Engine();

// Incremental SHA-256: Update() any number of times, then HexDigest() once.
class Sha256 {
 public:
  explicit Sha256(Sha256Engine engine = FastestSha256Engine());
  void Update(std::string_view bytes);
  // The digest of everything passed to Update, as 64 lowercase hex digits. Ends the hashing.
  std::string HexDigest();

 private:
  void Compress(const uint8_t* blocks, size_t count);

  Sha256Engine engine_;
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// SHA-256 of `bytes` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);

// SHA-256 of the file at `path` as 64 lowercase hex digits, read in blocks of 1 MiB.
Result<std::string> Sha256OfFile(const std::string& path);

// Sha256OfFile of each path (digests in the order of `paths`), up to `threads` files at once
// (0: one per core). The first failing path's error, in path order, when any fails.
Result<std::vector<std::string>> Sha256OfFiles(const std::vector<std::string>& paths,
                                               size_t threads = 0);

}  // namespace verdict::bundle::internal
