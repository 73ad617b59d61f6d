#!/usr/bin/python3
"""analysis/plot.py against a real run trace and a hand-built sweep index.

Usage: plot_test.py FOOTPRINT_BINARY SCENARIOS_DIR ANALYSIS_DIR

In a fresh temporary folder:

1. `footprint run SCENARIOS_DIR/patterson2021.yaml -o TMP/t.h5 -q`, then
   `plot.py run TMP/t.h5 --out TMP/run`: every PNG is a PNG, and every CSV column equals
   the trace's datasets converted here independently with h5py/numpy (time_s / 86400,
   the UTC date epoch + time_s, W / 1e6, g / 1e6 / (interval / 3600 s)), one row per
   interval, datacenters in scenario order. `--datacenter` keeps only the one named. A
   copy of the trace with `trace_interval_s` edited to 1800 s checks the t/h conversion
   is not a division by 1. A copy with a `power_cap_w` set on one datacenter has its cap
   column in power.csv. `--overlay` of a copy whose epoch is a day later: the columns of
   both runs (`A:`, `B:`) over the union of their interval dates, NaN where a run has none.
2. A small sweep index written here with h5py as docs/sweeps.md lays it out (2 axes,
   2 replicas, one point missing), in index format 1 (a compound /points table) and in
   format 2 (a group of columns along the dimension `point`), then `plot.py sweep` with
   and without `--group-by`: the CSV rows (order, means, 95 % Student-t intervals, n)
   equal numbers worked out by hand below, for both formats; the axes each value pools
   are said (printed as they are put in the title).
3. User errors (missing file, not a trace, wrong kind of file, unknown metric, unknown
   axis) exit with code 2, name the file on stderr and print no traceback.

Prints each check; exits 1 on any failure. Needs Debian's python3-h5py and numpy.
"""

import csv
import datetime
import math
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

import h5py
import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TOL = 1e-9           # sweep statistics against the hand-worked numbers
REL_TOL = 1e-12      # run CSV against the trace (the conversions are exact in practice)


class Failure(Exception):
    pass


def expect(cond, reason):
    if not cond:
        raise Failure(reason)


def run(cmd, **kw):
    """Run a command, capturing text output."""
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def check_png(path):
    expect(os.path.isfile(path), "{} was not written".format(path))
    with open(path, "rb") as f:
        head = f.read(24)
    expect(head[:8] == PNG_SIGNATURE, "{} does not start with the PNG signature".format(path))
    expect(head[12:16] == b"IHDR", "{} has no IHDR chunk first".format(path))
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    expect(width > 0 and height > 0, "{} is {}x{}".format(path, width, height))


def read_csv(path):
    expect(os.path.isfile(path), "{} was not written".format(path))
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    expect(rows, "{} is empty".format(path))
    return rows[0], rows[1:]


def same(a, b, rel_tol):
    """Equal floats (NaN equals NaN), within rel_tol."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0)


# ------------------------------------------------------------------------ run mode

# CSV stem -> [(column suffix, dataset)], in the order the CSV holds them.
RUN_CSVS = {
    "power": [("facility_power_mw", "facility_power_w"), ("it_power_mw", "it_power_w")],
    "pue": [("pue", "pue")],
    "intensity": [("intensity_location_g_per_kwh", "intensity_location_g_per_kwh"),
                  ("intensity_market_g_per_kwh", "intensity_market_g_per_kwh")],
    "emissions_rate": [("emissions_location_t_per_h", "emissions_location_g")],
}


def utc(seconds):
    """Seconds since 1970 as the CSV's ISO 8601 UTC text."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def read_run(trace, only=None):
    """(interval_s, epoch_s, datacenter order, {dc: {dataset: array}}, {dc: cap W or NaN})."""
    with h5py.File(trace, "r") as f:
        interval_s = float(f.attrs["trace_interval_s"])
        epoch_s = int(f.attrs["epoch_unix_s"])
        dcs = f["datacenters"]
        order = sorted(dcs, key=lambda n: int(dcs[n].attrs["index"]))
        if only:
            order = [n for n in order if n in only]
        series = {n: {k: dcs[n][k][:] for k in dcs[n]} for n in order}
        caps = {n: float(dcs[n].attrs["power_cap_w"]) for n in order}
    return interval_s, epoch_s, order, series, caps


