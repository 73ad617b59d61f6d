#!/usr/bin/python3
"""Footprint traces (format 2) read as they are by xarray, h5netcdf, pandas and ncdump.

usage: trace_readers.py FOOTPRINT TRACE_DIR [--sweep SWEEP.yaml] [--index INDEX.h5]...

For every TRACE_DIR/*.h5 (ctest: the 1-thread traces scenarios_deterministic.sh keeps):

  * every group of the file opens with xarray.open_dataset(path, group=..., engine=
    "h5netcdf"): the root, each /datacenters/<dc>, /jobs, each /predicted/<job> and its
    tables, each /regions/<region>, /summary and its /summary/comparison and /summary/fifo
    (and their parents);
  * every numeric data variable has a `units` attribute (text variables are exempt: a
    name has no unit; decoded times carry theirs in .encoding) and every data variable a
    `long_name` (`time_bounds` is exempt: CF bounds take the attributes of their
    coordinate); coordinates (`time`, the row numbers `job` and `point`, `phase`) are
    not data variables, but a decoded time coordinate must have had units;
  * each datacenter has the dimension `time` with an index of dtype datetime64[ns] equal
    to epoch + time_s, and `time_bounds` decoded to datetime64 holding [time, time +
    trace_interval_s]; times agree within 1 us, as xarray's decoding truncates
    seconds x 1e9 to whole nanoseconds, where an exactly representable time can come out
    1 ns low;
  * the facility energy summed with xarray over every datacenter's `facility_energy_j`
    equals `footprint report TRACE --format json`'s `totals.energy_mwh` (x 3.6e9 J/MWh) and
    /summary `energy_j` within a relative 1e-9: the same doubles, but summed in another
    order (numpy's pairwise sum against the writer's running total), which moves the last
    bits by about (intervals x datacenters) x 1e-16 at worst;
  * with a comparison (`scheduler.compare`), `footprint report --format json`'s
    `comparison` holds /summary/comparison's figures in the units its names give (t, h,
    MWh) within a relative 1e-12, and the same baseline policy;
  * `ncdump -h` exits 0 and shows the `time = ` dimension and
    `:units = "seconds since ...` attribute;
  * the jobs table, read with footprint_trace.jobs() and with xarray.open_dataset(...,
    group="jobs").to_dataframe(), has as many rows as /summary `jobs` says, names as str,
    and the same columns and values both ways;
  * each predicted job (/predicted/<job>, as in scenarios/dense-vs-moe.yaml), read with
    h5py, with footprint_trace (pandas: predicted(), predicted_jobs()) and with xarray
    (h5netcdf): the attributes context, virtual_stages, compute (fp16 on a V100, bf16 or
    fp8 elsewhere), recompute, shard, shard_group, expected_mfu, error_band, borrowed_from
    and mfu, and the columns energy_j (J) of expected_step and energy_j (J) and
    energy_fraction (1) of phases, the same in all three; the phases' energy_j sums to the
    job's energy_j within a relative 1e-9 (ENERGY_RELATIVE) in each reader and their
    energy_fraction to 1; expected_step energy_j = seconds x power_w x the job's devices
    (1e-12); mfu = expected_mfu x expected_step_s / mean_step_s (1e-12), both in (0, 1];
  * each datacenter's design peak (design_peak_facility_power_w, design_peak_time_s,
    design_peak_warning), read with h5py, xarray (h5netcdf) and footprint_trace (the
    group's metadata), the same in all three and in `footprint report --format json`
    (design_peak_facility_mw x 1e6 within a relative 1e-12); the time within [0, 366 d),
    0 with a constant PUE; and a copy without them (a trace written before them), which
    `footprint report` prints with `-`, no warning, and null in its json;
  * the same trace as a trace written before those fields (a copy without them) and as a
    format 1 trace (a copy with compound tables and fixed-length strings, without them):
    `footprint report` prints each predicted job's block without MFU, error band or
    energy, and footprint_trace reads them, the missing attributes NaN/None in
    predicted_jobs().

A format 1 trace fails, by design: it has no time dimension nor dimension scales, so
xarray, h5netcdf and ncdump cannot read it as netCDF (the format 1 copy above is read by
`footprint report` and footprint_trace only).

--sweep runs `footprint sweep SWEEP.yaml` into a temporary folder and checks its index;
--index checks an existing index: both open with xarray (the root and /points), /points
has the dimension `point` with one entry per row of footprint_trace's points(), and
`ncdump -h` reads the file.

At least one trace must have predicted jobs (the shipped scenarios do).

Prints a line per check ("ok   ..." or "FAIL ..."); exits 1 on any failure, 2 on bad usage.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analysis"))
import footprint_trace  # noqa: E402  (analysis/footprint_trace.py)

ENERGY_RELATIVE = 1e-9
TIME_TOLERANCE = np.timedelta64(1000, "ns")
J_PER_MWH = 3.6e9
# Reports larger than this are not parsed whole: only their end (datacenters, totals).
FULL_JSON_LIMIT = 64 << 20
FAILURES = []
PREDICTED_TRACES = []  # the traces with /predicted jobs checked


class Failure(Exception):
    pass


def expect(cond, reason):
    if not cond:
        raise Failure(reason)


def ok(what):
    print("ok   " + what)


def open_xr(path, group):
    """xarray.open_dataset of one group, or a Failure naming the group and the error."""
    try:
        return xr.open_dataset(path, group=group, engine="h5netcdf")
    except Exception as e:  # noqa: BLE001 - any reader error is the finding
        raise Failure("xarray.open_dataset(group={!r}, engine='h5netcdf'): {}: {}".format(
            group, type(e).__name__, e)) from None


def groups_of(path):
    """Every group of the file (h5py names without the leading '/'), the root first."""
    names = [None]
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Group)
                     else None)
    return names


def is_text(var):
    return var.dtype.kind in "OUS"


def check_attributes(group, ds):
    """Units on every numeric data variable, long_name on every data variable (see the
    docstring); decoded time coordinates too have their units (in .encoding)."""
    for name, var in ds.coords.items():
        if var.dtype.kind == "M":
            expect("units" in var.encoding, "{}/{}: a decoded time without units in its "
                                             "encoding".format(group, name))
    for name, var in ds.data_vars.items():
        if var.dtype.kind == "M":
            expect("units" in var.encoding, "{}/{}: a decoded time without units in its "
                                             "encoding".format(group, name))
        elif not is_text(var):
            expect("units" in var.attrs, "{}/{}: no `units` attribute".format(group, name))
        if name != "time_bounds":
            expect("long_name" in var.attrs, "{}/{}: no `long_name` attribute".format(group, name))


def check_datacenter(path, group, ds, epoch, interval_s):
    """The time coordinate and its bounds; returns the summed facility energy, J."""
    expect("time" in ds.dims, "{}: no `time` dimension (dims {})".format(group, dict(ds.dims)))
    expect("time" in ds.indexes, "{}: `time` is not an index coordinate".format(group))
    time = ds.indexes["time"]
    expect(time.dtype == np.dtype("datetime64[ns]"),
           "{}: time index of dtype {}, expected datetime64[ns]".format(group, time.dtype))
    time_s = ds["time_s"].values
    want = (pd.Timestamp(epoch, unit="s") + pd.to_timedelta(time_s, unit="s")).values
    worst = np.max(np.abs(time.values - want)) if len(want) else np.timedelta64(0, "ns")
    expect(worst <= TIME_TOLERANCE, "{}: time differs from epoch + time_s by up to {}".format(
        group, worst))
    for name, var in ds.data_vars.items():
        if name != "time_bounds":
            expect(var.dims == ("time",), "{}/{}: dims {}, expected ('time',)".format(
                group, name, var.dims))
    expect("time_bounds" in ds, "{}: no time_bounds".format(group))
    bounds = ds["time_bounds"]
    expect(bounds.dtype.kind == "M", "{}: time_bounds not decoded to datetimes (dtype {})"
           .format(group, bounds.dtype))
    expect(bounds.shape == (len(want), 2), "{}: time_bounds shape {}".format(group, bounds.shape))
    step = pd.to_timedelta(interval_s, unit="s").to_timedelta64()
    for column, expected, what in ((0, want, "start"), (1, want + step, "end")):
        diff = np.abs(bounds.values[:, column] - expected)
        expect(diff.size == 0 or diff.max() <= TIME_TOLERANCE,
               "{}: time_bounds {} differs from epoch + time_s{} by up to {}".format(
                   group, what, "" if column == 0 else " + interval", diff.max()))
    return float(ds["facility_energy_j"].sum().item())


def report_totals(footprint, path):
    """`footprint report PATH --format json`: its `totals` object."""
    return report_json(footprint, path)["totals"]


def report_datacenters(footprint, path):
    """`footprint report PATH --format json`: {"datacenters": [...], "totals": {...}}."""
    whole = report_json(footprint, path)
    return {"datacenters": whole["datacenters"], "totals": whole["totals"]}


def report_json(footprint, path):
    """`footprint report PATH --format json`: its top-level keys after "jobs" (the
    datacenters, totals, summary and comparison)."""
    with tempfile.TemporaryFile() as out:
        r = subprocess.run([footprint, "report", path, "--format", "json"], stdout=out,
                           stderr=subprocess.PIPE)
        expect(r.returncode == 0, "footprint report --format json: exit {} ({})".format(
            r.returncode, r.stderr.decode(errors="replace").strip()[-300:]))
        size = out.tell()
        out.seek(0)
        if size <= FULL_JSON_LIMIT:
            return json.loads(out.read())
        # A million jobs make half a gigabyte of JSON: parse only its end, which holds
        # the top-level keys "datacenters", "totals", "summary" and "comparison" (after
        # "jobs").
        out.seek(size - min(size, 4 << 20))
        tail = out.read()
    at = tail.rfind(b'"datacenters": [')
    expect(at >= 0, "footprint report json: no \"datacenters\" key in its last 4 MiB")
    return json.loads(b"{" + tail[at:])


# /summary/comparison attributes and the report's JSON comparison figures of the same
# quantity: (attribute, figure, figure units per attribute unit).
COMPARISON_FIGURES = (
    ("jobs_compared", "jobs_compared", 1),
    ("matched_emissions_location_g", "matched_emissions_location_t", 1e-6),
    ("matched_baseline_emissions_market_g", "matched_baseline_emissions_market_t", 1e-6),
    ("emissions_saved_location_g", "emissions_saved_location_t", 1e-6),
    ("emissions_saved_market_fraction", "emissions_saved_market_fraction", 1),
    ("start_delay_s", "start_delay_h", 1 / 3600),
    ("baseline_energy_j", "baseline_energy_mwh", 1 / J_PER_MWH),
    ("site_emissions_saved_location_g", "site_emissions_saved_location_t", 1e-6),
    ("baseline_jobs_finished", "baseline_jobs_finished", 1),
    ("baseline_mean_wait_s", "baseline_mean_wait_h", 1 / 3600),
)


def check_comparison(summary, report):
    """The report's JSON comparison against /summary/comparison (read by footprint_trace):
    the same figures in the units their names give, within a relative 1e-12 (one
    division); None when the trace has no comparison."""
    attrs = summary.get("comparison")
    if not isinstance(attrs, dict):
        expect(report.get("comparison") is None,
               "footprint report json: a comparison without /summary/comparison")
        return None
    figures = report.get("comparison")
    expect(isinstance(figures, dict), "footprint report json: no comparison object")
    expect(figures["baseline_policy"] == attrs["baseline_policy"],
           "baseline_policy: report {!r}, trace {!r}".format(figures["baseline_policy"],
                                                             attrs["baseline_policy"]))
    for attr, figure, scale in COMPARISON_FIGURES:
        want = float(attrs[attr]) * scale
        got = figures[figure]
        if math.isnan(want):
            expect(got is None, "{}: report {!r}, trace NaN".format(figure, got))
            continue
        expect(got is not None and abs(got - want) <= 1e-12 * max(abs(want), 1e-300),
               "{}: report {!r}, trace {} {!r}".format(figure, got, attr, want))
    return attrs["baseline_policy"]


def check_ncdump(path, time_dimension):
    r = subprocess.run(["ncdump", "-h", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    expect(r.returncode == 0, "ncdump -h: exit {} ({})".format(r.returncode,
                                                              r.stderr.strip()[-300:]))
    if time_dimension:
        expect("time = " in r.stdout, "ncdump -h: no `time = ` dimension in its output")
        expect(':units = "seconds since' in r.stdout,
               "ncdump -h: no `:units = \"seconds since` attribute in its output")
    return len(r.stdout.splitlines())


def check_jobs(path, trace, summary):
    frame = trace.jobs()
    expect(len(frame) == summary["jobs"], "footprint_trace jobs(): {} rows, /summary jobs {}"
           .format(len(frame), summary["jobs"]))
    expect(all(isinstance(n, str) for n in frame["name"]), "footprint_trace jobs(): names "
                                                           "not all str")
    ds = open_xr(path, "jobs")
    expect("job" in ds.dims, "jobs: no `job` dimension (dims {})".format(dict(ds.dims)))
    table = ds.to_dataframe()
    expect(len(table) == summary["jobs"], "xarray jobs.to_dataframe(): {} rows, /summary "
                                          "jobs {}".format(len(table), summary["jobs"]))
    expect(all(isinstance(n, str) for n in table["name"]), "xarray jobs: names not all str")
    expect(list(table.columns) == list(frame.columns),
           "xarray jobs columns {} != footprint_trace's {}".format(list(table.columns),
                                                                  list(frame.columns)))
    for c in frame.columns:
        a, b = frame[c].to_numpy(), table[c].to_numpy()
        same = (a == b) | (pd.isna(a) & pd.isna(b)) if a.dtype.kind == "f" else (a == b)
        expect(bool(np.all(same)), "jobs column {!r}: xarray and footprint_trace differ".format(c))
    return len(frame)


# Fields of /predicted/<job> added to format 2 after its first traces (docs/trace-format.md,
# "Additions to format 2"): (attributes, {table: columns}).
PREDICTED_ADDED_ATTRIBUTES = ("context", "virtual_stages", "compute", "recompute", "shard",
                              "shard_group", "expected_mfu", "error_band", "borrowed_from", "mfu")
PREDICTED_ADDED_COLUMNS = {"expected_step": ("energy_j",),
                           "phases": ("energy_j", "energy_fraction")}
EXACT_RELATIVE = 1e-12


def relative(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def check_predicted(path):
    """The step model's fields of every /predicted/<job> in h5py, pandas and xarray (see the
    docstring); returns the number of predicted jobs."""
    trace = footprint_trace.open(path, "trace")
    frames = trace.predicted()
    table = trace.predicted_jobs()
    jobs = trace.jobs()
    with h5py.File(path, "r") as f:
        names = list(f["predicted"]) if "predicted" in f else []
        for job in names:
            g = f["predicted"][job]
            where = "/predicted/{}".format(job)
            a = g.attrs
            for name in PREDICTED_ADDED_ATTRIBUTES:
                expect(name in a, "{}: no attribute {!r}".format(where, name))
            for name in ("context", "virtual_stages", "shard_group"):
                expect(a[name].dtype == np.int64, "{} {}: dtype {}".format(where, name,
                                                                          a[name].dtype))
            expect(a["context"] >= 1 and a["virtual_stages"] >= 1 and a["shard_group"] >= 0,
                   "{}: context {}, virtual_stages {}, shard_group {}".format(
                       where, a["context"], a["virtual_stages"], a["shard_group"]))
            chip = jobs.loc[int(a["job"]), "accelerator"]
            devices = int(jobs.loc[int(a["job"]), "devices"])
            want = ("fp16", "fp8") if chip == "V100" else ("bf16", "fp8")
            expect(a["compute"] in want, "{} on {}: compute {!r}, expected one of {}".format(
                where, chip, a["compute"], want))
            expect(a["recompute"] in ("none", "selective", "full"),
                   "{}: recompute {!r}".format(where, a["recompute"]))
            expect(a["shard"] in ("none", "optimizer", "gradients", "parameters"),
                   "{}: shard {!r}".format(where, a["shard"]))
            expect(isinstance(a["borrowed_from"], str), "{}: borrowed_from not str".format(where))
            # A fraction; above 1 when a run of the chip was missed by more than 100 % (H100 BF16).
            expect(0 <= a["error_band"] < 5, "{}: error_band {}".format(where, a["error_band"]))
            for name in ("expected_mfu", "mfu"):
                expect(0 < a[name] <= 1, "{}: {} {} not in (0, 1]".format(where, name, a[name]))
            want_mfu = a["expected_mfu"] * a["expected_step_s"] / a["mean_step_s"]
            expect(relative(a["mfu"], want_mfu) <= EXACT_RELATIVE,
                   "{}: mfu {!r}, expected_mfu x expected_step_s / mean_step_s {!r}".format(
                       where, a["mfu"], want_mfu))
            # expected_step: J per step, all devices.
            e = g["expected_step"]
            expect(e["energy_j"].attrs["units"] == "J", "{}/expected_step/energy_j: units {!r}"
                   .format(where, e["energy_j"].attrs.get("units")))
            want_e = e["seconds"][()] * e["power_w"][()] * devices
            worst = max((relative(x, y) for x, y in zip(e["energy_j"][()], want_e)), default=0)
            expect(worst <= EXACT_RELATIVE, "{}/expected_step: energy_j differs from seconds x "
                   "power_w x {} devices by {:.3g} relative".format(where, devices, worst))
            # phases: J over the run, summing to the job's energy_j.
            t = g["phases"]
            units = {c: t[c].attrs["units"] for c in ("energy_j", "energy_fraction")}
            expect(units == {"energy_j": "J", "energy_fraction": "1"},
                   "{}/phases: units {}".format(where, units))
            h5_energy = t["energy_j"][()]
            total = float(a["energy_j"])
            ds = open_xr(path, "predicted/{}/phases".format(job))
            pd_phases = frames[job]["tables"]["phases"]
            expect(pd_phases.attrs["units"]["energy_j"] == "J",
                   "footprint_trace {}/phases: energy_j units {!r}".format(
                       where, pd_phases.attrs["units"].get("energy_j")))
            expect(ds["energy_j"].attrs.get("units") == "J", "xarray {}/phases: energy_j units "
                   "{!r}".format(where, ds["energy_j"].attrs.get("units")))
            sums = (("h5py", math.fsum(h5_energy)),
                    ("pandas", float(pd_phases["energy_j"].sum())),
                    ("xarray", float(ds["energy_j"].sum().item())))
            for reader, got in sums:
                expect(relative(got, total) <= ENERGY_RELATIVE,
                       "{}: phases energy_j summed with {} {!r} J, the job's energy_j {!r} J"
                       .format(where, reader, got, total))
            expect(abs(math.fsum(t["energy_fraction"][()]) - 1) <= ENERGY_RELATIVE,
                   "{}: energy_fraction sums to {!r}".format(where,
                                                             math.fsum(t["energy_fraction"][()])))
            for c in ("energy_j", "energy_fraction"):
                expect(np.array_equal(ds[c].values, t[c][()]) and
                       np.array_equal(pd_phases[c].to_numpy(), t[c][()]),
                       "{}/phases {}: h5py, pandas and xarray differ".format(where, c))
            ds.close()
            xe = open_xr(path, "predicted/{}/expected_step".format(job))
            expect(np.array_equal(xe["energy_j"].values, e["energy_j"][()]) and np.array_equal(
                frames[job]["tables"]["expected_step"]["energy_j"].to_numpy(), e["energy_j"][()]),
                "{}/expected_step energy_j: h5py, pandas and xarray differ".format(where))
            xe.close()
            # The attributes: xarray's group attributes and pandas' row, as h5py reads them.
            xg = open_xr(path, "predicted/{}".format(job))
            for name in PREDICTED_ADDED_ATTRIBUTES:
                h5 = a[name]
                for reader, got in (("xarray", xg.attrs.get(name)),
                                    ("footprint_trace.predicted_jobs()", table.loc[job, name])):
                    expect(got == h5, "{} {}: {} {!r}, h5py {!r}".format(where, name, reader,
                                                                        got, h5))
            xg.close()
    return len(names)


def strip_predicted_additions(f):
    """Removes the fields of PREDICTED_ADDED_* from every /predicted/<job> of an open file."""
    for g in f["predicted"].values():
        for name in PREDICTED_ADDED_ATTRIBUTES:
            del g.attrs[name]
        for table, columns in PREDICTED_ADDED_COLUMNS.items():
            for c in columns:
                del g[table][c]


def compound(group, row_dimension=None):
    """A format 2 table group as format 1's compound rows, strings fixed-length, and its
    `units` array (the row coordinate `row_dimension` left out)."""
    columns, units = [], []
    for c, ds in group.items():
        if c == row_dimension:
            continue
        values = ds.asstr()[()] if h5py.check_string_dtype(ds.dtype) else ds[()]
        if values.dtype.kind in "OU":
            encoded = [v.encode("utf-8") for v in values]
            values = np.array(encoded, dtype="S{}".format(max([len(v) for v in encoded] + [1])))
        columns.append((c, values))
        units.append(ds.attrs.get("units", ""))
    rows = np.empty(len(columns[0][1]), dtype=[(c, v.dtype) for c, v in columns])
    for c, v in columns:
        rows[c] = v
    return rows, np.array([u.encode("utf-8") for u in units])


def copy_attrs(src, dst, leave_out=()):
    """Attributes as format 1 stored them: text as fixed-length strings."""
    for k, v in src.attrs.items():
        if k not in leave_out:
            dst.attrs[k] = np.bytes_(v.encode("utf-8")) if isinstance(v, str) else v


def write_format1(src, dst):
    """A format 1 trace `dst` from format 2's `src` (its predicted additions removed): format
    1's layout (docs/trace-format.md, "Format 1"), in a new file, which HDF5 then writes
    without the creation order format 1 did not track."""
    with h5py.File(src, "r") as f, h5py.File(dst, "w") as out:
        copy_attrs(f, out, ("Conventions",))
        out.attrs["format_version"] = np.bytes_(b"1")
        for name, g in f["datacenters"].items():
            o = out.create_group("datacenters/" + name)
            copy_attrs(g, o, ("accelerator_types", "accelerator_counts",
                              "accelerator_has_embodied", "power_cap_w") +
                       DESIGN_PEAK_ATTRIBUTES)
            for key, ds in g.items():
                if key not in ("time", "time_bounds", "nv"):
                    o.create_dataset(key, data=ds[()]).attrs["units"] = ds.attrs["units"]
        rows, units = compound(f["jobs"], row_dimension="job")
        out.create_dataset("jobs", data=rows).attrs["units"] = units
        copy_attrs(f["summary"], out.create_group("summary"))
        for name, sub in f["summary"].items():
            copy_attrs(sub, out.create_group("summary/" + name))
        for job, g in f["predicted"].items():
            o = out.create_group("predicted/" + job)
            copy_attrs(g, o, ("parameters", "active_parameters"))
            for table in ("expected_step", "phases"):
                rows, units = compound(g[table])
                o.create_dataset(table, data=rows).attrs["units"] = units


def check_old_predicted(footprint, path):
    """A copy of the trace written as before the step model's fields (format 2 without them,
    and format 1): `footprint report` and footprint_trace read both; returns the versions
    checked."""
    tmp = tempfile.mkdtemp(prefix="footprint-old-predicted-")
    try:
        checked = []
        for version in ("2", "1"):
            old = os.path.join(tmp, "old{}.h5".format(version))
            shutil.copyfile(path, old)
            with h5py.File(old, "r+") as f:
                strip_predicted_additions(f)
            if version == "1":
                stripped, old = old, os.path.join(tmp, "old1-format1.h5")
                write_format1(stripped, old)
            r = subprocess.run([footprint, "report", old], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
            what = "footprint report of a format {} trace without the predicted additions".format(
                version)
            expect(r.returncode == 0, "{}: exit {} ({})".format(what, r.returncode,
                                                               r.stderr.strip()[-300:]))
            trace = footprint_trace.open(old, "trace")
            expect(trace.format_version == version, "{}: format_version {!r}".format(
                what, trace.format_version))
            predicted = trace.predicted()
            expect(r.stdout.count("\npredicted ") == len(predicted),
                   "{}: {} predicted blocks for {} jobs".format(
                       what, r.stdout.count("\npredicted "), len(predicted)))
            for text in ("MFU", "calibration error band", "borrowed", "energy %", "kWh"):
                expect(text not in r.stdout, "{}: prints {!r}".format(what, text))
            expect(" h  " in r.stdout.split("\npredicted ", 1)[1],
                   "{}: no phase time lines".format(what))
            table = trace.predicted_jobs()
            expect(list(table.columns[:len(footprint_trace.PREDICTED_ATTRIBUTES)]) ==
                   list(footprint_trace.PREDICTED_ATTRIBUTES),
                   "{}: predicted_jobs() columns {}".format(what, list(table.columns)))
            for name in PREDICTED_ADDED_ATTRIBUTES:
                missing = table[name].isna().all()
                expect(missing, "{}: predicted_jobs() {} not all missing".format(what, name))
            for job, p in predicted.items():
                for t, columns in PREDICTED_ADDED_COLUMNS.items():
                    expect(t in p["tables"] and not set(columns) & set(p["tables"][t].columns),
                           "{} {}: table {} columns {}".format(
                               what, job, t, list(p["tables"].get(t, pd.DataFrame()).columns)))
            checked.append(version)
        return checked
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# /datacenters/<name> attributes of the design peak, added to format 2 after its first
# traces (docs/trace-format.md, "Additions to format 2"; docs/cooling.md, "Design peak").
DESIGN_PEAK_ATTRIBUTES = ("design_peak_facility_power_w", "design_peak_time_s",
                          "design_peak_warning")
DESIGN_SCAN_S = 366 * 86400  # design_peak_time_s lies within the scan, [0, 366 d)
W_PER_MW = 1e6


def check_design_peak(footprint, path, trace):
    """Each datacenter's design peak attributes, as h5py, xarray and footprint_trace read
    them, and as `footprint report --format json` prints them; returns the datacenters."""
    report = {d["name"]: d for d in report_datacenters(footprint, path)["datacenters"]}
    names = trace.datacenters()
    with h5py.File(path, "r") as f:
        for name in names:
            where = "/datacenters/{}".format(name)
            a = f["datacenters"][name].attrs
            for attr in DESIGN_PEAK_ATTRIBUTES:
                expect(attr in a, "{}: no attribute {!r}".format(where, attr))
            power, time_s, warning = (a[attr] for attr in DESIGN_PEAK_ATTRIBUTES)
            expect(power.dtype == np.float64 and time_s.dtype == np.float64,
                   "{}: dtypes {} and {}".format(where, power.dtype, time_s.dtype))
            expect(isinstance(warning, str), "{}: design_peak_warning is not str".format(where))
            expect(np.isfinite(power) and power > 0,
                   "{}: design_peak_facility_power_w {!r}".format(where, power))
            expect(0 <= time_s < DESIGN_SCAN_S, "{}: design_peak_time_s {!r} not in [0, 366 d)"
                   .format(where, time_s))
            if a["cooling"] == "constant":
                expect(time_s == 0, "{}: constant PUE, design_peak_time_s {!r}".format(
                    where, time_s))
            xg = open_xr(path, "datacenters/{}".format(name))
            metadata = trace.datacenter(name).attrs["metadata"]
            for attr in DESIGN_PEAK_ATTRIBUTES:
                for reader, got in (("xarray", xg.attrs.get(attr)),
                                    ("footprint_trace", metadata.get(attr))):
                    expect(got == a[attr], "{} {}: {} {!r}, h5py {!r}".format(
                        where, attr, reader, got, a[attr]))
            xg.close()
            row = report[name]
            expect(relative(row["design_peak_facility_mw"] * W_PER_MW, float(power)) <=
                   EXACT_RELATIVE and row["design_peak_time_s"] == time_s and
                   row["design_peak_warning"] == warning,
                   "{}: report json design peak {!r} MW at {!r} s ({!r}), attributes {!r} W at "
                   "{!r} s ({!r})".format(where, row["design_peak_facility_mw"],
                                          row["design_peak_time_s"], row["design_peak_warning"],
                                          power, time_s, warning))
    return len(names)


def check_old_design_peak(footprint, path):
    """A copy without the design peak attributes, as a trace written before them:
    `footprint report` prints `-` and no warning, its json null; footprint_trace leaves them
    out of the metadata."""
    tmp = tempfile.mkdtemp(prefix="footprint-old-design-")
    try:
        old = os.path.join(tmp, "old.h5")
        shutil.copyfile(path, old)
        with h5py.File(old, "r+") as f:
            for g in f["datacenters"].values():
                for attr in DESIGN_PEAK_ATTRIBUTES:
                    del g.attrs[attr]
        r = subprocess.run([footprint, "report", old], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        what = "footprint report of a trace without the design peak"
        expect(r.returncode == 0, "{}: exit {} ({})".format(what, r.returncode,
                                                           r.stderr.strip()[-300:]))
        expect("warning: design peak" not in r.stdout, "{}: prints a warning".format(what))
        for d in report_datacenters(footprint, old)["datacenters"]:
            expect(d["design_peak_facility_mw"] is None and d["design_peak_time_s"] is None,
                   "{} --format json: {} design peak {!r}".format(
                       what, d["name"], d["design_peak_facility_mw"]))
        trace = footprint_trace.open(old, "trace")
        for name in trace.datacenters():
            metadata = trace.datacenter(name).attrs["metadata"]
            expect(not set(DESIGN_PEAK_ATTRIBUTES) & set(metadata),
                   "footprint_trace {}: metadata has {}".format(name, sorted(metadata)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_supply(path, trace):
    """Each /datacenters/<name>/supply: xarray's hourly load sums to the group's load_j and
    the datacenter's energy_j; footprint_trace's frame has the same values. The count."""
    count = 0
    for dc in trace.datacenters():
        frame = trace.supply(dc)
        if frame is None:
            continue
        ds = open_xr(path, "datacenters/{}/supply".format(dc))
        total = math.fsum(float(v) for v in ds["load_j"].values)
        for what, want in (("load_j", float(ds.attrs["load_j"])),
                           ("energy_j", float(trace.datacenter(dc).attrs["metadata"]["energy_j"]))):
            rel = abs(total - want) / max(abs(total), abs(want), 1e-300)
            expect(rel <= ENERGY_RELATIVE, "{} supply: hourly load sums to {!r} J, {} {!r} J"
                   .format(dc, total, what, want))
        expect(list(frame["load_j"]) == [float(v) for v in ds["load_j"].values],
               "{} supply: footprint_trace and xarray differ".format(dc))
        expect(str(ds["time"].dtype).startswith("datetime64"),
               "{} supply: time is {} (not decoded)".format(dc, ds["time"].dtype))
        ds.close()
        count += 1
    return count


def check_trace(footprint, path):
    name = os.path.basename(path)
    trace = footprint_trace.open(path, "trace")
    expect(trace.format_version == "2",
           "format_version {!r}: format 1 has no `time` dimension nor dimension scales, so "
           "xarray, h5netcdf and ncdump cannot read it as netCDF; these checks need format 2"
           .format(trace.format_version))
    groups = groups_of(path)
    summary = trace.summary()
    epoch, interval_s = int(trace.attrs["epoch_unix_s"]), float(trace.attrs["trace_interval_s"])
    energy = []
    for group in groups:
        ds = open_xr(path, group)
        check_attributes(group or "/", ds)
        if group is None:
            expect(ds.attrs.get("format_version") == "2" and
                   ds.attrs.get("Conventions") == "CF-1.8",
                   "root attributes: format_version {!r}, Conventions {!r}".format(
                       ds.attrs.get("format_version"), ds.attrs.get("Conventions")))
        parts = (group or "").split("/")
        if len(parts) == 2 and parts[0] == "datacenters":
            energy.append(check_datacenter(path, group, ds, epoch, interval_s))
        ds.close()
    ok("{}: {} groups open with xarray (h5netcdf), units and long names present".format(
        name, len(groups)))
    expect(len(energy) == len(trace.datacenters()), "{} datacenter groups for {} datacenters"
           .format(len(energy), len(trace.datacenters())))
    ok("{}: {} datacenters: time is datetime64[ns] = epoch + time_s, time_bounds decoded"
       .format(name, len(energy)))
    total = math.fsum(energy)
    report = report_json(footprint, path)
    totals = report["totals"]
    expect("energy_mwh" in totals, "footprint report json: no totals.energy_mwh")
    for what, want in (("report totals.energy_mwh", totals["energy_mwh"] * J_PER_MWH),
                       ("/summary energy_j", summary["energy_j"])):
        rel = abs(total - want) / max(abs(total), abs(want), 1e-300)
        expect(rel <= ENERGY_RELATIVE, "facility energy summed with xarray {!r} J, {} {!r} J: "
               "relative difference {:.3g} > {:g}".format(total, what, want, rel,
                                                          ENERGY_RELATIVE))
    ok("{}: facility energy summed with xarray = report total = /summary energy_j ({:.6g} J)"
       .format(name, total))
    supplies = check_supply(path, trace)
    if supplies:
        ok("{}: {} supply groups: hourly load summed with xarray = the group's load_j = the "
           "datacenter's energy_j; footprint_trace reads the same hours".format(name, supplies))
    baseline = check_comparison(summary, report)
    if baseline is not None:
        ok("{}: the report's comparison with {} = /summary/comparison in the units of its "
           "figures".format(name, baseline))
    lines = check_ncdump(path, time_dimension=True)
    ok("{}: ncdump -h exits 0 ({} lines) and shows the time dimension and its units"
       .format(name, lines))
    count = check_design_peak(footprint, path, trace)
    ok("{}: {} datacenters: design peak, its time and warning read alike by h5py, xarray, "
       "footprint_trace and footprint report".format(name, count))
    check_old_design_peak(footprint, path)
    ok("{}: as a trace written before the design peak: footprint report and footprint_trace "
       "read it without".format(name))
    rows = check_jobs(path, trace, summary)
    ok("{}: jobs: {} rows with footprint_trace and xarray.to_dataframe(), names str, same values"
       .format(name, rows))
    predicted = check_predicted(path)
    PREDICTED_TRACES.extend([name] if predicted else [])
    if predicted:
        ok("{}: {} predicted jobs: MFU, error band, precision and energy per phase read alike by "
           "h5py, pandas and xarray; phase energies sum to the run's within {:g}".format(
               name, predicted, ENERGY_RELATIVE))
        versions = check_old_predicted(footprint, path)
        ok("{}: as a trace written before those fields (format {}): footprint report and "
           "footprint_trace read it, printing none of them".format(name, " and ".join(versions)))


def check_index(path):
    index = footprint_trace.open(path, "index")
    expect(index.format_version == "2",
           "index format_version {!r}: format 1's /points is a compound table without a "
           "dimension scale, which xarray cannot read; these checks need format 2".format(
               index.format_version))
    points = index.points()
    root = open_xr(path, None)
    expect(root.attrs.get("kind") == footprint_trace.INDEX_KIND,
           "index root attribute kind {!r}".format(root.attrs.get("kind")))
    ds = open_xr(path, "points")
    expect("point" in ds.dims, "/points: no `point` dimension (dims {})".format(dict(ds.dims)))
    expect(ds.dims["point"] == len(points), "/points: point dimension {} long, {} rows".format(
        ds.dims["point"], len(points)))
    table = ds.to_dataframe()
    expect(all(isinstance(f, str) for f in table["file"]), "/points file column not all str")
    for name, var in ds.data_vars.items():
        expect(var.dims == ("point",), "/points/{}: dims {}".format(name, var.dims))
    check_ncdump(path, time_dimension=False)
    ok("{}: the index opens with xarray and ncdump: /points has dimension point ({} rows)"
       .format(path, len(points)))


def run_check(what, fn, *args):
    try:
        fn(*args)
    except (Failure, footprint_trace.TraceError) as e:
        FAILURES.append(what)
        print("FAIL {}: {}".format(what, e))
    except Exception:  # noqa: BLE001
        FAILURES.append(what)
        print("FAIL {}: unexpected exception".format(what))
        traceback.print_exc(file=sys.stdout)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("footprint")
    parser.add_argument("trace_dir")
    parser.add_argument("--sweep", action="append", default=[], metavar="SWEEP.yaml")
    parser.add_argument("--index", action="append", default=[], metavar="INDEX.h5")
    args = parser.parse_args(argv)
    traces = sorted(str(p) for p in Path(args.trace_dir).glob("*.h5"))
    if not traces:
        print("FAIL no traces (*.h5) in {}".format(args.trace_dir))
        return 1
    for path in traces:
        run_check(os.path.basename(path), check_trace, args.footprint, path)
    if not PREDICTED_TRACES:
        FAILURES.append("/predicted")
        print("FAIL no trace in {} has /predicted jobs: the step model's fields went unchecked "
              "(scenarios/dense-vs-moe.yaml has some)".format(args.trace_dir))
    tmp = tempfile.mkdtemp(prefix="footprint-trace-readers-")
    try:
        indexes = list(args.index)
        for i, sweep in enumerate(args.sweep):
            out = os.path.join(tmp, "sweep{}".format(i))
            r = subprocess.run([args.footprint, "sweep", sweep, "--out", out, "-q"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
            if r.returncode != 0:
                FAILURES.append(sweep)
                print("FAIL footprint sweep {}: exit {} ({})".format(sweep, r.returncode,
                                                                     r.stderr.strip()[-300:]))
                continue
            indexes.append(os.path.join(out, "index.h5"))
        for path in indexes:
            run_check(path, check_index, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("{} of {} file(s) failed: {}".format(len(FAILURES), len(traces) + len(indexes),
                                                   ", ".join(FAILURES)))
        return 1
    print("all trace reader checks passed ({} traces, {} indexes)".format(len(traces),
                                                                         len(indexes)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
