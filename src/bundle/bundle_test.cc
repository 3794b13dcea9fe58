#include "bundle/bundle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace verdict::bundle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kFixture = "tests/golden/bundle/tiny";

// A copy of the fixture bundle whose manifest is changed by `edit`.
std::string EditedBundle(const std::string& name, const std::function<void(json&)>& edit) {
  std::string dir = ::testing::TempDir() + "/verdict_bundle_test/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(kFixture, dir, fs::copy_options::recursive);
  json manifest = json::parse(std::ifstream(dir + "/verdict.json"));
  edit(manifest);
  std::ofstream(dir + "/verdict.json") << manifest.dump(2);
  return dir;
}

std::string LoadError(const std::string& dir) {
  auto manifest = LoadManifest(dir);
  EXPECT_FALSE(manifest.ok());
  return manifest.ok() ? "" : manifest.status().message();
}

TEST(Manifest, LoadsTheFixture) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->task, Task::kMulticlass);
  EXPECT_EQ(m->num_classes, 3);
  EXPECT_EQ(m->class_labels[2], "z");
  ASSERT_EQ(m->inputs.size(), 2u);
  EXPECT_EQ(m->inputs[1].field, "b");
  EXPECT_EQ(m->tabular_fields[1].missing_value, 0.5);
  ASSERT_TRUE(m->tabular_fields[1].risk_table.has_value());
  EXPECT_EQ(m->tabular_fields[1].risk_table->bins.at("p"), 0.25);
  EXPECT_NE(Describe(*m).find("multiclass, 3 classes [x, y, z]"), std::string::npos);
}

TEST(Manifest, MissingDirectoryAndFile) {
  EXPECT_NE(LoadError("/nonexistent/bundle").find("does not exist"), std::string::npos);
  std::string empty = ::testing::TempDir() + "/verdict_bundle_test/empty";
  fs::create_directories(empty);
  EXPECT_NE(LoadError(empty).find("has no verdict.json"), std::string::npos);
}

TEST(Manifest, ErrorsNameTheKey) {
  EXPECT_NE(LoadError(EditedBundle("task", [](json& m) { m["task"] = "regression"; }))
                .find("key 'task' must be 'binary' or 'multiclass'"),
            std::string::npos);
  EXPECT_NE(LoadError(EditedBundle("version", [](json& m) { m["format_version"] = 99; }))
                .find("key 'format_version' is 99"),
            std::string::npos);
  EXPECT_NE(LoadError(EditedBundle("model", [](json& m) { m["model_file"] = "nope.pt"; }))
                .find("key 'model_file' names"),
            std::string::npos);
  EXPECT_NE(LoadError(EditedBundle("labels", [](json& m) { m["class_labels"] = {"a"}; }))
                .find("key 'class_labels' must list num_classes (3) labels"),
            std::string::npos);
  EXPECT_NE(LoadError(EditedBundle("field", [](json& m) { m["inputs"][0]["field"] = "zz"; }))
                .find("input 'a' reads field 'zz'"),
            std::string::npos);
}

TEST(Manifest, InvalidJson) {
  std::string dir = EditedBundle("json", [](json&) {});
  std::ofstream(dir + "/verdict.json") << "{not json";
  EXPECT_NE(LoadError(dir).find("is not valid JSON"), std::string::npos);
}

TEST(Model, MatchesPyTorch) {
  auto m = LoadManifest(kFixture);
  ASSERT_TRUE(m.ok());
  auto model = Model::Load(*m, Device{});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  json expected = json::parse(std::ifstream("tests/golden/bundle/expected.json"));
  std::vector<float> a = expected["a"].get<std::vector<float>>();
  std::vector<float> b = expected["b"].get<std::vector<float>>();
  std::vector<HostTensor> inputs = {{{3}, a, {}}, {{3}, b, {}}};
  auto probs = model->Run(inputs);
  ASSERT_TRUE(probs.ok()) << probs.status().ToString();
  std::vector<double> want = expected["probabilities"].get<std::vector<double>>();
  ASSERT_EQ(probs->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR((*probs)[i], want[i], 1e-6) << i;  // tolerance 1e-6
}

TEST(Model, CorruptModelFileIsAClearError) {
  std::string dir = EditedBundle("corrupt", [](json&) {});
  std::ofstream(dir + "/model.pt", std::ios::trunc) << "this is not a zip archive";
  auto m = LoadManifest(dir);
  ASSERT_TRUE(m.ok());
  auto model = Model::Load(*m, Device{});
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("cannot load model"), std::string::npos);
  EXPECT_EQ(model.status().message().find('\n'), std::string::npos);
}

TEST(Model, InputsThatDoNotMatchTheModel) {
  std::string dir = EditedBundle("inputs", [](json& m) {
    m["inputs"].push_back({{"name", "c"}, {"kind", "tabular"}, {"field", "a"}});
  });
  auto m = LoadManifest(dir);
  ASSERT_TRUE(m.ok());
  auto model = Model::Load(*m, Device{});
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("takes 2 inputs but verdict.json lists 3"),
            std::string::npos);
}

}  // namespace
}  // namespace verdict::bundle