def expected_run_columns(trace, only=None):
    """Header and columns each run CSV should hold, computed from the trace here; the
    second column (time_utc) is text."""
    interval_s, epoch_s, order, series, caps = read_run(trace, only)
    convert = {
        "facility_power_mw": lambda d: d["facility_power_w"] / 1e6,
        "it_power_mw": lambda d: d["it_power_w"] / 1e6,
        "pue": lambda d: d["pue"],
        "intensity_location_g_per_kwh": lambda d: d["intensity_location_g_per_kwh"],
        "intensity_market_g_per_kwh": lambda d: d["intensity_market_g_per_kwh"],
        "emissions_location_t_per_h":
            lambda d: d["emissions_location_g"] / 1e6 / (interval_s / 3600.0),
    }
    time_s = series[order[0]]["time_s"]
    time_d = time_s / 86400.0
    out = {}
    for stem, cols in RUN_CSVS.items():
        header, data = ["time_d", "time_utc"], [time_d, [utc(epoch_s + t) for t in time_s]]
        for suffix, _dataset in cols:
            for n in order:
                header.append("{}:{}".format(n, suffix))
                data.append(np.asarray(convert[suffix](series[n]), dtype=np.float64))
            if suffix == "facility_power_mw":
                for n in order:
                    if math.isfinite(caps[n]):
                        header.append("{}:power_cap_mw".format(n))
                        data.append(np.full(len(time_s), caps[n] / 1e6))
        out[stem] = (header, data)
    return out, len(time_d), order


def expected_overlay_columns(trace_a, trace_b):
    """Header and columns of each CSV of `plot.py run A --overlay B`: the union of both
    runs' interval dates, A's columns then B's (prefixed A: and B:), NaN where a run has no
    interval at that date."""
    runs = []
    for tag, trace in (("A", trace_a), ("B", trace_b)):
        expected, _n, order = expected_run_columns(trace)
        _interval, epoch_s, _order, series, _caps = read_run(trace)
        runs.append((tag, expected, epoch_s + series[order[0]]["time_s"], epoch_s))
    dates = sorted(set(runs[0][2].tolist()) | set(runs[1][2].tolist()))
    out = {}
    for stem in RUN_CSVS:
        header = ["time_d", "time_utc"]
        data = [[(d - runs[0][3]) / 86400.0 for d in dates], [utc(d) for d in dates]]
        # In the plotted order: per series, A's datacenters then B's, and after the
        # facility power, A's caps then B's.
        suffixes = []
        for suffix, _dataset in RUN_CSVS[stem]:
            suffixes.append(suffix)
            if suffix == "facility_power_mw":
                suffixes.append("power_cap_mw")
        for suffix in suffixes:
            for tag, expected, times, _epoch in runs:
                at = {float(t): k for k, t in enumerate(times)}
                for name, values in zip(expected[stem][0][2:], expected[stem][1][2:]):
                    if name.endswith(":" + suffix):
                        header.append("{}:{}".format(tag, name))
                        data.append([float(values[at[d]]) if d in at else math.nan
                                     for d in dates])
        out[stem] = (header, data)
    return out, len(dates)


