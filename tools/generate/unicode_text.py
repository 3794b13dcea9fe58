"""Unicode and HTML tables for src/text, read from the Python the seed's preprocessing ran on.

Every table is read from Python itself, so the C++ text steps reproduce CPython's str methods and
BeautifulSoup's entity table exactly (CPython 3.11, Unicode 14.0; beautifulsoup4 4.12.3):
  - str.isspace (also what `\\s` matches in `re` and what str.strip() removes);
  - str.lower / str.upper full mappings (expansions such as 'İ' -> 'i̇', 'ß' -> 'SS');
  - the Case_Ignorable and Cased properties as CPython's final-sigma rule observes them;
  - bs4's HTML_ENTITY_TO_CHARACTER (names without ';') and the windows-1252 byte table that
    bs4's handle_charref uses for &#0; .. &#255;.

The declarations are in src/text/unicode_tables.h. Run through tools/generate/all.py.
"""
import sys
import unicodedata

import bs4
from bs4.dammit import EntitySubstitution

import common

OUTPUT = "src/text/generated/unicode_tables.cc"
MAX_CP = 0x110000


def is_surrogate(c):
    return 0xD800 <= c <= 0xDFFF


def c_string(text):
    return '"' + "".join("\\x%02x" % b for b in text.encode("utf-8")) + '"'


def ranges(predicate):
    out, start = [], None
    for c in range(MAX_CP + 1):
        inside = c < MAX_CP and not is_surrogate(c) and predicate(c)
        if inside and start is None:
            start = c
        elif not inside and start is not None:
            out.append((start, c - 1))
            start = None
    return out


def table(ctype, name, rows, per_line):
    """A table definition and its size constant, as unicode_tables.h declares them."""
    return "\n".join([f"const {ctype} {name}[] = {{", *common.wrap(rows, per_line), "};",
                      f"const size_t {name}Size = {len(rows)};", ""])


def range_table(name, rs):
    return table("CodePointRange", name, ["{0x%X, 0x%X}," % r for r in rs], 6)


def case_table(name, method):
    rows = []
    for c in range(MAX_CP):
        if is_surrogate(c):
            continue
        mapped = getattr(chr(c), method)()
        if mapped != chr(c):
            assert 1 <= len(mapped) <= 3
            cps = ", ".join("0x%X" % ord(m) for m in mapped)
            rows.append("{0x%X, %d, {%s}}," % (c, len(mapped), cps))
    return table("CaseMapping", name, rows, 4)


def ends_in_final_sigma(text):
    return text.lower()[-1] == "\u03c2"


def windows_1252():
    cells = []
    for b in range(256):
        try:
            cells.append("0x%X," % ord(bytes([b]).decode("windows-1252")))
        except UnicodeDecodeError:
            cells.append("0x%X," % b)
    return "\n".join(["const char32_t kWindows1252[256] = {", *common.wrap(cells, 8), "};", ""])


def render():
    assert bs4.__version__ == "4.12.3", "the seed pinned beautifulsoup4==4.12.3"
    python = "%d.%d" % sys.version_info[:2]
    source = (f"Python {python} (Unicode {unicodedata.unidata_version}) and "
              f"beautifulsoup4 {bs4.__version__}")
    # CPython's final sigma rule skips Case_Ignorable characters and then tests Cased. Both
    # properties are observed through str.lower itself:
    #   c + 'Σ' ends in 'ς'        <=> not CaseIgnorable(c) and Cased(c)
    #   'A' + c + 'Σ' ends in 'ς'  <=> CaseIgnorable(c) or Cased(c)
    sigma = "\u03a3"
    case_ignorable = ranges(lambda c: ends_in_final_sigma("A" + chr(c) + sigma)
                            and not ends_in_final_sigma(chr(c) + sigma))
    cased_not_ignorable = ranges(lambda c: ends_in_final_sigma(chr(c) + sigma))
    entities = sorted(EntitySubstitution.HTML_ENTITY_TO_CHARACTER.items())
    entity_rows = ['{"%s", %s},' % (name, c_string(value)) for name, value in entities]
    parts = [
        common.header(__file__, source) + '#include "text/unicode_tables.h"\n',
        "namespace verdict::text::tables {\n",
        range_table("kSpace", ranges(lambda c: chr(c).isspace())),
        case_table("kLower", "lower"),
        case_table("kUpper", "upper"),
        range_table("kCaseIgnorable", case_ignorable),
        range_table("kCasedNotIgnorable", cased_not_ignorable),
        table("HtmlEntity", "kHtmlEntities", entity_rows, 1),
        windows_1252(),
        "}  // namespace verdict::text::tables\n// clang-format on\n",
    ]
    return "\n".join(parts)
