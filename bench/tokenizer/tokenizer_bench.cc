// Driver for bench_tokenizer.py and gen_tokenizer_golden.py --check-random.
//
//   verdict_tokenizer_bench ids TOKENIZER [MAX_LENGTH] < lines.jsonl
//       One JSON-encoded string per input line; prints the JSON array of Encode ids per line.
//   verdict_tokenizer_bench time TOKENIZER lines.jsonl THREADS REPEATS
//       Encodes every line REPEATS times on THREADS threads (contiguous shares of the lines) and
//       prints {"bytes": ..., "tokens": ..., "seconds": [wall, one per repeat],
//       "cpu_seconds": [process CPU time, one per repeat]}.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace {

using verdict::tokenizer::WordPiece;

std::vector<std::string> ReadLines(std::istream& in) {
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line)) texts.push_back(nlohmann::json::parse(line).get<std::string>());
  return texts;
}

int PrintIds(const WordPiece& wp, size_t max_length) {
  std::string out;
  for (const std::string& text : ReadLines(std::cin)) {
    out = "[";
    for (int32_t id : wp.Encode(text, max_length)) {
      if (out.size() > 1) out += ',';
      out += std::to_string(id);
    }
    out += "]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Wall seconds to encode all texts once on `threads` threads; sets *cpu_seconds to the process
// CPU time it took and *tokens to the number of ids.
double EncodeAll(const WordPiece& wp, const std::vector<std::string>& texts, size_t threads,
                 double* cpu_seconds, size_t* tokens) {
  std::vector<size_t> counts(threads, 0);
  const double cpu_start = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const size_t begin = texts.size() * t / threads, end = texts.size() * (t + 1) / threads;
      for (size_t i = begin; i < end; ++i) counts[t] += wp.Encode(texts[i]).size();
    });
  }
  for (std::thread& w : workers) w.join();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  *cpu_seconds = ProcessCpuSeconds() - cpu_start;
  *tokens = 0;
  for (size_t c : counts) *tokens += c;
  return elapsed.count();
}

int Time(const WordPiece& wp, const std::string& path, size_t threads, int repeats) {
  std::ifstream in(path);
  const std::vector<std::string> texts = ReadLines(in);
  size_t bytes = 0;
  for (const std::string& t : texts) bytes += t.size();
  size_t tokens = 0;
  std::vector<double> seconds, cpu_seconds;
  for (int r = 0; r < repeats; ++r) {
    double cpu = 0;
    seconds.push_back(EncodeAll(wp, texts, threads, &cpu, &tokens));
    cpu_seconds.push_back(cpu);
  }
  nlohmann::json result = {
      {"bytes", bytes}, {"tokens", tokens}, {"seconds", seconds}, {"cpu_seconds", cpu_seconds}};
  std::cout << result.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2 || (args[0] != "ids" && args[0] != "time") ||
      (args[0] == "time" && args.size() != 5)) {
    std::cerr << "usage: verdict_tokenizer_bench ids TOKENIZER [MAX_LENGTH] < lines.jsonl\n"
                 "       verdict_tokenizer_bench time TOKENIZER lines.jsonl THREADS REPEATS\n";
    return 2;
  }
  verdict::Result<WordPiece> wp = WordPiece::Load(args[1]);
  if (!wp.ok()) {
    std::cerr << wp.status().ToString() << "\n";
    return 1;
  }
  if (args[0] == "ids") return PrintIds(*wp, args.size() > 2 ? std::stoul(args[2]) : 0);
  return Time(*wp, args[2], std::stoul(args[3]), std::stoi(args[4]));
}
