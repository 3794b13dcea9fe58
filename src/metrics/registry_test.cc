#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <utility>

#include "metrics/metrics.h"

namespace verdict::metrics {
namespace {

using KeyAndTask = std::pair<std::string, std::string>;

// Rows "| `key` | task | definition |" of the key table in docs/metrics.md.
std::set<KeyAndTask> DocumentedKeys() {
  std::ifstream in(std::filesystem::path(VERDICT_SOURCE_DIR) / "docs" / "metrics.md");
  const std::regex row(R"(^\| `([^`]+)` \| (binary|multiclass|both) \| .+ \|$)");
  std::set<KeyAndTask> keys;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_match(line, match, row)) keys.insert({match[1], match[2]});
  }
  return keys;
}

TEST(RegistryTest, EntriesAreCompleteAndUnique) {
  std::set<KeyAndTask> seen;
  for (const RegistryEntry& entry : Registry()) {
    EXPECT_FALSE(entry.key.empty());
    EXPECT_FALSE(entry.definition.empty()) << entry.key;
    EXPECT_TRUE(entry.task == "binary" || entry.task == "multiclass" || entry.task == "both")
        << entry.key << ": " << entry.task;
    EXPECT_TRUE(seen.insert({entry.key, entry.task}).second) << "duplicate " << entry.key;
  }
}

TEST(RegistryTest, DocsListTheSameKeys) {
  const std::set<KeyAndTask> documented = DocumentedKeys();
  std::set<KeyAndTask> registered;
  for (const RegistryEntry& entry : Registry()) registered.insert({entry.key, entry.task});
  for (const auto& [key, task] : registered) {
    EXPECT_TRUE(documented.count({key, task})) << "not in docs/metrics.md: " << key << " " << task;
  }
  for (const auto& [key, task] : documented) {
    EXPECT_TRUE(registered.count({key, task})) << "not in Registry(): " << key << " " << task;
  }
}

}  // namespace
}  // namespace verdict::metrics
