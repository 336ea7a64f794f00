"""`make bench`: every benchmark in bench/, one after another, each printing its ratio against a baseline
measured in the same run. The load average is printed before each, since a lead that exists only
under load is not a lead (docs/PERFORMANCE.md states the figures and the load).

Run: .venv/bin/python bench/run_all.py [--quick] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: name -> (script, full arguments, --quick arguments)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "data": ("bench_data.py", [], []),
    "assess": ("bench_assess.py", [], []),
    "decide": ("bench_decide.py", [], ["--rows", "500000"]),
    "replay": ("bench_replay.py", [], ["--records", "500000", "--repeat", "2"]),
    "montecarlo": ("bench_montecarlo.py", [], ["--repeat", "2"]),
    "stream": ("bench_stream.py", [], []),
    "service": ("bench_service.py", [], ["--duration", "3"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller inputs (minutes instead of tens)")
    ap.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="run only these")
    args = ap.parse_args()
    failed = []
    for name in args.only or list(BENCHES):
        script, full, quick = BENCHES[name]
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n=== {name}: {' '.join(cmd[1:])}  (load average {load})", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=HERE.parent)
        print(f"=== {name}: exit {done.returncode} in {time.perf_counter() - t0:.1f} s", flush=True)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
