"""Unicode tables for src/tokenizer, read from the Hugging Face `tokenizers` package itself.

The Rust crates behind `tokenizers` carry their own (partly old) Unicode data, so the tables are
not derived from ICU, utf8proc or Python's unicodedata: every code point is probed through the
package's own normalizers and pre-tokenizer, and the answers are written as compact tables.

Per code point the tables record:
  * flags: removed by BertNormalizer clean_text, mapped to ' ' by clean_text, padded by
    handle_chinese_chars, whitespace / punctuation for BertPreTokenizer, nonspacing mark
    (dropped by strip_accents after NFD), word character (regex \\w, for single_word added
    tokens);
  * the canonical decomposition (NFD of the single character, as the NFD normalizer gives it);
    Hangul syllables are left to the algorithm, which this script checks against the probe;
  * the canonical combining class where the NFD crate reorders marks (Python's unicodedata
    value, kept only for characters the crate is shown to treat as non-starters);
  * the lowercase mapping (Rust char::to_lowercase, as the lowercase normalizer gives it).

src/tokenizer/unicode.cc includes the output. Run through tools/generate/all.py.
"""

import sys
import unicodedata

import tokenizers
from tokenizers import AddedToken, Tokenizer, models, normalizers, pre_tokenizers

import common

OUTPUT = "src/tokenizer/generated/unicode_data.inc"
MAX_CP = 0x110000
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3

FLAG_CLEAN_REMOVE = 1
FLAG_CLEAN_SPACE = 2
FLAG_CHINESE = 4
FLAG_WHITESPACE = 8
FLAG_PUNCT = 16
FLAG_NONSPACING = 32
FLAG_WORD = 64


def code_points():
    return [c for c in range(MAX_CP) if not 0xD800 <= c <= 0xDFFF]


def bert(clean=False, chinese=False, strip=False, lower=False):
    return normalizers.BertNormalizer(
        clean_text=clean, handle_chinese_chars=chinese, strip_accents=strip, lowercase=lower)


def hangul_nfd(c):
    s = c - HANGUL_FIRST
    lead, vowel, trail = 0x1100 + s // 588, 0x1161 + (s % 588) // 28, 0x11A7 + s % 28
    return [lead, vowel] + ([trail] if trail != 0x11A7 else [])


def probe_flags(cps):
    clean = bert(clean=True)
    chinese = bert(chinese=True)
    strip = bert(strip=True)
    pre = pre_tokenizers.BertPreTokenizer()
    flags = {}
    for c in cps:
        ch = chr(c)
        f = 0
        cleaned = clean.normalize_str(ch)
        if cleaned == "":
            f |= FLAG_CLEAN_REMOVE
        elif cleaned == " " and ch != " ":
            f |= FLAG_CLEAN_SPACE
        elif cleaned != ch:
            sys.exit(f"clean_text maps U+{c:04X} to {cleaned!r}: not modelled")
        padded = chinese.normalize_str(ch)
        if padded == f" {ch} ":
            f |= FLAG_CHINESE
        elif padded != ch:
            sys.exit(f"handle_chinese_chars maps U+{c:04X} to {padded!r}: not modelled")
        pieces = [p for p, _ in pre.pre_tokenize_str("a" + ch + "a")]
        if pieces == ["a", "a"]:
            f |= FLAG_WHITESPACE
        elif pieces == ["a", ch, "a"]:
            f |= FLAG_PUNCT
        elif pieces != ["a" + ch + "a"]:
            sys.exit(f"BertPreTokenizer splits U+{c:04X} as {pieces!r}: not modelled")
        if strip.normalize_str(ch) == "" and normalizers.NFD().normalize_str(ch) == ch:
            f |= FLAG_NONSPACING
        flags[c] = f
    return flags


def probe_word_chars(cps):
    """Characters matching regex \\w, seen through a single_word added token's boundary test."""
    tok = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.add_tokens([AddedToken("\u2603", single_word=True, normalized=False)])
    marker = tok.token_to_id("\u2603")
    texts = [chr(c) + "\u2603" for c in cps]
    word = set()
    for c, enc in zip(cps, tok.encode_batch(texts)):
        if marker not in enc.ids:
            word.add(c)
    return word


def probe_mappings(cps):
    nfd = normalizers.NFD()
    lower = bert(lower=True)
    decomposition, lowercase = {}, {}
    for c in cps:
        ch = chr(c)
        d = nfd.normalize_str(ch)
        if HANGUL_FIRST <= c <= HANGUL_LAST:
            if [ord(x) for x in d] != hangul_nfd(c):
                sys.exit(f"NFD of Hangul U+{c:04X} is not the algorithmic one")
        elif d != ch:
            decomposition[c] = [ord(x) for x in d]
        low = lower.normalize_str(ch)
        if low != ch:
            lowercase[c] = [ord(x) for x in low]
    return decomposition, lowercase


