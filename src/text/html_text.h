// The text BeautifulSoup 4.12.3 extracts with html.parser (private to src/text).
#pragma once

#include <string>
#include <string_view>

namespace verdict::text {

// BeautifulSoup(html, "html.parser").get_text(" ", strip=True) as run by the seed (CPython
// 3.11 html.parser, beautifulsoup4 4.12.3), for valid UTF-8 input. The tokenizer below is a port
// of html.parser's state machine (feed() then close()) and bs4's tree building, so text
// reaches the same text nodes: tags, comments, declarations, processing instructions and the
// contents of script, style, template, rt and rp are dropped; CDATA sections are kept;
// entities follow bs4 (legacy names without ';', windows-1252 for &#128;..&#159;); CR LF and
// control characters are kept; an unfinished tag at the end stays text; each text node is
// stripped with Python's str.strip() and the non-empty ones are joined by single spaces.
// Two deliberate departures where the seed raises instead of returning text: a character
// reference to a surrogate (&#xD800;) gives U+FFFD, and a marked section html.parser rejects
// (`<![foo[`, `<![ x`) leaves its '<' as text and parsing goes on.
std::string HtmlToText(std::string_view html);

}  // namespace verdict::text
