#!/usr/bin/python3
"""Sweeps end to end (docs/sweeps.md), through the footprint program.

usage: sweep_test.py FOOTPRINT SCENARIOS_DIR TEST_SWEEPS_DIR

Checks:
  * one process (1 and 2 threads), 2 MPI ranks, and 2 shards merged give byte-identical
    index.h5 and point files;
  * a sweep killed in the middle, rerun, completes and redoes nothing that had finished;
  * points of uneven cost keep both MPI ranks busy (dynamic balancing);
  * replicas get distinct derived seeds, the same for every axis value;
  * the index's per-site peaks and jobs' emissions; a serving sweep's per-service columns
    against the point traces' /services attributes, its MPI and shard runs, `report
    --metric` and `plot.py scatter` (the capacity question, docs/serving.md);
    `footprint report --paired` against paired differences computed here from the
    points, `--where`, and their errors;
    `footprint compare` of two points against the index;
  * a point's scenario text is complete: `footprint check` accepts it and `footprint run`
    on it writes the point's file byte for byte;
  * bad sweep files: exit code 2, the sweep file's line and column, nothing run;
  * the index opens with xarray (h5netcdf) with a `point` dimension (index format 2).

The index is read through analysis/footprint_trace.py (format 1 and 2).
"""

import csv
import filecmp
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analysis"))
import footprint_trace  # noqa: E402  (analysis/footprint_trace.py)
from footprint_trace import text as h5text  # noqa: E402  (bytes or str -> str)

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def same_tree(a, b):
    """Whether folders a and b hold the same point files and index, byte for byte."""
    pa = sorted(os.listdir(os.path.join(a, "points")))
    pb = sorted(os.listdir(os.path.join(b, "points")))
    if pa != pb:
        return False
    for name in pa:
        if not filecmp.cmp(os.path.join(a, "points", name), os.path.join(b, "points", name),
                           shallow=False):
            return False
    return filecmp.cmp(os.path.join(a, "index.h5"), os.path.join(b, "index.h5"), shallow=False)


# t(0.975, 2): the factor of a 95 % interval of the mean of 3 values (NIST/SEMATECH
# e-Handbook 1.3.6.7.2: 4.303).
T975_DF2 = 4.302652729749464


def check_paired_and_where(exe, index, t):
    """`footprint report --paired` and `--where` on the replicas sweep (2 failure models x 3
    replicas, one checkpoint value), against figures computed here from its points."""
    failures = "failures"
    a_value, b_value = list(dict.fromkeys(t[failures]))
    a = t[t[failures] == a_value].sort_values("replica")
    b = t[t[failures] == b_value].sort_values("replica")
    check(list(a["seed"]) == list(b["seed"]), "paired points share their seed (common random "
                                               "numbers)")
    r = run([exe, "report", index, "--paired", f"{failures}={a_value},{b_value}",
             "--format", "json"])
    check(r.returncode == 0, f"report --paired runs ({r.stderr.strip()[-300:]})")
    if r.returncode != 0:
        return
    out = json.loads(r.stdout)
    check(out["pairs"] == 3 and out["pairs_sharing_seed"] == 3 and len(out["rows"]) == 1,
          f"--paired: 3 pairs, all sharing their seed, one row ({out['pairs']}, "
          f"{out['pairs_sharing_seed']}, {len(out['rows'])} rows)")
    # Directly from the points: d_i = B_i - A_i, mean, sample sd, mean -/+ t x sd / sqrt(3).
    for metric in ("energy_mwh", "emissions_location_t", "jobs_emissions_market_t", "days"):
        d = [float(y) - float(x) for x, y in zip(a[metric], b[metric])]
        mean = sum(d) / 3
        sd = math.sqrt(sum((x - mean) ** 2 for x in d) / 2)
        half = T975_DF2 * sd / math.sqrt(3)
        got = out["rows"][0]["stats"][metric]
        ok = all(math.isclose(got[k], v, rel_tol=1e-9, abs_tol=1e-9 * abs(mean))
                 for k, v in (("mean_diff", mean), ("sd", sd), ("ci95_low", mean - half),
                              ("ci95_high", mean + half), ("t975", T975_DF2)))
        check(ok, f"--paired {metric}: mean {got['mean_diff']:.6g} sd {got['sd']:.6g} "
                  f"CI [{got['ci95_low']:.6g}, {got['ci95_high']:.6g}] = direct "
                  f"{mean:.6g}, {sd:.6g}, [{mean - half:.6g}, {mean + half:.6g}] "
                  "(relative 1e-9)")
    # --where: only the points of B, as the direct mean of their energy.
    r = run([exe, "report", index, "--where", f"{failures}={b_value}", "--format", "csv"])
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 2, f"--where keeps one row ({r.stderr.strip()})")
    if r.returncode == 0 and len(lines) == 2:
        row = dict(zip(next(csv.reader([lines[0]])), next(csv.reader([lines[1]]))))
        mean = sum(float(v) for v in b["energy_mwh"]) / 3
        check(row["n"] == "3" and math.isclose(float(row["energy_mwh (MWh)"]), mean,
                                                rel_tol=1e-12),
              f"--where {failures}=B: n 3, mean energy {row['energy_mwh (MWh)']} = {mean!r}")
    # --where then --paired; and errors that name the flag.
    checkpoint = "jobs[name=gpt3].checkpoint"
    r = run([exe, "report", index, "--where", f"{checkpoint}={t[checkpoint].iloc[0]}",
             "--paired", f"{failures}={a_value},{b_value}"])
    check(r.returncode == 0 and "filtered (--where): " + checkpoint in r.stdout
          and "3 pairs" in r.stdout, "--where then --paired: the table says both")
    r = run([exe, "report", index, "--paired", f"{failures}={a_value},nothing"])
    check(r.returncode == 2 and "--paired" in r.stderr and b_value in r.stderr,
          f"--paired with an unknown value: exit 2, names the flag and the values "
          f"({r.stderr.strip()[:120]})")
    r = run([exe, "report", index, "--where", "failure=1"])
    check(r.returncode == 2 and "--where 'failure=1'" in r.stderr and failures in r.stderr,
          f"--where with an unknown axis: exit 2, lists the axes ({r.stderr.strip()[:120]})")


