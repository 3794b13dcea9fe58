"""report.html opens in headless Chromium without console messages, shows every section and
plot, needs nothing from the network, and its screenshot is not blank. The JPG plots beside it
are checked in C++ (src/report/report_test.cc)."""

from __future__ import annotations

import pathlib
import random
import re
import shutil
import struct
import subprocess
import zlib

import pytest

from conftest import ROOT, run_engine

FIXTURE = ROOT / "tests" / "golden" / "bundle" / "tiny"  # multiclass: x, y, z from fields a, b
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--hide-scrollbars"]


def tiny_csv(rows: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = ["id,a,b,label"]
    for i in range(rows):
        a = "" if i % 17 == 0 else f"{rng.uniform(-2, 3):.3f}"
        lines.append(f"{i},{a},{rng.choice('pq')},{rng.choice('xyz')}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory, engine) -> pathlib.Path:
    root = tmp_path_factory.mktemp("report")
    bundle = root / "bundle"
    shutil.copytree(FIXTURE, bundle)
    data = root / "data.csv"
    data.write_text(tiny_csv(200, seed=5))
    done = run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir",
                      str(root / "out"), "--metrics-dir", str(root / "metrics"))
    assert done.returncode == 0, done.stderr
    if not (root / "metrics" / "report.html").exists():
        pytest.skip("verdict eval does not write report.html yet (pipeline not wired to "
                    "report::WriteReports)")
    return root / "metrics"


def chromium(*args: str, profile: pathlib.Path) -> subprocess.CompletedProcess:
    binary = shutil.which("chromium")
    assert binary, "chromium is missing: run tools/setup.sh (Debian package chromium)"
    return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def read_png(path: pathlib.Path) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and unfiltered pixel rows of an 8-bit RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    out, previous = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, up_left = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        out += line
        previous = line
    return width, height, bpp, bytes(out)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_report_is_self_contained(metrics_dir):
    html = (metrics_dir / "report.html").read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)\s*=\s*\"(https?:)?//", html), "network reference"
    assert "@import" not in html
    assert not re.search(r"url\((?!#)", html), "url() to something outside the page"
    assert html.count("<svg") == html.count("</figcaption>") >= 3  # roc, pr, confusion matrix
    assert len(html) < 2_000_000


def test_report_renders_in_chromium_without_console_messages(metrics_dir, tmp_path):
    done = chromium("--enable-logging=stderr", "--v=0", "--dump-dom",
                    (metrics_dir / "report.html").as_uri(), profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    dom = done.stdout
    for section in ("metrics", "plots", "classes", "data", "run"):
        assert f'id="{section}"' in dom, section
    assert "Evaluation report" in dom and "confusion_matrix.jpg" in dom


def test_report_screenshot_is_not_blank(metrics_dir, tmp_path):
    shot = tmp_path / "report.png"
    done = chromium("--window-size=1366,900", f"--screenshot={shot}",
                    (metrics_dir / "report.html").as_uri(), profile=tmp_path / "profile")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    width, height, bpp, pixels = read_png(shot)
    assert (width, height) == (1366, 900)
    step = 7 * bpp  # every 7th pixel is plenty
    samples = [pixels[i:i + 3] for i in range(0, len(pixels) - 2, step)]
    ink = sum(1 for p in samples if sum(p) < 3 * 235) / len(samples)
    colours = {bytes(p) for p in samples}
    assert ink > 0.02, f"screenshot is nearly blank ({ink:.3%} non-white)"
    assert len(colours) > 50, f"screenshot has only {len(colours)} colours"
