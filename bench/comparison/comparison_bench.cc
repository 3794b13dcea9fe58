// Times comparison::Compare on raw arrays written by bench_comparison.py and prints the keys as
// JSON: comparison_bench DIR ROWS RESAMPLES (DIR holds labels.i32, new.f64, previous.f64).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "comparison/comparison.h"

namespace {

template <typename T>
std::vector<T> ReadArray(const std::string& path, size_t count) {
  std::vector<T> values(count);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(T)));
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    std::exit(1);
  }
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: comparison_bench DIR ROWS RESAMPLES\n";
    return 2;
  }
  const std::string dir = argv[1];
  const size_t rows = std::stoul(argv[2]);
  const auto labels = ReadArray<int32_t>(dir + "/labels.i32", rows);
  const auto new_scores = ReadArray<double>(dir + "/new.f64", rows);
  const auto previous = ReadArray<double>(dir + "/previous.f64", rows);
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> probabilities(2 * rows);  // part of the timed work: the pipeline has [N, K]
  for (size_t i = 0; i < rows; ++i) {
    probabilities[2 * i] = 1 - new_scores[i];
    probabilities[2 * i + 1] = new_scores[i];
  }
  verdict::comparison::Options options;
  options.bootstrap_resamples = std::stoi(argv[3]);
  options.plots = false;
  const auto result = verdict::comparison::Compare(
      {.labels = labels, .new_probabilities = probabilities, .previous_scores = previous}, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    std::cerr << result.status().ToString() << "\n";
    return 1;
  }
  std::printf("{\"seconds\": %.6f, \"keys\": {", seconds);
  const char* separator = "";
  for (const verdict::metrics::Metric& m : result.value().metrics) {
    if (const double* v = std::get_if<double>(&m.value)) {
      std::printf("%s\"%s\": %.17g", separator, m.name.c_str(), *v);
      separator = ", ";
    }
  }
  std::printf("}}\n");
  return 0;
}
