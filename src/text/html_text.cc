#include "text/html_text.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "text/unicode.h"
#include "text/unicode_tables.h"

namespace verdict::text {
namespace {

constexpr size_t kNotFound = std::u32string_view::npos;
constexpr long kIncomplete = -1;  // html.parser's "-1": the construct is not complete yet

bool IsAsciiAlpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char32_t c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }
bool IsHexDigit(char32_t c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char32_t AsciiLowerChar(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

bool StartsWithNoCase(std::u32string_view text, size_t pos, std::string_view lower_ascii) {
  if (pos + lower_ascii.size() > text.size()) return false;
  for (size_t k = 0; k < lower_ascii.size(); ++k) {
    if (AsciiLowerChar(text[pos + k]) != static_cast<char32_t>(lower_ascii[k])) return false;
  }
  return true;
}

bool Equals(std::u32string_view text, std::string_view ascii) {
  return text.size() == ascii.size() &&
         std::equal(text.begin(), text.end(), ascii.begin(),
                    [](char32_t a, char b) { return a == static_cast<char32_t>(b); });
}

// Tags whose strings bs4 4.12.3 stores as Script, Stylesheet, TemplateString, RubyTextString or
// RubyParenthesisString, which get_text() leaves out.
bool IsStringContainer(std::u32string_view name) {
  return Equals(name, "script") || Equals(name, "style") || Equals(name, "template") ||
         Equals(name, "rt") || Equals(name, "rp");
}

// bs4's HTMLTreeBuilder.empty_element_tags.
bool IsVoidElement(std::u32string_view name) {
  static constexpr const char* kVoid[] = {
      "area",     "base",    "br",       "col",   "embed", "hr",      "img",    "input",
      "keygen",   "link",    "menuitem", "meta",  "param", "source",  "track",  "wbr",
      "basefont", "bgsound", "command",  "frame", "image", "isindex", "nextid", "spacer"};
  return std::any_of(std::begin(kVoid), std::end(kVoid),
                     [&](const char* v) { return Equals(name, v); });
}

std::string_view LookupEntity(std::string_view name) {
  const tables::HtmlEntity* begin = tables::kHtmlEntities;
  const tables::HtmlEntity* end = begin + tables::kHtmlEntitiesSize;
  const tables::HtmlEntity* it = std::lower_bound(
      begin, end, name,
      [](const tables::HtmlEntity& e, std::string_view v) { return std::string_view(e.name) < v; });
  if (it != end && std::string_view(it->name) == name) return it->utf8;
  return {};
}

// bs4's tree building, reduced to what get_text(" ", strip=True) observes: the open-tag stack
// (for _popToTag and the string-container classes) and the pending text node.
class TextCollector {
 public:
  void Data(std::u32string_view data) {
    pending_.append(data);
    has_pending_ = true;
  }
  // bs4 endData(): closes the pending text node; it is kept when no string container is open.
  void EndData() {
    if (!has_pending_) return;
    if (open_containers_ == 0) Emit(pending_);
    pending_.clear();
    has_pending_ = false;
  }
  // A node get_text() ignores (comment, doctype, declaration, processing instruction).
  void IgnoredNode() { EndData(); }
  // A CDATA section: a CData string, which get_text() keeps even inside a container.
  void CDataNode(std::u32string_view data) {
    EndData();
    Emit(data);
  }
  // BeautifulSoupHTMLParser.handle_starttag.
  void StartTag(const std::u32string& name, bool handle_empty_element) {
    EndData();
    Push(name);
    if (handle_empty_element && IsVoidElement(name)) {
      EndTag(name, /*check_already_closed=*/false);
      already_closed_.push_back(name);
    }
  }
  // BeautifulSoupHTMLParser.handle_endtag.
  void EndTag(const std::u32string& name, bool check_already_closed) {
    if (check_already_closed) {
      auto it = std::find(already_closed_.begin(), already_closed_.end(), name);
      if (it != already_closed_.end()) {
        already_closed_.erase(it);
        return;
      }
    }
    EndData();
    PopToTag(name);
  }
  std::string Finish() {
    EndData();
    return std::move(text_);
  }

 private:
  struct OpenTag {
    std::u32string name;
    bool container;
  };

  void Push(const std::u32string& name) {
    const bool container = IsStringContainer(name);
    stack_.push_back({name, container});
    ++open_count_[name];
    if (container) ++open_containers_;
  }
  void Pop() {
    --open_count_[stack_.back().name];
    if (stack_.back().container) --open_containers_;
    stack_.pop_back();
  }
  void PopToTag(const std::u32string& name) {
    while (!stack_.empty()) {
      auto count = open_count_.find(name);
      if (count == open_count_.end() || count->second == 0) return;
      const bool found = stack_.back().name == name;
      Pop();
      if (found) return;
    }
  }
  void Emit(std::u32string_view node) {
    const std::u32string_view stripped = StripSpace(node);
    if (stripped.empty()) return;
    if (!text_.empty()) text_.push_back(' ');
    for (char32_t c : stripped) AppendUtf8(c, &text_);
  }

  std::vector<OpenTag> stack_;
  std::unordered_map<std::u32string, int> open_count_;
  int open_containers_ = 0;
  std::vector<std::u32string> already_closed_;
  std::u32string pending_;
  bool has_pending_ = false;
  std::string text_;
};

// CPython 3.11 html.parser.HTMLParser with convert_charrefs=False, driving a TextCollector the
// way BeautifulSoupHTMLParser does. Positions are indices into the code points of the input;
// each method documents the html.parser function or regular expression it reproduces.
class HtmlParser {
 public:
  explicit HtmlParser(std::u32string_view raw) : raw_(raw), n_(raw.size()) {}

  std::string Run() {
    const size_t rest = GoAhead(0, /*end=*/false);  // feed()
    GoAhead(rest, /*end=*/true);                    // close()
    return out_.Finish();
  }

 private:
  char32_t At(size_t pos) const { return pos < n_ ? raw_[pos] : 0; }
  bool StartsWith(size_t pos, std::u32string_view prefix) const {
    return raw_.substr(std::min(pos, n_)).starts_with(prefix);
  }
  size_t Find(char32_t c, size_t from) const { return from >= n_ ? kNotFound : raw_.find(c, from); }
  size_t SkipSpace(size_t pos) const {
    while (pos < n_ && IsSpace(raw_[pos])) ++pos;
    return pos;
  }
  // (?:\s|/(?!>))*
  size_t SkipSpaceAndLoneSlashes(size_t pos) const {
    while (pos < n_ && (IsSpace(raw_[pos]) || (raw_[pos] == '/' && At(pos + 1) != '>'))) ++pos;
    return pos;
  }
  void Data(size_t from, size_t to) { out_.Data(raw_.substr(from, to - from)); }

  size_t GoAhead(size_t i, bool end) {
    while (i < n_) {
      const size_t j = cdata_elem_.empty() ? FindMarkupStart(i) : FindCdataEnd(i);
      if (j == kNotFound && !cdata_elem_.empty()) break;
      const size_t stop = j == kNotFound ? n_ : j;
      if (i < stop) Data(i, stop);
      i = stop;
      if (i == n_) break;
      if (raw_[i] == '<') {
        long k = ParseMarkup(i);
        if (k < 0) {
          if (!end) break;
          k = static_cast<long>(UnfinishedMarkupEnd(i));
          Data(i, static_cast<size_t>(k));
        }
        i = static_cast<size_t>(k);
      } else if (StartsWith(i, U"&#")) {
        const size_t k = MatchCharRef(i);
        if (k == kNotFound) {
          if (Find(';', i) != kNotFound) {
            Data(i, i + 2);
            i += 2;
          }
          break;
        }
        i = k;
      } else {
        const size_t k = MatchEntityRef(i);
        if (k != kNotFound) {
          i = k;
          continue;
        }
        if (IsAsciiAlpha(At(i + 1))) {  // incomplete: &[a-zA-Z#] ("&#" went to the branch above)
          if (end && i + 2 == n_) ++i;
          break;
        }
        if (i + 1 >= n_) break;
        out_.Data(U"&");
        ++i;
      }
    }
    if (end && i < n_ && cdata_elem_.empty()) {
      Data(i, n_);
      i = n_;
    }
    return i;
  }

  // interesting_normal: [&<]
  size_t FindMarkupStart(size_t from) const {
    for (size_t p = from; p < n_; ++p) {
      if (raw_[p] == '<' || raw_[p] == '&') return p;
    }
    return kNotFound;
  }
  // The CDATA-mode pattern </\s*script\s*> (re.I). Only an ASCII spelling can end the element
  // (endtagfind wants [a-zA-Z]); other re.I matches such as U+017F only split the dropped text.
  size_t FindCdataEnd(size_t from) const {
    for (size_t p = Find('<', from); p != kNotFound; p = Find('<', p + 1)) {
      if (At(p + 1) != '/') continue;
      const size_t name = SkipSpace(p + 2);
      const std::string_view elem(cdata_elem_);
      if (!StartsWithNoCase(raw_, name, elem)) continue;
      if (At(SkipSpace(name + elem.size())) == '>') return p;
    }
    return kNotFound;
  }

  // The '<' branch of goahead(): returns the position after the construct, or kIncomplete.
  long ParseMarkup(size_t i) {
    if (IsAsciiAlpha(At(i + 1))) return ParseStartTag(i);
    if (StartsWith(i, U"</")) return ParseEndTag(i);
    if (StartsWith(i, U"<!--")) return ParseComment(i);
    if (StartsWith(i, U"<?")) return ParsePi(i);
    if (StartsWith(i, U"<!")) return ParseHtmlDeclaration(i);
    if (i + 1 < n_) {
      out_.Data(U"<");
      return static_cast<long>(i + 1);
    }
    return kIncomplete;
  }

  // goahead(end=True) for a construct that never completed: text up to the next '>' (kept) or
  // up to the next '<', or the '<' alone.
  size_t UnfinishedMarkupEnd(size_t i) const {
    const size_t gt = Find('>', i + 1);
    if (gt != kNotFound) return gt + 1;
    const size_t lt = Find('<', i + 1);
    return lt != kNotFound ? lt : i + 1;
  }

  // tagfind_tolerant's group 1: [a-zA-Z][^\t\n\r\f />\x00]*
  size_t TagNameEnd(size_t pos) const {
    ++pos;
    while (pos < n_) {
      const char32_t c = raw_[pos];
      if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == ' ' || c == '/' || c == '>' ||
          c == 0) {
        break;
      }
      ++pos;
    }
    return pos;
  }

  // [^>\s]*
  size_t BareValueEnd(size_t pos) const {
    while (pos < n_ && raw_[pos] != '>' && !IsSpace(raw_[pos])) ++pos;
    return pos;
  }
  // '[^']*' | "[^"]*" | (?!['"])[^>\s]*  at pos; kNotFound when no alternative matches.
  size_t ValueEnd(size_t pos) const {
    const char32_t c = At(pos);
    if (pos < n_ && (c == '\'' || c == '"')) {
      const size_t close = Find(c, pos + 1);
      return close == kNotFound ? kNotFound : close + 1;
    }
    return BareValueEnd(pos);
  }
  // The optional (\s*=+\s*VALUE) of an attribute, with the regex engine's backtracking: when
  // VALUE fails on an unclosed quote, \s* gives back a space (VALUE matches empty there), or
  // else =+ gives back an '=' (VALUE is then a bare value starting at that '='). Returns pos
  // when the group does not match.
  size_t AttributeValueEnd(size_t pos) const {
    const size_t eq = SkipSpace(pos);
    if (At(eq) != '=') return pos;
    size_t after_eq = eq;
    while (after_eq < n_ && raw_[after_eq] == '=') ++after_eq;
    const size_t value = SkipSpace(after_eq);
    const size_t end = ValueEnd(value);
    if (end != kNotFound) return end;
    if (value > after_eq) return value - 1;
    if (after_eq - eq >= 2) return BareValueEnd(after_eq - 1);
    return pos;
  }
  // One match of attrfind_tolerant at pos (its lookbehind included); kNotFound when none.
  size_t AttributeEnd(size_t pos) const {
    if (pos == 0 || pos >= n_) return kNotFound;
    const char32_t before = raw_[pos - 1];
    if (!(before == '\'' || before == '"' || before == '/' || IsSpace(before))) {
      return kNotFound;
    }
    const char32_t first = raw_[pos];
    if (IsSpace(first) || first == '/' || first == '>') return kNotFound;
    size_t name_end = pos + 1;
    while (name_end < n_) {
      const char32_t c = raw_[name_end];
      if (IsSpace(c) || c == '/' || c == '=' || c == '>') break;
      ++name_end;
    }
    return SkipSpaceAndLoneSlashes(AttributeValueEnd(name_end));
  }

  // check_for_whole_start_tag(), with locatestarttagend_tolerant.
  long CheckForWholeStartTag(size_t i) const {
    size_t j = TagNameEnd(i + 1);
    while (j < n_ && (IsSpace(raw_[j]) || raw_[j] == '/')) ++j;
    for (size_t next = AttributeEnd(j); next != kNotFound; next = AttributeEnd(j)) j = next;
    j = SkipSpace(j);
    const char32_t c = At(j);
    if (j >= n_) return kIncomplete;
    if (c == '>') return static_cast<long>(j + 1);
    if (c == '/') return StartsWith(j, U"/>") ? static_cast<long>(j + 2) : kIncomplete;
    if (IsAsciiAlpha(c) || c == '=') return kIncomplete;
    return static_cast<long>(j);
  }

  // parse_starttag()
  long ParseStartTag(size_t i) {
    const long endpos_or_error = CheckForWholeStartTag(i);
    if (endpos_or_error < 0) return endpos_or_error;
    const auto endpos = static_cast<size_t>(endpos_or_error);
    const size_t name_end = TagNameEnd(i + 1);
    const std::u32string tag = PyLower(raw_.substr(i + 1, name_end - i - 1));
    size_t k = SkipSpaceAndLoneSlashes(name_end);
    while (k < endpos) {
      const size_t next = AttributeEnd(k);
      if (next == kNotFound) break;
      k = next;
    }
    const std::u32string_view rest =
        StripSpace(raw_.substr(std::min(k, endpos), endpos - std::min(k, endpos)));
    if (rest != U">" && rest != U"/>") {
      Data(i, endpos);
      return static_cast<long>(endpos);
    }
    if (rest == U"/>") {
      out_.StartTag(tag, /*handle_empty_element=*/false);
      out_.EndTag(tag, /*check_already_closed=*/true);
    } else {
      out_.StartTag(tag, /*handle_empty_element=*/true);
      if (Equals(tag, "script") || Equals(tag, "style")) {
        cdata_elem_ = Equals(tag, "script") ? "script" : "style";
      }
    }
    return static_cast<long>(endpos);
  }

  // endtagfind: </\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>  -> end of the name, or kNotFound.
  size_t EndTagFindNameEnd(size_t i, size_t& name_start) const {
    name_start = SkipSpace(i + 2);
    if (!IsAsciiAlpha(At(name_start))) return kNotFound;
    size_t name_end = name_start + 1;
    while (name_end < n_) {
      const char32_t c = raw_[name_end];
      if (!(IsAsciiAlnum(c) || c == '-' || c == '.' || c == ':' || c == '_')) break;
      ++name_end;
    }
    return At(SkipSpace(name_end)) == '>' ? name_end : kNotFound;
  }

  // parse_endtag()
  long ParseEndTag(size_t i) {
    const size_t gt = Find('>', i + 1);
    if (gt == kNotFound) return kIncomplete;
    const size_t gtpos = gt + 1;
    size_t name_start = 0;
    const size_t name_end = EndTagFindNameEnd(i, name_start);
    if (name_end == kNotFound) {
      if (!cdata_elem_.empty()) {
        Data(i, gtpos);
        return static_cast<long>(gtpos);
      }
      if (!IsAsciiAlpha(At(i + 2))) {
        if (StartsWith(i, U"</>")) return static_cast<long>(i + 3);
        return ParseBogusComment(i);
      }
      const size_t tolerant_end = TagNameEnd(i + 2);
      const std::u32string tag = PyLower(raw_.substr(i + 2, tolerant_end - i - 2));
      const size_t close = Find('>', SkipSpaceAndLoneSlashes(tolerant_end));
      out_.EndTag(tag, /*check_already_closed=*/true);
      return static_cast<long>(close + 1);
    }
    const std::u32string elem = PyLower(raw_.substr(name_start, name_end - name_start));
    if (!cdata_elem_.empty() && !Equals(elem, cdata_elem_)) {
      Data(i, gtpos);
      return static_cast<long>(gtpos);
    }
    out_.EndTag(elem, /*check_already_closed=*/true);
    cdata_elem_.clear();
    return static_cast<long>(gtpos);
  }

  // parse_comment(): ends at the first --\s*>
  long ParseComment(size_t i) {
    for (size_t p = i + 4; p + 1 < n_; ++p) {
      if (raw_[p] != '-' || raw_[p + 1] != '-') continue;
      const size_t gt = SkipSpace(p + 2);
      if (At(gt) == '>') {
        out_.IgnoredNode();
        return static_cast<long>(gt + 1);
      }
    }
    return kIncomplete;
  }

  // parse_bogus_comment()
  long ParseBogusComment(size_t i) {
    const size_t gt = Find('>', i + 2);
    if (gt == kNotFound) return kIncomplete;
    out_.IgnoredNode();
    return static_cast<long>(gt + 1);
  }

  // parse_pi()
  long ParsePi(size_t i) {
    const size_t gt = Find('>', i + 2);
    if (gt == kNotFound) return kIncomplete;
    out_.IgnoredNode();
    return static_cast<long>(gt + 1);
  }

  // parse_html_declaration()
  long ParseHtmlDeclaration(size_t i) {
    if (StartsWith(i, U"<![")) return ParseMarkedSection(i);
    if (StartsWithNoCase(raw_, i, "<!doctype")) {
      const size_t gt = Find('>', i + 9);
      if (gt == kNotFound) return kIncomplete;
      out_.IgnoredNode();
      return static_cast<long>(gt + 1);
    }
    return ParseBogusComment(i);
  }

  // First match of `]\s*]\s*>` (two_brackets) or `]\s*>` from pos: its start, and end in `end`.
  size_t FindSectionClose(size_t pos, bool two_brackets, size_t& end) const {
    for (size_t p = Find(']', pos); p != kNotFound; p = Find(']', p + 1)) {
      size_t q = SkipSpace(p + 1);
      if (two_brackets) {
        if (At(q) != ']') continue;
        q = SkipSpace(q + 1);
      }
      if (At(q) == '>') {
        end = q + 1;
        return p;
      }
    }
    return kNotFound;
  }

  // parse_marked_section() with bs4's unknown_decl(): CDATA[...] is kept, other sections not.
  long ParseMarkedSection(size_t i) {
    const size_t name_start = i + 3;
    if (name_start >= n_) return kIncomplete;
    if (!IsAsciiAlpha(raw_[name_start])) return RejectedMarkup(i);
    size_t name_end = name_start + 1;
    while (name_end < n_ && (IsAsciiAlnum(raw_[name_end]) || raw_[name_end] == '-' ||
                             raw_[name_end] == '_' || raw_[name_end] == '.')) {
      ++name_end;
    }
    if (SkipSpace(name_end) == n_) return kIncomplete;
    std::string name;
    for (size_t p = name_start; p < name_end; ++p) {
      name.push_back(static_cast<char>(AsciiLowerChar(raw_[p])));
    }
    bool two_brackets;
    if (name == "temp" || name == "cdata" || name == "ignore" || name == "include" ||
        name == "rcdata") {
      two_brackets = true;
    } else if (name == "if" || name == "else" || name == "endif") {
      two_brackets = false;
    } else {
      return RejectedMarkup(i);
    }
    size_t end = 0;
    const size_t close = FindSectionClose(name_start, two_brackets, end);
    if (close == kNotFound) return kIncomplete;
    const std::u32string_view data = raw_.substr(name_start, close - name_start);
    if (data.size() >= 6 && StartsWithNoCase(data, 0, "cdata[")) {
      out_.CDataNode(data.substr(6));
    } else {
      out_.IgnoredNode();
    }
    return static_cast<long>(end);
  }

  // Where html.parser raises AssertionError (the seed then fails): keep the '<' as text.
  long RejectedMarkup(size_t i) {
    out_.Data(U"<");
    return static_cast<long>(i + 1);
  }

  // charref: &#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]; emits the character and returns the
  // position after it (after ';', before any other terminator), or kNotFound.
  size_t MatchCharRef(size_t i) {
    size_t p = i + 2;
    const bool hex = At(p) == 'x' || At(p) == 'X';
    if (hex) ++p;
    const size_t digits = p;
    while (p < n_ && (hex ? IsHexDigit(raw_[p]) : IsAsciiDigit(raw_[p]))) ++p;
    if (p == digits || p >= n_ || IsHexDigit(raw_[p])) return kNotFound;
    EmitCharRef(raw_.substr(digits, p - digits), hex ? 16 : 10);
    return raw_[p] == ';' ? p + 1 : p;
  }

  // bs4 handle_charref(): windows-1252 below 256, chr() above, U+FFFD when chr() fails.
  void EmitCharRef(std::u32string_view digits, uint32_t base) {
    constexpr uint64_t kTooLarge = 0x110000;
    uint64_t value = 0;
    for (char32_t d : digits) {
      const uint32_t v = IsAsciiDigit(d) ? d - '0' : AsciiLowerChar(d) - 'a' + 10;
      value = std::min<uint64_t>(value * base + v, kTooLarge);
    }
    char32_t c = 0xFFFD;
    if (value < 256) {
      c = tables::kWindows1252[value];
    } else if (value < kTooLarge && !(value >= 0xD800 && value <= 0xDFFF)) {
      c = static_cast<char32_t>(value);
    }
    out_.Data(std::u32string_view(&c, 1));
  }

  // entityref: &([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9], with backtracking over '-' and '.' when
  // the name runs to the end of the input. Emits bs4's handle_entityref() text.
  size_t MatchEntityRef(size_t i) {
    if (!IsAsciiAlpha(At(i + 1))) return kNotFound;
    size_t end = i + 2;
    while (end < n_ && (IsAsciiAlnum(raw_[end]) || raw_[end] == '-' || raw_[end] == '.')) ++end;
    if (end >= n_) {
      while (end > i + 2 && IsAsciiAlnum(raw_[end - 1])) --end;
      if (end <= i + 2) return kNotFound;
      --end;  // the '-' or '.' becomes the terminator
    }
    std::string name;
    for (size_t p = i + 1; p < end; ++p) name.push_back(static_cast<char>(raw_[p]));
    const std::string_view value = LookupEntity(name);
    if (value.empty()) {
      out_.Data(U"&");
      Data(i + 1, end);
    } else {
      out_.Data(DecodeUtf8(value));
    }
    return raw_[end] == ';' ? end + 1 : end;
  }

  std::u32string_view raw_;
  size_t n_;
  std::string cdata_elem_;  // "script" or "style" while in CDATA mode
  TextCollector out_;
};

}  // namespace

std::string HtmlToText(std::string_view html) {
  // Without '<' and '&' html.parser sees a single text node.
  if (html.find_first_of("<&") == std::string_view::npos) return std::string(StripSpace(html));
  return HtmlParser(DecodeUtf8(html)).Run();
}

}  // namespace verdict::text