def probe_combining_classes(flags):
    """Combining classes the NFD crate reorders by.

    Two surviving marks with known classes (U+1D165: 216, U+1D16D: 226) are swapped by NFD only
    when everything between them is a non-starter, which reveals whether the crate knows each
    candidate as a non-starter. Known classes are immutable in Unicode, so the value is
    Python's."""
    nfd = normalizers.NFD()
    low, high = "\U0001D165", "\U0001D16D"
    if nfd.normalize_str(high + low) != low + high:
        sys.exit("the NFD normalizer does not reorder combining marks")
    classes = {}
    for c in range(MAX_CP):
        ccc = unicodedata.combining(chr(c))
        if ccc == 0:
            continue
        out = nfd.normalize_str(high + chr(c) + low)
        if out.index(low) < out.index(high):
            classes[c] = ccc
    return classes


def ranges_of(values, cps):
    """Collapses {cp: value} (missing = 0) into [first, last, value] runs of non-zero values."""
    runs = []
    for c in cps:
        v = values.get(c, 0)
        if v == 0:
            continue
        if runs and runs[-1][1] == c - 1 and runs[-1][2] == v:
            runs[-1][1] = c
        else:
            runs.append([c, c, v])
    return runs


def check_composition(cps, flags, decomposition, lowercase):
    """The full normalizer must equal the tables applied one after another (per character)."""
    full = bert(clean=True, chinese=True, strip=True, lower=True)
    for c in cps:
        f = flags[c]
        if f & FLAG_CLEAN_REMOVE:
            expected = ""
        elif f & FLAG_CLEAN_SPACE:
            expected = " "
        else:
            if HANGUL_FIRST <= c <= HANGUL_LAST:
                parts = hangul_nfd(c)
            else:
                parts = decomposition.get(c, [c])
            parts = [p for p in parts if not flags[p] & FLAG_NONSPACING]
            expected = "".join(chr(x) for p in parts for x in lowercase.get(p, [p]))
            if f & FLAG_CHINESE:
                expected = f" {expected} "
        got = full.normalize_str(chr(c))
        if got != expected:
            sys.exit(f"U+{c:04X}: normalizer gives {got!r}, tables give {expected!r}")


def fmt_list(name, ctype, rows, per_line):
    lines = [f"inline constexpr {ctype} {name}[] = {{", *common.wrap(rows, per_line), "};"]
    return "\n".join(lines)


def mapping_rows(mapping):
    rows = []
    for c in sorted(mapping):
        to = mapping[c]
        if len(to) > 4:
            sys.exit(f"U+{c:04X} maps to {len(to)} characters; CharMapping holds 4")
        padded = ", ".join(f"0x{x:X}" for x in to + [0] * (4 - len(to)))
        rows.append(f"{{0x{c:X}, {len(to)}, {{{padded}}}}},")
    return rows


def render():
    cps = code_points()
    flags = probe_flags(cps)
    for c in probe_word_chars(cps):
        flags[c] |= FLAG_WORD
    decomposition, lowercase = probe_mappings(cps)
    classes = probe_combining_classes(flags)
    check_composition(cps, flags, decomposition, lowercase)

    flag_rows = [f"{{0x{a:X}, 0x{b:X}, {v}}}," for a, b, v in ranges_of(flags, cps)]
    ccc_rows = [f"{{0x{a:X}, 0x{b:X}, {v}}}," for a, b, v in ranges_of(classes, cps)]
    version = tokenizers.__version__
    header = common.header(__file__, f"tokenizers {version}") + f"""\
// Included once, by unicode.cc. Flag bits: 1 clean_text removes, 2 clean_text maps to ' ',
// 4 handle_chinese_chars pads, 8 pre-tokenizer whitespace, 16 pre-tokenizer punctuation,
// 32 nonspacing mark (strip_accents drops it), 64 regex word character.
inline constexpr const char kTokenizersVersion[] = "{version}";
"""
    body = "\n\n".join([
        fmt_list("kFlagRanges", "RangeValue", flag_rows, 3),
        fmt_list("kCombiningClassRanges", "RangeValue", ccc_rows, 3),
        fmt_list("kDecompositions", "CharMapping", mapping_rows(decomposition), 2),
        fmt_list("kLowercase", "CharMapping", mapping_rows(lowercase), 2),
    ])
    return header + body + "\n// clang-format on\n"
