#!/usr/bin/python3
"""The fleet at ten times the fleet year's size, a week of it: identical at 1, 2 and 8
threads, every job finished, and no backlog.

usage: fleet_scale.py FOOTPRINT SCENARIOS_DIR

Runs scenarios/bench/fleet-year-x10-week.yaml (100 datacenters, 1,024,000 accelerators,
194,444 jobs over 7 days) at 1, 2 and 8 threads, and checks, reading the traces with h5py:

  * every dataset of /jobs and of each /datacenters/<dc> is the same at 1 and 8 threads as
    at 2 (bit for bit, NaN equal to NaN);
  * every job finished (/jobs finished all 1);
  * the mean wait is under 1 h and no job waited longer than its class's slack plus a day
    (measured on 2026-12-05: 0.13 h mean, 0.17 h at most). Before a pool's free devices
    stopped counting as room while its queue waited for them, the same fleet gathered a
    backlog in its clean region from the first days (a month of it: mean wait 123 h;
    docs/performance.md, "Ten times the fleet").
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

MEAN_WAIT_LIMIT_H = 1.0
# The longest slack of the scenario's classes (24 h) plus a day: a job waiting longer than
# that is queued behind others, not waiting for a cleaner hour.
MAX_WAIT_LIMIT_H = 48.0


def datasets(path):
    """Every dataset under /jobs and /datacenters, by name, as numpy arrays."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.shape != ():
                out[name] = obj[()]
        for group in ("jobs", "datacenters"):
            f[group].visititems(lambda n, o, g=group: visit(f"{g}/{n}", o))
    return out


def same(a, b):
    if a.dtype.kind == "f":
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a.shape == b.shape and np.array_equal(a, b)


def main():
    footprint, scenarios = sys.argv[1], Path(sys.argv[2])
    scenario = scenarios / "bench" / "fleet-year-x10-week.yaml"
    failures = []
    with tempfile.TemporaryDirectory(prefix="fp-scale-") as tmp:
        traces = {}
        for threads in (2, 1, 8):
            out = Path(tmp) / f"t{threads}.h5"
            subprocess.run([footprint, "run", str(scenario), "-o", str(out), "--threads",
                            str(threads), "--quiet"], check=True, stdout=subprocess.DEVNULL)
            traces[threads] = out
        reference = datasets(traces[2])
        if not any(k.startswith("datacenters/") for k in reference):
            failures.append("no datacenter series in the 2-thread trace")
        for threads in (1, 8):
            other = datasets(traces[threads])
            if set(other) != set(reference):
                failures.append(f"{threads} threads: other datasets "
                                f"({sorted(set(other) ^ set(reference))[:5]})")
                continue
            differ = [k for k in reference if not same(reference[k], other[k])]
            if differ:
                failures.append(f"{threads} threads: {len(differ)} datasets differ from 2 "
                                f"threads' (first: {differ[:3]})")
        finished = reference["jobs/finished"]
        if finished.size != 194444 or not np.all(finished == 1):
            failures.append(f"jobs finished: {int(np.sum(finished == 1))} of {finished.size} "
                            "(expected all 194,444)")
        wait_h = reference["jobs/wait_s"] / 3600.0
        if not np.nanmean(wait_h) < MEAN_WAIT_LIMIT_H:
            failures.append(f"mean wait {np.nanmean(wait_h):.2f} h (expected under "
                            f"{MEAN_WAIT_LIMIT_H} h)")
        if not np.nanmax(wait_h) < MAX_WAIT_LIMIT_H:
            failures.append(f"longest wait {np.nanmax(wait_h):.1f} h (expected under "
                            f"{MAX_WAIT_LIMIT_H} h)")
        print(f"fleet_scale: {finished.size} jobs, mean wait {np.nanmean(wait_h):.3f} h, "
              f"longest {np.nanmax(wait_h):.2f} h, {len(reference)} datasets compared at 1, 2 "
              "and 8 threads")
    for f in failures:
        print(f"FAIL {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
