// Unicode and HTML tables read from Python (private to src/text). The definitions are generated
// into generated/unicode_tables.cc by tools/generate/unicode_text.py (`make generate`).
#pragma once

#include <cstddef>
#include <cstdint>

namespace verdict::text::tables {

struct CodePointRange {
  char32_t first;
  char32_t last;  // inclusive
};

struct CaseMapping {
  char32_t code_point;
  uint8_t length;
  char32_t mapped[3];
};

struct HtmlEntity {
  const char* name;  // without the trailing ';'
  const char* utf8;  // the decoded text
};

// Sorted, disjoint ranges of code points for which Python's str.isspace() is true.
extern const CodePointRange kSpace[];
extern const size_t kSpaceSize;
// Python's str.lower() / str.upper() per code point, sorted by code_point; absent = unchanged.
extern const CaseMapping kLower[];
extern const size_t kLowerSize;
extern const CaseMapping kUpper[];
extern const size_t kUpperSize;
// Case_Ignorable, and Cased minus Case_Ignorable, as CPython's final-sigma rule sees them.
extern const CodePointRange kCaseIgnorable[];
extern const size_t kCaseIgnorableSize;
extern const CodePointRange kCasedNotIgnorable[];
extern const size_t kCasedNotIgnorableSize;
// BeautifulSoup 4.12.3 EntitySubstitution.HTML_ENTITY_TO_CHARACTER, sorted by name (strcmp).
extern const HtmlEntity kHtmlEntities[];
extern const size_t kHtmlEntitiesSize;
// bytes([b]).decode("windows-1252"), or chr(b) where windows-1252 leaves b undefined.
extern const char32_t kWindows1252[256];

}  // namespace verdict::text::tables
