// Private to the bundle stage: SHA-256 (FIPS 180-4), for the bundle's integrity record.
//
// Files are hashed in blocks, so a model file of several GB needs a fixed small buffer.
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

#include "core/core.h"

namespace verdict::bundle::internal {

// Incremental SHA-256: Update() any number of times, then HexDigest() once.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view bytes);
  // The digest of everything passed to Update, as 64 lowercase hex digits. Ends the hashing.
  std::string HexDigest();

 private:
  void Compress(const uint8_t block[64]);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// SHA-256 of `bytes` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);

// SHA-256 of the file at `path` as 64 lowercase hex digits, read in blocks of 1 MiB.
Result<std::string> Sha256OfFile(const std::string& path);

}  // namespace verdict::bundle::internal
