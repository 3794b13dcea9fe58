// Times verdict's text cleaning steps (dialogue_splitter, html_normalizer, emoji_remover,
// text_normalizer) on a corpus of raw dialogues, one JSON-encoded string per line.
// Driven by bench/text/run_bench.py, which times the seed's Python processors on the same file.
//
// Usage: verdict_text_bench CORPUS.jsonl [REPEATS]
// Prints: "verdict <seconds> <MB/s> <checksum>" (best of REPEATS runs, one thread).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "text/text.h"

namespace {

std::vector<std::string> ReadCorpus(const char* path) {
  std::vector<std::string> texts;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) texts.push_back(nlohmann::json::parse(line).get<std::string>());
  return texts;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: verdict_text_bench CORPUS.jsonl [REPEATS]\n";
    return 2;
  }
  const std::vector<std::string> texts = ReadCorpus(argv[1]);
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  size_t bytes = 0;
  for (const std::string& t : texts) bytes += t.size();
  auto pipeline = verdict::text::TextPipeline::Build(
      {"dialogue_splitter", "html_normalizer", "emoji_remover", "text_normalizer"}, nullptr, {});
  if (!pipeline.ok()) {
    std::cerr << pipeline.status().ToString() << "\n";
    return 1;
  }
  double best = 1e30;
  size_t checksum = 0;
  for (int r = 0; r < repeats; ++r) {
    checksum = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& t : texts) {
      const auto out = pipeline->Run(t);  // the bench texts are within the cell limits
      for (const std::string& message : out->chunks) checksum += message.size();
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  std::printf("verdict %.6f %.3f %zu\n", best, bytes / 1e6 / best, checksum);
  return 0;
}