def check_compare(exe, folder, t):
    """`footprint compare` of two points of the replicas sweep (replica 0 of each failure
    model): its site and job figures are the index's, the one job is matched."""
    a, b = t.iloc[0], t.iloc[3]
    r = run([exe, "compare", os.path.join(folder, a["file"]), os.path.join(folder, b["file"]),
             "--format", "json"])
    check(r.returncode == 0, f"compare of two points runs ({r.stderr.strip()[-200:]})")
    if r.returncode != 0:
        return
    out = json.loads(r.stdout)
    rows = {(x["scope"], x["metric"]): x for x in out["rows"] if x["name"] in ("total", "matched")}
    ok = all(math.isclose(rows[("total", m)]["a"], float(a[m]), rel_tol=1e-12)
             and math.isclose(rows[("total", m)]["b"], float(b[m]), rel_tol=1e-12)
             for m in ("energy_mwh", "jobs_emissions_location_t", "jobs_emissions_market_t",
                       "peak_facility_mw", "days"))
    check(ok, "compare's totals (site and jobs) equal the index's figures of the two points")
    check(out["matched_jobs"]["jobs"] == 1 and rows[("matched_jobs", "jobs")]["a"] == 1,
          "compare matches the one job (gpt3), finished in both")
    r = run([exe, "compare", os.path.join(folder, a["file"]), os.path.join(folder, b["file"])])
    check(r.returncode == 0 and "B starts the 1 matched jobs" in r.stdout
          and "jobs (attributed to jobs)" in r.stdout, "compare's table: site and job levels")


SERVICE_FIGURES = {  # index column prefix -> units; all but devices are /services attributes
    "goodput": "1", "ttft_p99_s": "s", "tpot_p99_s": "s", "output_tokens_per_s": "1/s",
    "j_per_output_token_accelerators": "J", "j_per_output_token_facility": "J", "devices": "",
}


