// Fuzz target: the manifest loader (src/bundle LoadManifest) on arbitrary bytes as verdict.json,
// in a bundle directory that also holds a model file (model.pt) and a tokenizer (tokenizer.json,
// and tokenizer/tokenizer.json) for the manifest to name. The last byte chooses
// require_model_file. No LibTorch: the model file is only checked and hashed, never loaded.
// Invariants: nothing crashes; errors have a message; a loaded manifest's paths lie inside the
// bundle; Describe() works on it.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "bundle/bundle.h"
#include "fuzz/fuzz_util.h"

namespace verdict::fuzz {
namespace {

namespace fs = std::filesystem;

// The bundle directory with every file but verdict.json, made once.
const std::string& BundleDir() {
  static const std::string dir = [] {
    const std::string bundle = ScratchDir() + "/bundle";
    fs::create_directories(bundle + "/tokenizer");
    WriteBytes(bundle + "/model.pt", "model");
    const std::string tokenizer = SourcePath("tests/golden/tokenizer/cased/tokenizer.json");
    fs::copy_file(tokenizer, bundle + "/tokenizer.json", fs::copy_options::overwrite_existing);
    fs::copy_file(tokenizer, bundle + "/tokenizer/tokenizer.json",
                  fs::copy_options::overwrite_existing);
    return bundle;
  }();
  return dir;
}

// True when `path` names something inside `dir` once symlinks and '..' are resolved.
bool Inside(const std::string& path, const std::string& dir) {
  const fs::path resolved = fs::weakly_canonical(path);
  const fs::path root = fs::weakly_canonical(dir);
  const auto [root_end, unused] = std::mismatch(root.begin(), root.end(), resolved.begin());
  return root_end == root.end() && resolved != root;
}

void CheckManifest(const bundle::Manifest& manifest, bool require_model_file) {
  const std::string& dir = BundleDir();
  if (require_model_file) Check(Inside(manifest.model_file, dir), "a model file outside");
  for (const bundle::TextField& field : manifest.text_fields) {
    Check(Inside(field.tokenizer, dir), "a tokenizer outside the bundle: " + field.tokenizer);
  }
  Check(!bundle::Describe(manifest).empty(), "an empty description");
}

}  // namespace
}  // namespace verdict::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace verdict;
  FuzzedDataProvider input(data, size);
  const bool require_model_file = input.ConsumeBool();
  const std::string& dir = fuzz::BundleDir();
  fuzz::WriteBytes(dir + "/" + bundle::kManifestFile, input.ConsumeRemainingBytesAsString());
  const auto manifest = bundle::LoadManifest(dir, require_model_file);
  if (manifest.ok()) {
    fuzz::CheckManifest(*manifest, require_model_file);
  } else {
    fuzz::CheckError(manifest.status());
  }
  return 0;
}
