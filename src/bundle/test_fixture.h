// Internal to the bundle stage's tests (bundle_test.cc, chunked_test.cc): copies of a fixture
// bundle whose manifest a test edits, so each refusal is checked on an otherwise valid bundle.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace verdict::bundle {

// A fresh copy of the bundle folder `fixture` at `name` under the test's temporary folder, its
// verdict.json changed by `edit`; returns the copy's path.
inline std::string EditedFixture(const std::string& fixture, const std::string& name,
                                 const std::function<void(nlohmann::json&)>& edit) {
  namespace fs = std::filesystem;
  const std::string dir = ::testing::TempDir() + "/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(fixture, dir, fs::copy_options::recursive);
  nlohmann::json manifest = nlohmann::json::parse(std::ifstream(dir + "/verdict.json"));
  edit(manifest);
  std::ofstream(dir + "/verdict.json") << manifest.dump(2);
  return dir;
}

}  // namespace verdict::bundle