def check_serving(exe, scenarios, tmp):
    """scenarios/sweeps/serving-capacity.yaml: the per-service index columns are the point
    traces' figures; the same bytes from MPI ranks and merged shards; report and plot."""
    sweep = os.path.join(scenarios, "sweeps", "serving-capacity.yaml")
    ref = os.path.join(tmp, "serving")
    r = run([exe, "sweep", sweep, "--out", ref, "--threads", "1", "-q"])
    check(r.returncode == 0, f"serving sweep runs ({r.stderr.strip()[-300:]})")
    index = footprint_trace.open(os.path.join(ref, "index.h5"), "index")
    pts = index.points()
    units = pts.attrs["units"]
    columns = [f"{f}[chat]" for f in SERVICE_FIGURES]
    check(len(pts) == 18 and all(c in pts.columns for c in columns)
          and all(units[f"{f}[chat]"] == u for f, u in SERVICE_FIGURES.items()),
          f"serving index: 18 rows, the 7 service columns with their units "
          f"({list(pts.columns)[-8:]})")
    # Each value is the trace's attribute, copied: equal to 1e-12 relative (they are the
    # same float64; the tolerance only guards a reader's conversion).
    worst, nan_mismatch, devices_ok = 0.0, 0, True
    per_replica = {"H100": 4, "B200": 2}
    for k in range(len(pts)):
        row = pts.iloc[k]
        with h5py.File(os.path.join(ref, row["file"]), "r") as f:
            a = f["services/chat"].attrs
            for name in SERVICE_FIGURES:
                if name == "devices":
                    want = (int(a["replicas"]) + int(a["reserve"])) * int(a["devices_per_replica"])
                else:
                    want = float(a[name])
                got = float(row[f"{name}[chat]"])
                if math.isnan(want) or math.isnan(got):
                    nan_mismatch += math.isnan(want) != math.isnan(got)
                else:
                    worst = max(worst, abs(got - want) / max(abs(want), 1e-300))
        devices_ok = devices_ok and float(row["devices[chat]"]) == (
            int(row["services[name=chat].replicas"])
            * per_replica[row["services[name=chat].accelerator"]])
    check(worst <= 1e-12 and nan_mismatch == 0,
          f"serving index: every service column equals the point trace's /services/chat "
          f"figure (worst relative difference {worst:.1e}, tolerance 1e-12)")
    check(devices_ok, "devices[chat] = replicas x 4 (H100, tensor 4) or x 2 (B200, tensor 2)")
    # The capacity trade-off the sweep file states: one replica misses the SLO, four meet it
    # from max_batch 64, and meeting it costs energy per token.
    rep_ = pts["services[name=chat].replicas"].astype(int)
    batch = pts["services[name=chat].max_batch"].astype(int)
    good = pts["goodput[chat]"]
    jpt = pts["j_per_output_token_facility[chat]"]
    check(good[rep_ == 1].max() < 0.9 and good[(rep_ == 4) & (batch >= 64)].min() > 0.95,
          f"one replica misses the SLO (goodput <= {good[rep_ == 1].max():.3f}), four from "
          f"max_batch 64 meet it (>= {good[(rep_ == 4) & (batch >= 64)].min():.3f})")
    check(all(jpt[(rep_ == 4) & (batch == b)].min() > jpt[(rep_ == 1) & (batch == b)].max()
              for b in (64, 256)),
          "J per output token (facility) higher with 4 replicas than with 1 at the same batch")
    # The same bytes from 2 MPI ranks (service figures sent between ranks) and merged shards.
    mpi = os.path.join(tmp, "serving-mpi")
    r = run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", exe, "sweep",
             sweep, "--out", mpi, "-q"])
    check(r.returncode == 0 and same_tree(ref, mpi),
          f"serving sweep, 2 MPI ranks: identical index and point files ({r.stderr[-200:]})")
    shards = os.path.join(tmp, "serving-shards")
    for i in range(3):
        run([exe, "sweep", sweep, "--out", shards, "--shard", f"{i}/3", "-q"])
    r = run([exe, "sweep", "--merge", shards])
    check(r.returncode == 0 and same_tree(ref, shards),
          "serving sweep, 3 shards merged: identical files (service columns read back)")
    # footprint report --metric: the service columns, as the index holds them.
    r = run([exe, "report", os.path.join(ref, "index.h5"), "--format", "csv",
             "--metric", "goodput[chat]", "--metric", "j_per_output_token_facility[chat]"])
    rows = list(csv.DictReader(r.stdout.splitlines()))
    check(r.returncode == 0 and len(rows) == 18
          and list(rows[0])[-4:] == ["goodput[chat] (1)", "goodput[chat] ci95 (1)",
                                     "j_per_output_token_facility[chat] (J)",
                                     "j_per_output_token_facility[chat] ci95 (J)"]
          and all(float(rw["goodput[chat] (1)"]) == float(good[k]) for k, rw in enumerate(rows)),
          f"report --metric: the two service columns, one row per point ({r.stderr.strip()})")
    r = run([exe, "report", os.path.join(ref, "index.h5"), "--metric", "goodput"])
    check(r.returncode == 2 and "--metric 'goodput'" in r.stderr and "goodput[chat]" in r.stderr,
          "report --metric with an unknown name: exit 2, lists the metrics")
    # plot.py scatter: goodput against J per output token, a marker per point.
    plots = os.path.join(tmp, "serving-plots")
    plot = str(Path(__file__).resolve().parents[2] / "analysis" / "plot.py")
    r = run([sys.executable, plot, "scatter", os.path.join(ref, "index.h5"),
             "--x", "j_per_output_token_facility[chat]", "--y", "goodput[chat]",
             "--group-by", "accelerator", "--style-by", "services[name=chat].replicas",
             "--label", "services[name=chat].max_batch", "--out", plots])
    stem = os.path.join(plots, "goodput_chat_vs_j_per_output_token_facility_chat")
    ok = r.returncode == 0 and os.path.getsize(stem + ".png") > 10000
    if ok:
        with open(stem + ".png", "rb") as f:
            ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
        with open(stem + ".csv", newline="") as f:
            drawn = list(csv.DictReader(f))
        ok = ok and len(drawn) == 18 and all(
            float(d["goodput[chat]"]) == float(good[int(d["point"])])
            and float(d["j_per_output_token_facility[chat]"]) == float(jpt[int(d["point"])])
            for d in drawn)
    check(ok, f"plot.py scatter writes the PNG and a CSV of the 18 points ({r.stderr.strip()})")


