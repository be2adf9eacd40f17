"""``make bench``: every figure beside its baseline, as a table and in bench/results.json.

Usage: python -m bench [--quick] [--only NAME ...]; a partial run (--only) replaces just its suites' figures in
results.json. Suites: startup, live, engine, large, http, polite, launch, record. Benchmarks that need the reference apps
of ``../shared/bench/`` run them when that folder is beside the project and say so when it is not.

``launch`` (bench/launch.py) times ``schedtop --disks 10000 --tasks 100000`` and ``schedtop --connect`` to
``schedtop serve --disks 10000 --tasks 100000`` from launch to task rows on screen, with the RSS then, beside the
bare app's start-up; ``schedtop --disks 50000 --tasks 1000000`` only in a full run (``--quick`` skips it).

``record`` (bench/recording.py) simulates an hour of the demo recorded at 1 s: the recorder's CPU, the file's size
and the worst of 40 random seeks in it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import suites
from .report import print_table, save

RESULTS = Path(__file__).parent / "results.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and shorter windows (a smoke run)")
    parser.add_argument("--only", nargs="*", choices=sorted(suites.SUITES), help="run only these benchmarks")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    figures = []
    for name in args.only or list(suites.SUITES):
        print(f"== {name} …", flush=True)
        try:
            measured = suites.SUITES[name](quick=args.quick)
        except Exception as error:  # a broken benchmark must not hide the others' figures
            print(f"   {name} failed: {error!r}", file=sys.stderr)
            continue
        for figure in measured:
            figure.suite = name
        figures.extend(measured)
    print()
    print_table(figures)
    save(figures, RESULTS, args.only or None)  # a partial run updates only its suites' figures
    print(f"\nwritten to {RESULTS} in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
