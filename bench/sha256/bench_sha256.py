#!/usr/bin/env python3
"""SHA-256 throughput: the bundle stage's hashing vs sha256sum and Python hashlib.

eval and inspect hash every file of a bundle (src/bundle/sha256.cc) before they load it, so a
model of several GB costs its size divided by this throughput at every run. One file of --mb MB
(held in the page cache: it is read once before timing) is hashed by

  verdict portable  the plain C++ compression (any CPU)
  verdict shani     the x86 SHA extensions (the default where CPUID reports them)
  sha256sum         GNU coreutils
  hashlib           Python's hashlib.sha256 (OpenSSL) in 1 MiB blocks, in this process

and --files files of --mb/--files MB each by the SHA-NI engine one after the other and by
Sha256OfFiles (the files on threads, as LoadManifest hashes a bundle). Every digest is checked
against hashlib's. MB/s = MB / median seconds of --repeats runs, wall time and CPU time (user +
system of the hashing process, or of this process for hashlib): the development machines are
small shared VMs, where the CPU column is what an idle core gives. Processes are included (their
start is milliseconds).

The C++ driver (bench/sha256/sha256_bench.cc) is built here with g++ -O2 unless --bin names one.

  .venv/bin/python bench/sha256/bench_sha256.py [--mb 1024] [--repeats 3] [--dir /tmp]
"""

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCES = ["src/bundle/sha256.cc", "src/core/core.cc", "src/core/utf8.cc",
           "bench/sha256/sha256_bench.cc"]


def build(out_dir):
    binary = os.path.join(out_dir, "sha256_bench")
    subprocess.run(["g++", "-std=c++20", "-O2", "-pthread", "-I", os.path.join(ROOT, "src"),
                    *[os.path.join(ROOT, s) for s in SOURCES], "-o", binary], check=True)
    return binary


def write_file(path, megabytes):
    block = os.urandom(1 << 20)
    with open(path, "wb") as out:
        for _ in range(megabytes):
            out.write(block)


def hashlib_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def cpu_seconds():
    """CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run, repeats):
    """Median wall and CPU seconds of `run`, and what its last call returned."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        result = run()
        wall.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def digests_of(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if not line.startswith("seconds")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--bin", help="a built sha256_bench (default: build one with g++)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as work:
        binary = args.bin or build(work)
        big = os.path.join(work, "big.bin")
        write_file(big, args.mb)
        shards = [os.path.join(work, f"shard{i}.bin") for i in range(args.files)]
        for shard in shards:
            write_file(shard, args.mb // args.files)
        expected = {p: hashlib_digest(p) for p in [big, *shards]}  # also fills the page cache

        runs = {
            "verdict portable": lambda: digests_of([binary, "portable", big]),
            "verdict shani": lambda: digests_of([binary, "shani", big]),
            "sha256sum": lambda: digests_of(["sha256sum", big]),
            "hashlib": lambda: [hashlib_digest(big)],
            f"verdict shani, {args.files} files one by one": lambda: digests_of(
                [binary, "shani", *shards]),
            f"verdict Sha256OfFiles, {args.files} files on threads": lambda: digests_of(
                [binary, "files", *shards]),
        }
        print(f"{args.mb} MB, median of {args.repeats}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        for name, run in runs.items():
            if name.startswith("verdict shani") and subprocess.run(
                    [binary, "shani", os.devnull], capture_output=True).returncode == 3:
                print(f"{name:54s} (no SHA extensions on this CPU)")
                continue
            wall, cpu, digests = timed(run, args.repeats)
            files = shards if "files" in name else [big]
            if digests != [expected[f] for f in files]:
                sys.exit(f"{name}: digest differs from hashlib's")
            print(f"{name:54s} wall {wall:7.3f} s {args.mb / wall:6.0f} MB/s"
                  f"   cpu {cpu:7.3f} s {args.mb / cpu:6.0f} MB/s")


if __name__ == "__main__":
    main()