def main():
    exe, scenarios, sweeps = sys.argv[1:4]
    table4 = os.path.join(scenarios, "sweeps", "table4-pue-region.yaml")
    tmp = tempfile.mkdtemp(prefix="footprint-sweep-")
    try:
        # Identical results whatever the way of running.
        ref = os.path.join(tmp, "ref")
        r = run([exe, "sweep", table4, "--out", ref, "--threads", "1", "-q"])
        check(r.returncode == 0, f"one process, one thread: exit 0 ({r.stderr.strip()[-300:]})")
        index = footprint_trace.open(os.path.join(ref, "index.h5"), "index")
        pts = index.points()
        check(len(pts) == 24, f"table4 sweep: 24 rows in index ({len(pts)})")
        check(index.attrs["kind"] == "footprint-sweep-index", "index kind attribute")
        with h5py.File(os.path.join(ref, "index.h5"), "r") as f:
            # The external link opens the point file.
            name = h5text(f["links/p000023"].attrs["scenario_name"])
            check(name == "patterson2021", "external link /links/p000023 reaches the point file")
        # Axis values vary first axis slowest: point 23 is the last of each.
        row = pts.iloc[23]
        check(row["datacenters[name=microsoft-gpt3].pue"] == "1.58"
              and row["datacenters[name=microsoft-gpt3].region"] == "taiwan-sep-2019"
              and row["jobs[name=gpt3].accelerator"] == "A100",
              "point 23 has the last value of every axis")
        # The per-site peaks sum to the total peak; the jobs' emissions are at most the site's.
        sites = [c for c in pts.columns if c.startswith("peak_facility_mw[")]
        worst = max(abs(sum(float(pts[c][k]) for c in sites) / float(pts["peak_facility_mw"][k])
                        - 1) for k in range(len(pts)))
        check(len(sites) == 6 and "peak_facility_mw[microsoft-gpt3]" in sites and worst <= 1e-12,
              f"index: 6 per-site peak columns summing to peak_facility_mw (worst {worst:.1e})")
        check(not [c for c in pts.columns if c.startswith(("goodput[", "devices["))],
              "index of a sweep without services: no service column")
        check(all(float(j) <= float(e) * (1 + 1e-12) for j, e in
                  zip(pts["jobs_emissions_location_t"], pts["emissions_location_t"]))
              and "p95_wait_h" in pts.columns,
              "index: jobs_emissions_location_t <= emissions_location_t; p95_wait_h present")
        # A higher PUE on the same grid and chip: more energy, in proportion for GPT-3.
        e0, e1 = pts["energy_mwh"][0], pts["energy_mwh"][6 * 2 + 0]
        check(e1 > e0, f"PUE 1.40 uses more energy than PUE 1.06 ({e1:.1f} > {e0:.1f} MWh)")
        # xarray reads the index as it is: /points has the dimension `point`.
        try:
            with xr.open_dataset(os.path.join(ref, "index.h5"), group="points",
                                 engine="h5netcdf") as ds:
                got = (dict(ds.sizes), list(ds["point"].values), str(ds["file"].values[23]))
        except Exception as e:  # noqa: BLE001 - a format 1 index cannot be read: report why
            got = f"{type(e).__name__}: {e}"
        check(isinstance(got, tuple) and got[0].get("point") == 24
              and got[1] == list(pts["point"]) and got[2] == "points/p000023.h5",
              f"xarray opens /points with a dimension point of 24 ({got})")

        two = os.path.join(tmp, "two-threads")
        r = run([exe, "sweep", table4, "--out", two, "--threads", "2", "-q"])
        check(r.returncode == 0 and same_tree(ref, two), "2 threads: identical files")

        mpi = os.path.join(tmp, "mpi")
        r = run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", exe, "sweep",
                 table4, "--out", mpi, "-q"])
        check(r.returncode == 0, f"2 MPI ranks: exit 0 ({r.stderr.strip()[-300:]})")
        check(same_tree(ref, mpi), "2 MPI ranks: identical index and point files")

        shards = os.path.join(tmp, "shards")
        for i in range(2):
            r = run([exe, "sweep", table4, "--out", shards, "--shard", f"{i}/2", "-q"])
            check(r.returncode == 0 and os.path.exists(
                os.path.join(shards, f"index.shard-{i}-of-2.h5")), f"shard {i}/2 runs")
        env = dict(os.environ, SLURM_ARRAY_TASK_ID="11", SLURM_ARRAY_TASK_MIN="10",
                   SLURM_ARRAY_TASK_COUNT="2")
        slurm = os.path.join(tmp, "slurm")
        r = run([exe, "sweep", table4, "--out", slurm, "-q"], env=env)
        check(r.returncode == 0 and os.path.exists(os.path.join(slurm, "index.shard-1-of-2.h5"))
              and len(os.listdir(os.path.join(slurm, "points"))) == 12,
              "Slurm array task 11 of 10..11 runs shard 1/2 (12 points)")
        r = run([exe, "sweep", "--merge", shards])
        check(r.returncode == 0 and same_tree(ref, shards), "2 shards merged: identical files")
        os.remove(os.path.join(shards, "index.shard-1-of-2.h5"))
        r = run([exe, "sweep", "--merge", shards])
        check(r.returncode == 2 and "index.shard-1-of-2.h5 is missing" in r.stderr,
              "merge with a shard missing: exit 2, names it")

        # Every shipped sweep runs (each is a regression test).
        shipped = sorted(f for f in os.listdir(os.path.join(scenarios, "sweeps"))
                         if f.endswith(".yaml"))
        check(len(shipped) >= 2, f"shipped sweeps: {shipped}")
        for name in shipped:
            out = os.path.join(tmp, "shipped-" + name)
            r = run([exe, "sweep", os.path.join(scenarios, "sweeps", name), "--out", out, "-q"])
            m = re.search(r"(\d+) points, 0 complete already, (\d+) run,", r.stdout)
            check(r.returncode == 0 and m is not None and m.group(1) == m.group(2),
                  f"scenarios/sweeps/{name} runs every point ({r.stdout.splitlines()[:1]})")
        check_serving(exe, scenarios, tmp)
        # GPT-3's design sweep, against arithmetic: at a fixed per-chip throughput the IT
        # energy does not depend on the cluster size or anything else swept; the facility
        # energy is IT x PUE; emissions are energy x intensity (1 g/kWh = 1e-3 t/MWh).
        t = footprint_trace.open(os.path.join(tmp, "shipped-gpt3-design-1000.yaml",
                                              "index.h5"), "index").points()
        check(t.shape[0] == 1000, "gpt3-design-1000: 1000 rows")
        it = t["it_energy_mwh"]
        check(max(it) - min(it) <= 1e-9 * max(it),
              f"IT energy the same at every point ({min(it):.6f} to {max(it):.6f} MWh)")
        pue = [float(v) for v in t["datacenters[name=microsoft-gpt3].pue"]]
        worst = max(abs(e / (i * p) - 1) for e, i, p in zip(t["energy_mwh"], it, pue))
        check(worst <= 1e-12, f"energy = IT energy x PUE at every point (worst {worst:.1e})")
        g = [float(v.split()[0]) for v in t["regions[name=us-average-2020].intensity"]]
        worst = max(abs(em / (e * gi * 1e-3) - 1)
                    for em, e, gi in zip(t["emissions_location_t"], t["energy_mwh"], g))
        check(worst <= 1e-12, f"emissions = energy x intensity at every point (worst {worst:.1e})")
        days = {int(v): d for v, d in zip(t["jobs[name=gpt3].devices"], t["days"])}
        check(abs(days[1000] / days[10000] - 10) <= 1e-6,
              f"1,000 V100s take 10x as long as 10,000 ({days[1000]:.2f} d, {days[10000]:.2f} d)")

        # Killed in the middle, then resumed.
        slow = os.path.join(sweeps, "slow.yaml")
        clean = os.path.join(tmp, "slow-clean")
        r = run([exe, "sweep", slow, "--out", clean, "--threads", "1", "-q"])
        check(r.returncode == 0, "slow sweep runs")
        killed = os.path.join(tmp, "slow-killed")
        p = subprocess.Popen([exe, "sweep", slow, "--out", killed, "--threads", "1", "-q"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        points_dir = os.path.join(killed, "points")
        deadline = time.time() + 120
        done = []
        while time.time() < deadline and p.poll() is None:
            if os.path.isdir(points_dir):
                done = [n for n in os.listdir(points_dir) if n.endswith(".h5")
                        and not n.startswith(".")]
                if len(done) >= 4:
                    break
            time.sleep(0.01)
        p.send_signal(signal.SIGKILL)
        p.wait()
        before = {}
        for n in os.listdir(points_dir):
            if n.endswith(".h5") and not n.startswith("."):
                st = os.stat(os.path.join(points_dir, n))
                before[n] = (st.st_ino, st.st_mtime_ns)
        check(4 <= len(before) < 20, f"killed with {len(before)} of 20 points complete")
        check(not os.path.exists(os.path.join(killed, "index.h5")), "killed: no index yet")
        r = run([exe, "sweep", slow, "--out", killed, "--threads", "1", "-q"])
        m = re.search(r"(\d+) complete already, (\d+) run", r.stdout)
        check(r.returncode == 0 and m is not None and int(m.group(1)) == len(before)
              and int(m.group(2)) == 20 - len(before),
              f"rerun skips the {len(before)} complete points ({r.stdout.strip()})")
        unchanged = all((os.stat(os.path.join(points_dir, n)).st_ino,
                         os.stat(os.path.join(points_dir, n)).st_mtime_ns) == v
                        for n, v in before.items())
        check(unchanged, "rerun leaves the complete points' files untouched")
        check(not [n for n in os.listdir(points_dir) if ".tmp-" in n],
              "no temporary file of the killed run is left")
        check(same_tree(clean, killed), "killed and resumed: identical to an uninterrupted run")
        # A changed scenario is not complete any more.
        r = run([exe, "sweep", slow, "--out", killed, "--threads", "1", "-q"])
        check("20 complete already, 0 run" in r.stdout, "second rerun runs nothing")

        # Uneven costs over two ranks.
        uneven = os.path.join(tmp, "uneven")
        r = run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", exe, "sweep",
                 os.path.join(sweeps, "uneven.yaml"), "--out", uneven, "-q"])
        ranks = [(int(a), float(b)) for a, b in
                 re.findall(r"rank \d+: (\d+) points, busy ([0-9.]+) s", r.stdout)]
        check(r.returncode == 0 and len(ranks) == 2, f"uneven sweep on 2 ranks ({r.stdout})")
        if len(ranks) == 2:
            (n0, b0), (n1, b1) = ranks
            check(n0 >= 1 and n1 >= 1 and n0 + n1 == 16, f"both ranks ran points ({n0}, {n1})")
            # Round robin would give one rank all four costly points: about 50x the busy
            # time of the other (a 30 s point costs about 100 one-hour points). Dynamic
            # balancing evens them out to within one costly point (about 1.5x here); the
            # bound leaves room for a noisy machine.
            check(max(b0, b1) <= 2.5 * min(b0, b1),
                  f"busy times within a factor 2.5 ({b0:.2f} s, {b1:.2f} s)")

        # Replicas.
        rep = os.path.join(tmp, "replicas")
        r = run([exe, "sweep", os.path.join(sweeps, "replicas.yaml"), "--out", rep, "-q"])
        check(r.returncode == 0, f"replicas sweep runs ({r.stderr.strip()[-300:]})")
        t = footprint_trace.open(os.path.join(rep, "index.h5"), "index").points()
        seeds = [int(s) for s in t["seed"]]
        check(list(t["replica"]) == [0, 1, 2, 0, 1, 2], "replica varies fastest")
        check(len(set(seeds[:3])) == 3 and seeds[:3] == seeds[3:],
              f"3 distinct replica seeds, the same for each axis value ({seeds})")
        e = list(t["energy_mwh"])
        check(len(set(e[:3])) == 3, "replicas differ (failures are random)")
        check(min(e[:3]) > max(e[3:]),
              "MTBF 20000 h costs more energy than 50000 h in every replica")
        check_paired_and_where(exe, os.path.join(rep, "index.h5"), t)
        check_compare(exe, rep, t)

        # A point's scenario is complete on its own.
        point = os.path.join(ref, "points", "p000013.h5")
        with h5py.File(point, "r") as f:
            text = h5text(f.attrs["scenario"])
        own = os.path.join(tmp, "own")
        os.makedirs(own)
        path = os.path.join(own, "patterson2021.yaml")  # the name the point file records
        with open(path, "w") as fh:
            fh.write(text)
        r = run([exe, "check", path])
        check(r.returncode == 0, f"footprint check accepts point 13's scenario ({r.stderr})")
        out = os.path.join(own, "p13.h5")
        r = run([exe, "run", path, "-o", out, "-q"])
        check(r.returncode == 0 and filecmp.cmp(out, point, shallow=False),
              "footprint run of point 13's scenario writes the point's file byte for byte")

        # Bad sweep files: every problem, located; nothing run.
        bad_cases = [
            ("unknown path", "axes:\n  datacenters[name=microsoft-gpt3].peu: [1.1]\n",
             None, ["sweep.yaml:5:", "peu"]),
            ("no such item", "axes:\n  datacenters[name=nowhere].pue: [1.1]\n",
             None, ["sweep.yaml:5:3", "no item of datacenters has name \"nowhere\""]),
            ("missing parent", "axes:\n  schedular.policy: [fifo]\n",
             None, ["sweep.yaml:5:3", "has no key \"schedular\""]),
            ("wrong unit", "axes:\n  jobs[name=gpt3].power: [\"330 W\", \"3 kg\"]\n",
             None, ["sweep.yaml:5:36", "jobs[5].power: expected a power", "in point 1"]),
            ("zip lengths", "axes:\n  chip:\n    zip:\n      jobs[name=gpt3].accelerator: [V100, A100]\n"
             "      jobs[name=gpt3].power: [330 W]\n",
             None, ["sweep.yaml:8:30", "must have the same length"]),
            ("not a list", "axes:\n  datacenters[name=microsoft-gpt3].pue: 1.1\n",
             None, ["sweep.yaml:5:41", "non-empty list"]),
            ("bad path syntax", "axes:\n  datacenters[name=microsoft-gpt3.pue: [1.1]\n",
             None, ["sweep.yaml:5:3", "is not closed"]),
            ("overlap", "axes:\n  regions[name=us-average-2020]: [{ name: us, intensity: 1 g/kWh }]\n"
             "  regions[5].intensity: [\"1 g/kWh\"]\n",
             None, ["lies inside"]),
            ("unknown key", "axis:\n  seed: [1]\n", None, ["sweep.yaml:4:1", "did you mean \"axes\""]),
            ("missing base", None, "base: nowhere.yaml\n", ["no scenario file"]),
        ]
        bad_dir = os.path.join(tmp, "bad")
        os.makedirs(bad_dir)
        base = os.path.relpath(os.path.join(scenarios, "patterson2021.yaml"), bad_dir)
        for what, body, header, expected in bad_cases:
            sweep = os.path.join(bad_dir, "sweep.yaml")
            with open(sweep, "w") as fh:
                fh.write("sweep: bad\n")
                fh.write(header if header else f"base: {base}\n")
                fh.write("replicas: 1\n" if header is None else "axes:\n  seed: [1]\n")
                if body:
                    fh.write(body)
            out = os.path.join(bad_dir, "out")
            r = run([exe, "sweep", sweep, "--out", out])
            ok = r.returncode == 2 and all(e in r.stderr for e in expected) \
                and not os.path.exists(out) and "Traceback" not in r.stderr
            check(ok, f"bad sweep file ({what}): exit 2, {expected}, nothing run"
                  + ("" if ok else f"\n     got {r.returncode}: {r.stderr.strip()}"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all sweep checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