def check_run_outputs(out_dir, trace, only=None, overlay=None):
    if overlay:
        expected, intervals = expected_overlay_columns(trace, overlay)
        order = None
    else:
        expected, intervals, order = expected_run_columns(trace, only)
    for stem, (header, data) in expected.items():
        check_png(os.path.join(out_dir, stem + ".png"))
        got_header, rows = read_csv(os.path.join(out_dir, stem + ".csv"))
        expect(got_header == header, "{}.csv header {} != expected {}".format(
            stem, got_header, header))
        expect(len(rows) == intervals, "{}.csv has {} rows, the trace {} intervals".format(
            stem, len(rows), intervals))
        for k in range(intervals):
            expect(rows[k][1] == data[1][k], "{}.csv row {} time_utc {!r} != {!r}".format(
                stem, k + 1, rows[k][1], data[1][k]))
        exact = 0
        for j, column in enumerate(data):
            if j == 1:
                continue  # time_utc, text
            for k in range(intervals):
                got = float(rows[k][j])
                want = float(column[k])
                expect(same(got, want, REL_TOL), "{}.csv row {} column {}: {!r} != {!r}".format(
                    stem, k + 1, header[j], got, want))
                exact += got == want or (math.isnan(got) and math.isnan(want))
        cells = intervals * (len(data) - 1)
        print("ok   {}.png is a PNG; {}.csv: {} columns x {} rows match the trace "
              "({} of {} numbers bit-exact)".format(stem, stem, len(data), intervals, exact,
                                                    cells))
    return order


# ---------------------------------------------------------------------- sweep mode

AXIS_GRID = "regions[name=us-central].intensity"
AXIS_POLICY = "scheduler.policy"
GRID_VALUES = ["394 g/kWh", "80 g/kWh"]          # numeric axis: plotted at 80, then 394
POLICY_VALUES = ["fifo", "carbon-aware"]         # categorical: first-appearance order
# energy_mwh by (grid, policy, replica); point 7 (80 g/kWh, carbon-aware, replica 1) is
# missing, as in a partial index.
ENERGY = {
    ("394 g/kWh", "fifo", 0): 10.0, ("394 g/kWh", "fifo", 1): 12.0,
    ("394 g/kWh", "carbon-aware", 0): 9.0, ("394 g/kWh", "carbon-aware", 1): 11.5,
    ("80 g/kWh", "fifo", 0): 14.0, ("80 g/kWh", "fifo", 1): 16.5,
    ("80 g/kWh", "carbon-aware", 0): 13.0,
}
METRICS = [  # (column, unit), docs/sweeps.md order after the axes
    ("energy_mwh", "MWh"), ("it_energy_mwh", "MWh"), ("pue", "1"),
    ("emissions_location_t", "t"), ("emissions_market_t", "t"), ("embodied_t", "t"),
    ("device_hours", "h"), ("days", "d"), ("jobs_finished", ""), ("mean_wait_h", "h"),
    ("peak_facility_mw", "MW"), ("p99_facility_mw", "MW"),
]
SWEEP_TEXT = """\
sweep: plot-test
base: ../patterson2021.yaml
replicas: 2
axes:
  regions[name=us-central].intensity: ["394 g/kWh", "80 g/kWh"]
  scheduler.policy: [fifo, carbon-aware]
"""

# Student t 0.975 quantiles: df=1 12.706204736174705, df=2 4.302652729749464,
# df=3 3.182446305284263. half = t * s / sqrt(n), s the sample standard deviation.
#
# plot.py sweep --metric energy_mwh --axis regions[name=us-central].intensity
#   x=80:  14, 16.5, 13        n=3 mean 14.5   s=1.8027756377319946 half 4.478342947514801
#   x=394: 10, 12, 9, 11.5     n=4 mean 10.625 s=1.3768926368215255 half 2.190943442412504
EXPECTED_BY_GRID = [
    # group, x, mean, ci95_low, ci95_high, n
    ("", 80.0, 14.5, 10.021657052485199, 18.978342947514801, 3),
    ("", 394.0, 10.625, 8.434056557587496, 12.815943442412504, 4),
]
# ... --axis scheduler.policy --group-by regions[name=us-central].intensity
#   80/fifo: 14, 16.5          n=2 mean 15.25  s=1.7677669529663688 half 15.882755920218381
#   80/carbon-aware: 13        n=1: no interval (nan)
#   394/fifo: 10, 12           n=2 mean 11     s=1.4142135623730951 half 12.706204736174705
#   394/carbon-aware: 9, 11.5  n=2 mean 10.25  s=1.7677669529663688 half 15.882755920218381
EXPECTED_BY_POLICY = [
    ("80 g/kWh", "fifo", 15.25, -0.632755920218381, 31.132755920218381, 2),
    ("80 g/kWh", "carbon-aware", 13.0, math.nan, math.nan, 1),
    ("394 g/kWh", "fifo", 11.0, -1.706204736174705, 23.706204736174705, 2),
    ("394 g/kWh", "carbon-aware", 10.25, -5.632755920218381, 26.132755920218381, 2),
]


