// `verdict tokenize` and `verdict preprocess`: the text path alone, for checking and debugging.
#include <algorithm>
#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "bundle/bundle.h"
#include "pipeline/pipeline.h"
#include "text/text.h"
#include "tokenizer/tokenizer.h"

namespace verdict::pipeline {

namespace {

using nlohmann::json;

// Calls `handle` with each input line's string; `handle` returns a Status. Errors name the line
// (1-based).
template <typename Handle>
Status ForEachJsonString(std::istream& in, Handle handle) {
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!value.is_string()) {
      return InvalidData("standard input line " + std::to_string(number) +
                         " is not a JSON-encoded string");
    }
    const Status status = handle(value.get_ref<const std::string&>());
    if (!status.ok()) {
      return InvalidData("standard input line " + std::to_string(number) + ": " + status.message());
    }
  }
  return Status::Ok();
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

// The pipeline of a bundle's text field, or of the steps given directly. Sets `tokenizer` (which
// the pipeline points to) and `options` (its max_sen_len is the width chunks are padded to).
Result<text::TextPipeline> PipelineFor(const PreprocessConfig& config,
                                       std::optional<tokenizer::WordPiece>& tokenizer,
                                       text::PipelineOptions& options) {
  std::vector<std::string> steps = config.steps;
  options = {static_cast<size_t>(config.max_sen_len), config.chunk_truncate,
             static_cast<size_t>(config.max_total_chunks)};
  std::string tokenizer_path = config.tokenizer;
  if (!config.model_dir.empty()) {
    VERDICT_ASSIGN_OR_RETURN(bundle::Manifest manifest, bundle::LoadManifest(config.model_dir));
    const bundle::TextField* field = nullptr;
    for (const bundle::TextField& candidate : manifest.text_fields) {
      if (candidate.name == config.field) field = &candidate;
    }
    if (field == nullptr) {
      return NotFound("bundle '" + config.model_dir + "' has no text field '" + config.field + "'");
    }
    steps = field->steps;
    tokenizer_path = field->tokenizer;
    options = {static_cast<size_t>(field->max_sen_len), field->chunk_truncate,
               static_cast<size_t>(field->max_total_chunks)};
  }
  if (!tokenizer_path.empty()) {
    VERDICT_ASSIGN_OR_RETURN(tokenizer, tokenizer::WordPiece::Load(tokenizer_path));
  }
  return text::TextPipeline::Build(steps, tokenizer ? &*tokenizer : nullptr, options);
}

}  // namespace

Status RunTokenize(const std::string& tokenizer_path, size_t max_length, std::istream& in,
                   std::ostream& out) {
  VERDICT_ASSIGN_OR_RETURN(tokenizer::WordPiece tokenizer,
                           tokenizer::WordPiece::Load(tokenizer_path));
  return ForEachJsonString(in, [&](const std::string& text) {
    out << Dump(json(tokenizer.Encode(text, max_length))) << '\n';
    return Status::Ok();
  });
}

Status RunPreprocess(const PreprocessConfig& config, std::istream& in, std::ostream& out) {
  std::optional<tokenizer::WordPiece> tokenizer;
  text::PipelineOptions options;
  VERDICT_ASSIGN_OR_RETURN(text::TextPipeline pipeline, PipelineFor(config, tokenizer, options));
  const int32_t pad = tokenizer ? tokenizer->pad_id() : 0;
  return ForEachJsonString(in, [&](const std::string& raw) {
    VERDICT_ASSIGN_OR_RETURN(text::ProcessedText processed, pipeline.Run(raw));
    json ids = json::array(), masks = json::array();
    for (const std::vector<int32_t>& chunk : processed.input_ids) {
      // The seed's tokenizer step pads every chunk to max_sen_len (pad id, mask 0).
      const size_t width = std::max(chunk.size(), options.max_sen_len);
      std::vector<int32_t> padded(chunk);
      padded.resize(width, pad);
      std::vector<int32_t> mask(width, 0);
      std::fill(mask.begin(), mask.begin() + chunk.size(), 1);
      ids.push_back(padded);
      masks.push_back(mask);
    }
    out << Dump(json{{"chunks", processed.chunks}, {"input_ids", ids}, {"attention_mask", masks}})
        << '\n';
    return Status::Ok();
  });
}

}  // namespace verdict::pipeline
