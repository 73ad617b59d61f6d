#!/usr/bin/python3
"""Footprint traces (format 2) read as they are by xarray, h5netcdf, pandas and ncdump.

usage: trace_readers.py FOOTPRINT TRACE_DIR [--sweep SWEEP.yaml] [--index INDEX.h5]...

For every TRACE_DIR/*.h5 (ctest: the 1-thread traces scenarios_deterministic.sh keeps):

  * every group of the file opens with xarray.open_dataset(path, group=..., engine=
    "h5netcdf"): the root, each /datacenters/<dc>, /jobs, each /predicted/<job> and its
    tables, each /regions/<region>, /summary and /summary/fifo (and their parents);
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
  * `ncdump -h` exits 0 and shows the `time = ` dimension and
    `:units = "seconds since ...` attribute;
  * the jobs table, read with footprint_trace.jobs() and with xarray.open_dataset(...,
    group="jobs").to_dataframe(), has as many rows as /summary `jobs` says, names as str,
    and the same columns and values both ways.

A format 1 trace fails, by design: it has no time dimension nor dimension scales, so
xarray, h5netcdf and ncdump cannot read it as netCDF.

--sweep runs `footprint sweep SWEEP.yaml` into a temporary folder and checks its index;
--index checks an existing index: both open with xarray (the root and /points), /points
has the dimension `point` with one entry per row of footprint_trace's points(), and
`ncdump -h` reads the file.

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
    with tempfile.TemporaryFile() as out:
        r = subprocess.run([footprint, "report", path, "--format", "json"], stdout=out,
                           stderr=subprocess.PIPE)
        expect(r.returncode == 0, "footprint report --format json: exit {} ({})".format(
            r.returncode, r.stderr.decode(errors="replace").strip()[-300:]))
        size = out.tell()
        out.seek(0)
        if size <= FULL_JSON_LIMIT:
            return json.loads(out.read())["totals"]
        # A million jobs make half a gigabyte of JSON: parse only its end, which holds
        # the top-level keys "datacenters" and "totals" (after "jobs").
        out.seek(size - min(size, 4 << 20))
        tail = out.read()
    at = tail.rfind(b'"datacenters": [')
    expect(at >= 0, "footprint report json: no \"datacenters\" key in its last 4 MiB")
    return json.loads(b"{" + tail[at:])["totals"]


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
    totals = report_totals(footprint, path)
    expect("energy_mwh" in totals, "footprint report json: no totals.energy_mwh")
    for what, want in (("report totals.energy_mwh", totals["energy_mwh"] * J_PER_MWH),
                       ("/summary energy_j", summary["energy_j"])):
        rel = abs(total - want) / max(abs(total), abs(want), 1e-300)
        expect(rel <= ENERGY_RELATIVE, "facility energy summed with xarray {!r} J, {} {!r} J: "
               "relative difference {:.3g} > {:g}".format(total, what, want, rel,
                                                          ENERGY_RELATIVE))
    ok("{}: facility energy summed with xarray = report total = /summary energy_j ({:.6g} J)"
       .format(name, total))
    lines = check_ncdump(path, time_dimension=True)
    ok("{}: ncdump -h exits 0 ({} lines) and shows the time dimension and its units"
       .format(name, lines))
    rows = check_jobs(path, trace, summary)
    ok("{}: jobs: {} rows with footprint_trace and xarray.to_dataframe(), names str, same values"
       .format(name, rows))


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
