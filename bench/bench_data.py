"""Benchmark the data foundation: snapshot build time (per reader) and `visalever indicators` latency.

Baseline measured in the same run: a bare interpreter start (`python -c pass`) for the query, and
a plain read of the raw tables' bytes (sha256 of every file) for the build. Prints ratios.
Run: .venv/bin/python bench/bench_data.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from visalever import snapshot
    from visalever.paths import raw_data_root
    from visalever.sources.common import sha256_of

    root = raw_data_root()
    exe = str(Path(sys.executable).parent / "visalever")
    base_start = wall([sys.executable, "-c", "pass"])
    query = wall([exe, "indicators", "--jurisdiction", "uk", "--country", "ALB", "--period", "2023",
                  "--format", "json"])
    t0 = time.perf_counter()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            sha256_of(p)
    base_hash = time.perf_counter() - t0
    steps: list[tuple[str, float]] = []
    last = [time.perf_counter(), ""]

    def progress(name: str) -> None:
        now = time.perf_counter()
        if last[1]:
            steps.append((str(last[1]), now - float(last[0])))
        last[0], last[1] = now, name

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        snapshot.build(root, directory=Path(d), progress=progress)
        build = time.perf_counter() - t0
        build_cpu = time.process_time() - cpu0
        steps.append((f"{last[1]} + newest-wins, revisions, write", t0 + build - float(last[0])))
    print(f"indicators query (median of 5, incl. interpreter start): {query:.3f}s; "
          f"bare interpreter start {base_start:.3f}s; ratio {query / base_start:.1f}x")
    print(f"data build: {build:.1f}s wall, {build_cpu:.1f}s CPU; hashing all raw bytes {base_hash:.2f}s; "
          f"ratio {build / base_hash:.1f}x")
    for name, secs in steps:
        print(f"  {name}: {secs:.1f}s")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
