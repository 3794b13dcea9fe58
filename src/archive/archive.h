// archive: the seed's model.tar.gz, unpacked without trusting it.
//
// A SageMaker training job packs its model folder into model.tar.gz, and the evaluation step
// receives that file in its model directory. `verdict eval` accepts such a directory: ModelFolder
// unpacks the archive into a private temporary folder for the run and removes it afterwards.
//
// The archive is gzip-compressed tar (POSIX ustar, pax extended headers, GNU long names). A member
// is refused, never silently renamed or skipped, when it would put anything outside the folder:
// an absolute path, a `..` component, a symbolic or hard link whose target is absolute or leaves
// the folder, a device, FIFO or other special file, or a path given twice. Limits guard against
// archive bombs: the unpacked bytes and the member count. Errors are one line naming the archive
// and the member; whatever a refused archive already unpacked is removed with the folder.
//
// Usage:
//   VERDICT_ASSIGN_OR_RETURN(archive::ModelFolder folder, archive::ModelFolder::Open(model_dir));
//   config.model_dir = folder.path();   // model_dir itself when it holds no model.tar.gz
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/core.h"

namespace verdict::archive {

// The archive `verdict eval` looks for in a model directory.
inline constexpr char kModelArchive[] = "model.tar.gz";

struct Limits {
  uint64_t max_bytes = uint64_t{32} << 30;  // unpacked file contents, in all (32 GiB)
  uint64_t max_members = 1'000'000;         // entries of any type
};

// Unpacks the gzip-compressed tar `archive` into the existing folder `destination`.
Status ExtractTarGz(const std::string& archive, const std::string& destination,
                    const Limits& limits = {});

// A model directory ready to load: `model_dir` itself when it holds a bundle (verdict.json) or no
// model.tar.gz; otherwise model.tar.gz unpacked into a private temporary folder (mode 0700),
// removed when the ModelFolder is destroyed or the process is terminated. The bundle may sit at
// the archive's top or in its one top-level folder; an archive without verdict.json (the seed's
// training output as it is) is an error that says how to export it.
class ModelFolder {
 public:
  static Result<ModelFolder> Open(const std::string& model_dir, const Limits& limits = {});
  ModelFolder(ModelFolder&& other) noexcept;
  ModelFolder& operator=(ModelFolder&&) = delete;
  ModelFolder(const ModelFolder&) = delete;
  ~ModelFolder();

  // The bundle directory to load.
  const std::string& path() const { return path_; }
  // The temporary folder the archive was unpacked into; empty when nothing was unpacked.
  const std::string& unpacked_into() const { return temporary_; }

 private:
  ModelFolder(std::string path, std::string temporary);
  std::string path_;
  std::string temporary_;
  std::unique_ptr<TerminationCleanup> on_termination_;
};

}  // namespace verdict::archive