def fixed(strings):
    """A fixed-length byte-string array (docs: fixed-length, null-padded UTF-8)."""
    data = [s.encode("utf-8") for s in strings]
    return np.array(data, dtype="S{}".format(max(1, max(len(d) for d in data))))


def write_index(path, version="1"):
    """A sweep index laid out as docs/sweeps.md, "index.h5", with ENERGY as energy_mwh.

    Format "1": fixed-length strings and a compound /points table with a `units` array;
    format "2": variable-length strings and /points a group of columns (each with its
    `units`), the column `point` the dimension scale the others are attached to.
    """
    if version == "2":
        return write_index_v2(path)
    axes = [AXIS_GRID, AXIS_POLICY]
    rows = []
    point = 0
    for grid in GRID_VALUES:                       # first axis varies slowest
        for policy in POLICY_VALUES:
            for replica in range(2):               # replica fastest
                if (grid, policy, replica) in ENERGY:
                    rows.append((point, replica, grid, policy, ENERGY[(grid, policy, replica)]))
                point += 1
    points_total = point
    files = ["points/p{:06d}.h5".format(r[0]) for r in rows]
    shas = ["{:064x}".format(r[0] + 1) for r in rows]
    grid_col, policy_col = fixed([r[2] for r in rows]), fixed([r[3] for r in rows])
    file_col, sha_col = fixed(files), fixed(shas)
    fields = [("point", "<i8"), ("replica", "<i8"), ("seed", "<u8"),
              ("file", file_col.dtype), ("scenario_sha256", sha_col.dtype),
              (AXIS_GRID, grid_col.dtype), (AXIS_POLICY, policy_col.dtype)]
    fields += [(name, "<i8" if name == "jobs_finished" else "<f8") for name, _u in METRICS]
    table = np.zeros(len(rows), dtype=np.dtype(fields))
    table["point"] = [r[0] for r in rows]
    table["replica"] = [r[1] for r in rows]
    table["seed"] = [1000 + r[0] for r in rows]
    table["file"], table["scenario_sha256"] = file_col, sha_col
    table[AXIS_GRID], table[AXIS_POLICY] = grid_col, policy_col
    for name, _unit in METRICS:
        table[name] = [r[4] * (k + 1) for k, r in enumerate(rows)]  # filler
    table["energy_mwh"] = [r[4] for r in rows]
    units = [""] * 7 + [u for _n, u in METRICS]
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = np.bytes_(b"footprint-sweep-index")
        f.attrs["format_version"] = np.bytes_(b"1")
        f.attrs["sweep"] = np.bytes_(SWEEP_TEXT.encode())
        f.attrs["sweep_name"] = np.bytes_(b"plot-test")
        f.attrs["sweep_sha256"] = np.bytes_(b"0" * 64)
        f.attrs["base_scenario"] = np.bytes_(b"../patterson2021.yaml")
        f.attrs["points_total"] = np.int64(points_total)
        f.attrs["replicas"] = np.int64(2)
        f.attrs["axes"] = fixed(axes)
        f.attrs["axis_groups"] = fixed(axes)
        ds = f.create_dataset("points", data=table)
        ds.attrs["units"] = fixed(units)
        links = f.create_group("links")
        for r, name in zip(rows, files):
            links["p{:06d}".format(r[0])] = h5py.ExternalLink(name, "/")


