#!/usr/bin/env python3
"""Reads the lines bench.Timeline wrote for one run of a test class; prints, in milliseconds:
the first test (from the class's start to the first test's end: what the run's first test waits
for), the median later test, the median and the slowest curl run within the later tests, and how
many failed."""
import statistics
import sys

start, tests, curls, cls, failed = {}, [], [], None, 0
for line in open(sys.argv[1]):
    what, t, kind, uid = line.rstrip("\n").split(" ", 3)
    t = int(t)
    if what == "took":
        curls.append(t / 1e6)
    elif what == "start":
        start[uid] = t
        if kind == "class" and cls is None:
            cls = t
    elif kind == "test":
        failed += what == "failed"
        tests.append((start[uid], t))
tests.sort()
if cls is None or len(tests) < 2 or len(curls) != len(tests):
    sys.exit(f"{sys.argv[1]}: {len(tests)} tests, {len(curls)} curl runs: not a whole run")
print(f"{(tests[0][1] - cls) / 1e6:.0f} {statistics.median((e - s) / 1e6 for s, e in tests[1:]):.1f} "
      f"{statistics.median(curls[1:]):.1f} {max(curls[1:]):.0f} {failed}")
