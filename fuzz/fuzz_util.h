// Helpers shared by the fuzz targets (fuzz/README.md): files the targets read, and a scratch
// directory for the inputs of targets whose code under test reads a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/core.h"

namespace verdict::fuzz {

// `relative` (e.g. "tests/golden/tokenizer/uncased/tokenizer.json") under the source tree the
// fuzz build was configured from.
std::string SourcePath(std::string_view relative);

// A directory private to this process under $TMPDIR (or /tmp), made on the first call and
// removed when the process exits normally. A crashing run leaves it for inspection.
const std::string& ScratchDir();

// Writes `bytes` to `path`, replacing it; aborts when the file cannot be written, since every
// later result of the target would be meaningless.
void WriteBytes(const std::string& path, std::string_view bytes);

// Aborts with `what` on stderr when `condition` is false: a broken invariant is a finding.
void Check(bool condition, std::string_view what);

// Checks that every id lies in [0, vocab_size): a tokenizer's output indexes its vocabulary.
void CheckIdsInVocabulary(std::span<const int32_t> ids, size_t vocab_size);

// The error contract at a stage boundary: a failed Status carries a message, which the CLI
// folds onto its one `verdict: error: ...` line (core's OneLine). Quoted values are escaped
// (core's Quote), but a path or a name in a message may hold a line break, so the message itself
// may have several lines.
void CheckError(const Status& status);

}  // namespace verdict::fuzz