def write_index_v2(path):
    """write_index's index in format 2: the same rows, columns and units."""
    v1 = path + ".v1.h5"
    write_index(v1)
    strings = h5py.string_dtype("utf-8")
    with h5py.File(v1, "r") as src, h5py.File(path, "w", track_order=True) as f:
        for name, value in src.attrs.items():
            if isinstance(value, np.ndarray):
                f.attrs.create(name, [v.decode() for v in value], dtype=strings)
            elif isinstance(value, bytes):
                f.attrs[name] = value.decode()
            else:
                f.attrs[name] = value
        f.attrs["format_version"] = "2"
        table = src["points"][:]
        units = [u.decode() for u in src["points"].attrs["units"]]
        points = f.create_group("points", track_order=True)
        for name, unit in zip(table.dtype.names, units):
            column = table[name]
            if column.dtype.kind == "S":
                ds = points.create_dataset(name, data=[v.decode() for v in column], dtype=strings)
            else:
                ds = points.create_dataset(name, data=column)
                ds.attrs["units"] = unit
        points["point"].make_scale("point")
        for name in table.dtype.names[1:]:
            points[name].dims[0].attach_scale(points["point"])
        links = f.create_group("links", track_order=True)
        for name in src["links"]:
            link = src["links"].get(name, getlink=True)
            links[name] = h5py.ExternalLink(link.filename, link.path)
    os.remove(v1)


def check_sweep_csv(path, expected, numeric_x):
    header, rows = read_csv(path)
    expect(header == ["group", "x", "mean", "ci95_low", "ci95_high", "n"],
           "{}: header {}".format(path, header))
    expect(len(rows) == len(expected), "{}: {} rows, expected {}".format(
        path, len(rows), len(expected)))
    for k, (row, want) in enumerate(zip(rows, expected)):
        expect(row[0] == want[0], "{} row {}: group {!r} != {!r}".format(
            path, k + 1, row[0], want[0]))
        if numeric_x:
            expect(float(row[1]) == want[1], "{} row {}: x {!r} != {!r}".format(
                path, k + 1, row[1], want[1]))
        else:
            expect(row[1] == want[1], "{} row {}: x {!r} != {!r}".format(
                path, k + 1, row[1], want[1]))
        for j, name in ((2, "mean"), (3, "ci95_low"), (4, "ci95_high")):
            got = float(row[j])
            ok = (math.isnan(got) and math.isnan(want[j])) if math.isnan(want[j]) \
                else abs(got - want[j]) <= TOL
            expect(ok, "{} row {}: {} {!r} != {!r} (tol {})".format(
                path, k + 1, name, got, want[j], TOL))
        expect(int(row[5]) == want[5], "{} row {}: n {} != {}".format(
            path, k + 1, row[5], want[5]))
    print("ok   {}: {} rows (group, x, mean, 95 % CI, n) match the hand-worked values".format(
        os.path.basename(path), len(rows)))


# --------------------------------------------------------------------------- main


def check_error(plot, args, path, what, extra=None):
    r = run([sys.executable, plot] + args)
    expect(r.returncode == 2, "{}: exit code {}, expected 2 (stderr: {})".format(
        what, r.returncode, r.stderr.strip()))
    expect(path in r.stderr, "{}: stderr does not name {}: {}".format(what, path, r.stderr))
    expect("Traceback" not in r.stderr, "{}: traceback on stderr: {}".format(what, r.stderr))
    if extra:
        expect(extra in r.stderr, "{}: stderr lacks {!r}: {}".format(what, extra, r.stderr))
    print("ok   {}: exit 2, {}".format(what, r.stderr.strip().splitlines()[-1]))


