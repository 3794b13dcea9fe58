// SHA-256 throughput of the bundle stage's hashing (driven by bench_sha256.py).
//
//   sha256_bench ENGINE FILE...   ENGINE: portable, shani (the Sha256OfFile path with that
//                                 engine, one file after the other) or files (Sha256OfFiles:
//                                 the files on threads, the fastest engine)
// Prints one line per file, "<digest>  <path>" like sha256sum, then "seconds <wall time>".
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bundle/sha256.h"

namespace {

using verdict::bundle::internal::Sha256;
using verdict::bundle::internal::Sha256Engine;

// Sha256OfFile with a chosen engine: the same 1 MiB blocks.
std::string HashFile(const std::string& path, Sha256Engine engine) {
  std::ifstream in(path, std::ios::binary);
  Sha256 hash(engine);
  std::vector<char> block(size_t{1} << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    hash.Update(std::string_view(block.data(), static_cast<size_t>(in.gcount())));
  }
  return hash.HexDigest();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: sha256_bench portable|shani|files FILE...\n");
    return 2;
  }
  const std::string mode = argv[1];
  const std::vector<std::string> paths(argv + 2, argv + argc);
  if (mode == "shani" && !verdict::bundle::internal::ShaNiAvailable()) {
    std::fprintf(stderr, "this CPU has no SHA extensions\n");
    return 3;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> digests;
  if (mode == "files") {
    auto hashed = verdict::bundle::internal::Sha256OfFiles(paths);
    if (!hashed.ok()) {
      std::fprintf(stderr, "%s\n", hashed.status().message().c_str());
      return 1;
    }
    digests = *hashed;
  } else {
    const Sha256Engine engine = mode == "shani" ? Sha256Engine::kShaNi : Sha256Engine::kPortable;
    for (const std::string& path : paths) digests.push_back(HashFile(path, engine));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t i = 0; i < paths.size(); ++i) {
    std::printf("%s  %s\n", digests[i].c_str(), paths[i].c_str());
  }
  std::printf("seconds %.6f\n", seconds);
  return 0;
}
