#include "bundle/bundle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "bundle/sha256.h"
#include "bundle/test_fixture.h"

namespace verdict::bundle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kFixture = "tests/golden/bundle/tiny";

// A copy of the fixture bundle whose manifest is changed by `edit`.
std::string EditedBundle(const std::string& name, const std::function<void(json&)>& edit) {
  return EditedFixture(kFixture, "verdict_bundle_test/" + name, edit);
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

// Found by fuzz/fuzz_manifest: a number beyond double's range made the JSON parser throw
// out_of_range, which was not caught (std::terminate).
TEST(Manifest, NumberOutOfRangeIsInvalidJson) {
  for (const char* body : {"9e999", R"({"format_version": 1e400})"}) {
    std::string dir = EditedBundle("huge_number", [](json&) {});
    std::ofstream(dir + "/verdict.json") << body;
    EXPECT_NE(LoadError(dir).find("is not valid JSON"), std::string::npos) << body;
  }
}

// Found by fuzz/fuzz_manifest: a missing "inputs" or "bins" key was read through json's const
// operator[], undefined behaviour (a heap-use-after-free under ASan).
TEST(Manifest, MissingKeysReadAsMissing) {
  EXPECT_NE(LoadError(EditedBundle("no_inputs", [](json& m) { m.erase("inputs"); }))
                .find("key 'inputs' must be a non-empty list"),
            std::string::npos);
  EXPECT_NE(
      LoadError(EditedBundle("no_bins",
                             [](json& m) { m["tabular_fields"][1]["risk_table"].erase("bins"); }))
          .find("key 'bins' must be an object"),
      std::string::npos);
  EXPECT_NE(LoadError(EditedBundle("input_number", [](json& m) { m["inputs"][0] = 7; }))
                .find("inputs[0]: key 'name' is missing"),
            std::string::npos);
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

// ---------------------------------------------------------------------------------------------
// Paths stay inside the bundle

void ExpectPathRefused(const std::string& dir, const std::string& key) {
  const std::string error = LoadError(dir);
  EXPECT_NE(error.find("verdict.json"), std::string::npos) << error;
  EXPECT_NE(error.find("key '" + key + "'"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

// The fixture with a text field "t" whose tokenizer is `tokenizer` (the uncased golden tokenizer
// copied into the bundle as tokenizer.json).
std::string TextBundle(const std::string& name, const std::string& tokenizer) {
  std::string dir = EditedBundle(name, [&](json& m) {
    m["text_fields"] = {{{"name", "t"}, {"steps", {"tokenizer"}}, {"tokenizer", tokenizer}}};
    m["inputs"].push_back({{"name", "t_ids"}, {"kind", "text_ids"}, {"field", "t"}});
    m["inputs"].push_back({{"name", "t_mask"}, {"kind", "attention_mask"}, {"field", "t"}});
  });
  fs::copy_file("tests/golden/tokenizer/uncased/tokenizer.json", dir + "/tokenizer.json");
  return dir;
}

TEST(ManifestPaths, AbsoluteAndParentPathsAreRefused) {
  const std::string outside = fs::absolute(kFixture + "/model.pt").string();
  for (const std::string& name : {outside, std::string("../tiny/model.pt"),
                                  std::string("sub/../../model.pt"), std::string("./../x.pt")}) {
    SCOPED_TRACE(name);
    ExpectPathRefused(EditedBundle("path", [&](json& m) { m["model_file"] = name; }), "model_file");
    ExpectPathRefused(TextBundle("text_path", name), "tokenizer");
  }
  ExpectPathRefused(EditedBundle("empty_model_file", [](json& m) { m["model_file"] = ""; }),
                    "model_file");
}

TEST(ManifestPaths, SymlinksLeavingTheBundleAreRefused) {
  const std::string dir = EditedBundle("symlink", [](json& m) { m["model_file"] = "link.pt"; });
  const std::string outside = ::testing::TempDir() + "/verdict_bundle_test/outside.pt";
  fs::copy_file(kFixture + "/model.pt", outside, fs::copy_options::overwrite_existing);
  fs::create_symlink(fs::absolute(outside), dir + "/link.pt");
  ExpectPathRefused(dir, "model_file");

  fs::create_directories(dir + "/sub");
  fs::create_symlink("../model.pt", dir + "/sub/inside.pt");
  json manifest = json::parse(std::ifstream(kFixture + "/verdict.json"));
  manifest["model_file"] = "sub/inside.pt";
  std::ofstream(dir + "/verdict.json") << manifest.dump();
  auto m = LoadManifest(dir);
  EXPECT_TRUE(m.ok()) << m.status().ToString();  // a link that stays inside is fine

  const std::string text = TextBundle("text_symlink", "tok.json");
  fs::create_symlink(fs::absolute("tests/golden/tokenizer/uncased/tokenizer.json"),
                     text + "/tok.json");
  ExpectPathRefused(text, "tokenizer");
}

// ---------------------------------------------------------------------------------------------
// Integrity: the "sha256" key

// Records the digest of every file of `dir` except verdict.json, as the exporter does.
void RecordDigests(const std::string& dir, const std::function<void(json&)>& edit = {}) {
  json manifest = json::parse(std::ifstream(dir + "/verdict.json"));
  json digests = json::object();
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = fs::relative(entry.path(), dir).generic_string();
    if (!entry.is_regular_file() || name == kManifestFile) continue;
    digests[name] = *internal::Sha256OfFile(entry.path().string());
  }
  manifest["sha256"] = digests;
  if (edit) edit(manifest);
  std::ofstream(dir + "/verdict.json") << manifest.dump(2);
}

TEST(ManifestDigests, MatchingDigestsLoad) {
  const std::string dir = EditedBundle("digests", [](json&) {});
  RecordDigests(dir);
  for (const std::string& spelling : {dir, dir + "/", dir + "/."}) {
    auto m = LoadManifest(spelling);
    ASSERT_TRUE(m.ok()) << spelling << ": " << m.status().ToString();
    EXPECT_EQ(m->sha256.size(), 1u);
    EXPECT_NE(Describe(*m).find("1 files match their sha256"), std::string::npos);
  }
  const std::string text = TextBundle("text_digests", "tokenizer.json");
  RecordDigests(text);
  auto m = LoadManifest(text);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->sha256.size(), 2u);
}

TEST(ManifestDigests, AChangedFileIsNamed) {
  const std::string dir = EditedBundle("changed", [](json&) {});
  RecordDigests(dir);
  std::ofstream(dir + "/model.pt", std::ios::app) << "x";
  const std::string error = LoadError(dir);
  EXPECT_NE(error.find("key 'sha256' does not match '" + dir + "/model.pt'"), std::string::npos)
      << error;

  const std::string text = TextBundle("text_changed", "tokenizer.json");
  RecordDigests(text);
  std::ofstream(text + "/tokenizer.json", std::ios::app) << " ";
  EXPECT_NE(LoadError(text).find("tokenizer.json"), std::string::npos);
}

TEST(ManifestDigests, ListedFilesMustExistInsideTheBundle) {
  const std::string dir = EditedBundle("missing", [](json&) {});
  std::ofstream(dir + "/notes.txt") << "notes";
  RecordDigests(dir);
  fs::remove(dir + "/notes.txt");
  EXPECT_NE(LoadError(dir).find("lists '" + dir + "/notes.txt', which does not exist"),
            std::string::npos);

  const std::string digest = internal::Sha256Hex("");
  RecordDigests(dir, [&](json& m) { m["sha256"]["../outside.pt"] = digest; });
  ExpectPathRefused(dir, "sha256");
  RecordDigests(dir, [&](json& m) { m["sha256"]["/etc/hostname"] = digest; });
  ExpectPathRefused(dir, "sha256");
}

TEST(ManifestDigests, UsedFilesMustBeListed) {
  const std::string dir = EditedBundle("unlisted", [](json&) {});
  RecordDigests(dir, [](json& m) { m["sha256"].erase("model.pt"); });
  EXPECT_NE(LoadError(dir).find("key 'sha256' does not list 'model.pt'"), std::string::npos);

  const std::string text = TextBundle("text_unlisted", "tokenizer.json");
  RecordDigests(text, [](json& m) { m["sha256"].erase("tokenizer.json"); });
  EXPECT_NE(LoadError(text).find("does not list 'tokenizer.json'"), std::string::npos);
}

TEST(ManifestDigests, MalformedKey) {
  const std::string dir = EditedBundle("malformed", [](json&) {});
  for (const json& bad : {json("abc"), json(std::string(64, 'A')), json(7)}) {
    RecordDigests(dir, [&](json& m) { m["sha256"]["model.pt"] = bad; });
    EXPECT_NE(LoadError(dir).find("not 64 lowercase hex digits"), std::string::npos) << bad;
  }
  RecordDigests(dir, [](json& m) { m["sha256"] = json::array(); });
  EXPECT_NE(LoadError(dir).find("key 'sha256' must be an object"), std::string::npos);
}

// The exporter computes example inputs before the model file and the digests exist.
TEST(ManifestDigests, NotCheckedWhileTheModelFileIsNotRequired) {
  const std::string dir = EditedBundle("staging", [](json&) {});
  RecordDigests(dir);
  std::ofstream(dir + "/model.pt", std::ios::app) << "x";
  EXPECT_TRUE(LoadManifest(dir, /*require_model_file=*/false).ok());
}

}  // namespace
}  // namespace verdict::bundle