def main():
    if len(sys.argv) != 4:
        print("usage: plot_test.py FOOTPRINT_BINARY SCENARIOS_DIR ANALYSIS_DIR", file=sys.stderr)
        return 2
    binary, scenarios, analysis = (os.path.abspath(a) for a in sys.argv[1:])
    plot = os.path.join(analysis, "plot.py")
    tmp = tempfile.mkdtemp(prefix="footprint-plot-test-")
    failures = 0
    try:
        trace = os.path.join(tmp, "t.h5")

        def run_mode():
            r = run([binary, "run", os.path.join(scenarios, "patterson2021.yaml"),
                     "-o", trace, "-q"], cwd=tmp)
            expect(r.returncode == 0, "footprint run failed ({}): {}".format(
                r.returncode, r.stderr))
            print("ok   footprint run patterson2021.yaml -> t.h5")
            out = os.path.join(tmp, "run")
            r = run([sys.executable, plot, "run", trace, "--out", out])
            expect(r.returncode == 0, "plot.py run failed ({}): {}".format(
                r.returncode, r.stderr))
            order = check_run_outputs(out, trace)
            print("ok   datacenters in scenario order: {}".format(", ".join(order)))
            only = order[-1]
            out1 = os.path.join(tmp, "run-one")
            r = run([sys.executable, plot, "run", trace, "--out", out1, "--datacenter", only])
            expect(r.returncode == 0, "plot.py run --datacenter failed: " + r.stderr)
            check_run_outputs(out1, trace, only=[only])
            print("ok   --datacenter {} keeps only that datacenter".format(only))
            # With 1 h intervals the t/h conversion divides by 1: edit a copy's interval
            # attribute to 1800 s so that a missing division would show.
            half = os.path.join(tmp, "t-1800s.h5")
            shutil.copyfile(trace, half)
            with h5py.File(half, "r+") as f:
                f.attrs["trace_interval_s"] = np.float64(1800.0)
            out2 = os.path.join(tmp, "run-1800s")
            r = run([sys.executable, plot, "run", half, "--out", out2])
            expect(r.returncode == 0, "plot.py run (1800 s copy) failed: " + r.stderr)
            check_run_outputs(out2, half)
            print("ok   emissions rate follows trace_interval_s (copy edited to 1800 s)")
            # A power cap on the last datacenter: its cap column, after the facility power.
            capped = os.path.join(tmp, "t-cap.h5")
            shutil.copyfile(trace, capped)
            with h5py.File(capped, "r+") as f:
                f["datacenters"][only].attrs["power_cap_w"] = np.float64(2.5e6)
            out3 = os.path.join(tmp, "run-cap")
            r = run([sys.executable, plot, "run", capped, "--out", out3])
            expect(r.returncode == 0, "plot.py run (capped copy) failed: " + r.stderr)
            check_run_outputs(out3, capped)
            header, rows = read_csv(os.path.join(out3, "power.csv"))
            cap_column = header.index("{}:power_cap_mw".format(only))
            expect(float(rows[0][cap_column]) == 2.5, "the cap column holds 2.5 MW")
            print("ok   a datacenter's power_cap_w (2.5 MW) is drawn and written as {}"
                  .format(header[cap_column]))
            # Overlaid: the capped copy with its epoch a day later, over the trace.
            later = os.path.join(tmp, "t-later.h5")
            shutil.copyfile(capped, later)
            with h5py.File(later, "r+") as f:
                f.attrs["epoch_unix_s"] = np.int64(int(f.attrs["epoch_unix_s"]) + 86400)
            out4 = os.path.join(tmp, "run-overlay")
            r = run([sys.executable, plot, "run", trace, "--overlay", later, "--out", out4])
            expect(r.returncode == 0, "plot.py run --overlay failed: " + r.stderr)
            check_run_outputs(out4, trace, overlay=later)
            header, rows = read_csv(os.path.join(out4, "power.csv"))
            expect(rows[0][header.index("B:{}:facility_power_mw".format(only))] == "nan",
                   "overlay: B has no interval on the first day")
            expect(rows[-1][header.index("A:{}:facility_power_mw".format(only))] == "nan",
                   "overlay: A has no interval on the last day")
            print("ok   --overlay: both runs' columns over the union of their dates "
                  "({} rows, NaN where a run has none)".format(len(rows)))
            check_error(plot, ["run", trace, "--overlay", os.path.join(tmp, "none.h5"), "--out",
                               os.path.join(tmp, "e8")], os.path.join(tmp, "none.h5"),
                        "missing overlay trace")

        def sweep_mode():
            for version in ("1", "2"):
                index = os.path.join(tmp, "sweep-v" + version, "index.h5")
                os.makedirs(os.path.dirname(index))
                write_index(index, version)
                print("ok   wrote a sweep index (format {}): 2 axes x 2 replicas, 7 of 8 points"
                      .format(version))
                out = os.path.join(tmp, "sweep-plots-v" + version)
                r = run([sys.executable, plot, "sweep", index, "--metric", "energy_mwh",
                         "--axis", AXIS_GRID, "--out", out])
                expect(r.returncode == 0, "plot.py sweep failed ({}): {}".format(
                    r.returncode, r.stderr))
                stem = os.path.join(out, "energy_mwh_vs_regions_name_us-central_.intensity")
                check_png(stem + ".png")
                check_sweep_csv(stem + ".csv", EXPECTED_BY_GRID, numeric_x=True)
                expect(r.stdout.strip().endswith("pooled: scheduler.policy, replicas"),
                       "plot.py sweep says what it pools: " + r.stdout)
                r = run([sys.executable, plot, "sweep", index, "--metric", "energy_mwh",
                         "--axis", AXIS_POLICY, "--group-by", AXIS_GRID, "--out", out])
                expect(r.returncode == 0, "plot.py sweep --group-by failed ({}): {}".format(
                    r.returncode, r.stderr))
                stem = os.path.join(out, "energy_mwh_vs_scheduler.policy")
                check_png(stem + ".png")
                check_sweep_csv(stem + ".csv", EXPECTED_BY_POLICY, numeric_x=False)
                expect(r.stdout.strip().endswith("pooled: replicas"),
                       "plot.py sweep --group-by pools the replicas only: " + r.stdout)
                print("ok   the pooled axes are said (scheduler.policy and replicas; with "
                      "--group-by, replicas)")
            return index

        def errors(index):
            missing = os.path.join(tmp, "missing.h5")
            check_error(plot, ["run", missing, "--out", os.path.join(tmp, "e1")], missing,
                        "missing file")
            not_h5 = os.path.join(tmp, "notes.txt")
            with open(not_h5, "w") as f:
                f.write("not a trace\n")
            check_error(plot, ["run", not_h5, "--out", os.path.join(tmp, "e2")], not_h5,
                        "text file as a trace")
            if index:
                check_error(plot, ["run", index, "--out", os.path.join(tmp, "e3")], index,
                            "sweep index as a run trace")
                check_error(plot, ["sweep", index, "--metric", "watts", "--axis", AXIS_GRID,
                                   "--out", os.path.join(tmp, "e4")], index,
                            "unknown metric", extra="energy_mwh")
                check_error(plot, ["sweep", index, "--metric", "energy_mwh", "--axis",
                                   "scheduler.polcy", "--out", os.path.join(tmp, "e5")],
                            index, "unknown axis", extra=AXIS_POLICY)
            if os.path.exists(trace):
                future = os.path.join(tmp, "t-v3.h5")
                shutil.copyfile(trace, future)
                with h5py.File(future, "r+") as f:
                    f.attrs["format_version"] = "3"
                check_error(plot, ["run", future, "--out", os.path.join(tmp, "e7")], future,
                            "unknown trace format version", extra="version '3'")
                check_error(plot, ["sweep", trace, "--metric", "energy_mwh", "--axis",
                                   AXIS_GRID, "--out", os.path.join(tmp, "e6")], trace,
                            "run trace as a sweep index")

        results = {}
        for name, step in (("run mode", run_mode), ("sweep mode", sweep_mode),
                           ("errors", lambda: errors(results.get("sweep mode")))):
            try:
                results[name] = step()
            except Failure as e:
                failures += 1
                print("FAIL {}: {}".format(name, e))
            except Exception:
                failures += 1
                print("FAIL {}: unexpected exception".format(name))
                traceback.print_exc(file=sys.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("{} check group(s) failed".format(failures))
        return 1
    print("all plot checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
