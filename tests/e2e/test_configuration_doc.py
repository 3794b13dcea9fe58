"""docs/configuration.md against the engine's option tables, in both directions: the block between
the options markers is what `verdict options --markdown` prints (every row, with its variable and
default), and every flag and environment variable the rest of the doc names is in a table.

Regenerate the block after changing an option: `python tests/e2e/test_configuration_doc.py`.
"""

from __future__ import annotations

import pathlib
import re
import sys

if __name__ == "__main__":  # run as a script: tests/ is not on the import path yet
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from conftest import ROOT, run_engine  # noqa: E402

DOC = ROOT / "docs" / "configuration.md"
BEGIN, END = "<!-- options:begin -->", "<!-- options:end -->"
# The exporter's own section: its flags are verdict-export's (Python argparse), not the engine's.
EXPORT_SECTION = "## verdict-export (Python)"
# Named by the doc as variables the seed reads and verdict does not.
NOT_READ = {"TEXT_FIELD"}

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9_-]*")
CAPS_IN_BACKTICKS = re.compile(r"`([A-Z][A-Z0-9_]*)`")
CAPS_WITH_UNDERSCORE = re.compile(r"(?<![\w$])[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")


def generated() -> str:
    done = run_engine("options", "--markdown")
    assert done.returncode == 0, done.stderr
    return done.stdout


def split_doc(text: str) -> tuple[str, str, str]:
    before, rest = text.split(BEGIN + "\n")
    block, after = rest.split(END)
    return before, block, after


def rows(markdown: str) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(section, first flag) -> (every flag, environment variable, default) of each table row."""
    table, section = {}, ""
    for line in markdown.splitlines():
        if line.startswith("### "):
            section = line[4:]
        elif line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            flags = re.findall(r"[\w-]+", cells[0])
            table[(section, flags[0])] = (" ".join(flags), cells[1], cells[3])
    return table


def names(markdown: str) -> tuple[set[str], set[str]]:
    """Flags and environment variables (or positional names) of the tables."""
    flags, variables = set(), set()
    for (_, _), (all_flags, env, _) in rows(markdown).items():
        flags.update(f for f in all_flags.split() if f.startswith("--"))
        variables.update(f for f in all_flags.split() if f.isupper())
        variables.add(env.strip("`"))
    variables.discard("")
    return flags, variables


def test_block_is_the_generated_tables():
    _, block, _ = split_doc(DOC.read_text())
    assert block == generated(), "docs/configuration.md is stale: python tests/e2e/test_configuration_doc.py"


def test_every_table_row_is_in_the_doc_with_its_variable_and_default():
    _, block, _ = split_doc(DOC.read_text())
    in_doc, in_tables = rows(block), rows(generated())
    assert in_tables, "no option rows parsed"
    for key, row in in_tables.items():
        assert in_doc.get(key) == row, f"{key}: doc has {in_doc.get(key)}, the table {row}"
    assert set(in_doc) == set(in_tables)


def test_every_flag_and_variable_the_doc_names_is_an_option():
    text = DOC.read_text().split(EXPORT_SECTION)[0]
    flags, variables = names(generated())
    mentioned_flags = set(FLAG.findall(text)) - {"--help", "--markdown"}
    assert mentioned_flags - flags == set()
    mentioned = set(CAPS_IN_BACKTICKS.findall(text)) | set(CAPS_WITH_UNDERSCORE.findall(text))
    assert mentioned - variables - NOT_READ == set()
    assert NOT_READ & variables == set(), "the doc says verdict does not read these"


def test_help_and_markdown_show_the_same_defaults():
    for (section, flag), (_, env, default) in rows(generated()).items():
        if not section.startswith("verdict ") or not flag.startswith("--"):
            continue
        help_text = run_engine(*section.split()[1:], "--help").stdout
        line = next(line for line in help_text.splitlines() if re.match(f"  {flag}([ ,]|$)", line))
        if env:
            assert f"[env {env.strip('`')}]" in line
        if default.startswith("`"):
            assert f"(default: {default.strip('`')})" in line


def regenerate() -> None:
    before, _, after = split_doc(DOC.read_text())
    DOC.write_text(before + BEGIN + "\n" + generated() + END + after)


if __name__ == "__main__":
    regenerate()
