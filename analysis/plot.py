#!/usr/bin/python3
"""Plots (PNG) and their data (CSV) from Footprint run traces and sweep indexes.

Usage:

    /usr/bin/python3 analysis/plot.py run TRACE.h5 --out DIR [--datacenter NAME ...]
                                      [--overlay B.h5]
    /usr/bin/python3 analysis/plot.py sweep INDEX.h5 --metric COL --axis AXISPATH --out DIR
                                      [--group-by AXISPATH]
    /usr/bin/python3 analysis/plot.py scatter INDEX.h5 --x COL --y COL --out DIR
                                      [--group-by AXIS] [--style-by AXIS] [--label AXIS ...]

`run` reads a trace written by `footprint run` (docs/trace-format.md) and draws four
figures over time, x the UTC dates of the intervals (the scenario's epoch + time_s), one
line per datacenter (scenario order; `--datacenter` keeps only the ones named); a
datacenter's `power_cap` is a dotted horizontal line on the facility power panel:

    DIR/power.png           facility and IT power, MW       (facility_power_w, it_power_w / 1e6)
    DIR/pue.png             PUE, 1                          (pue; NaN where there is no IT energy)
    DIR/intensity.png       location- and market-based grid intensity, g CO2e/kWh
    DIR/emissions_rate.png  location-based emissions rate, t CO2e/h
                            (emissions_location_g / 1e6 / (trace_interval_s / 3600))

`--overlay B.h5` draws a second run over the first (A solid, B dashed, a datacenter in
one colour in both; B's datacenters of the same names), for comparing two runs.

`sweep` reads a sweep's `index.h5` (docs/sweeps.md) and draws one metric (a numeric
column of /points) against one axis column. The points sharing an x value (replicas and
the other axes) are summarised as their mean with a 95 % Student-t confidence interval
(no bar for a single value); `--group-by` draws one line per value of another axis. The
title names what each value pools (the other axes, zipped groups by name, and the
replicas):

    DIR/<metric>_vs_<axis>.png   (<axis> sanitised to letters, digits, '.', '-', '_')

`scatter` reads a sweep index and draws one metric against another, one marker per point
(each replica its own; points where either metric is NaN are left out and counted in the
title): the trade-off between two outcomes, such as a serving sweep's SLO attainment
against its energy per output token (docs/serving.md, "The capacity question").
`--group-by` colours the markers by an axis's value, `--style-by` gives each value of
another axis its own marker shape, and `--label` (repeatable) writes those axes' values
beside each marker. AXIS is an axis path or a zipped group's name (whose value is its
paths' values joined by "; "):

    DIR/<y>_vs_<x>.png           (sanitised as above)

Beside each PNG, a CSV with the same stem holds exactly the data plotted: a header row
naming each column with its unit, then one row per interval (run; overlaid, per interval
of either run, NaN where a run has none), per group and x value (sweep) or per point
(scatter: point, group, style, label, x, y), numbers at full precision (Python's repr,
which reads back to the same float64; NaN is written `nan`).

Errors in the input (a missing file, a file that is not a Footprint trace or index, an
unknown datacenter, metric or axis, no point to draw) are reported on stderr as
`plot.py: error: FILE: message` with exit code 2.

Reads files with footprint_trace.py (beside this file; format versions 1 and 2). Needs
h5py, numpy, pandas and matplotlib (Debian's /usr/bin/python3 has them).
"""

import argparse
import csv
import math
import os
import re
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

# footprint_trace.py is beside this file, in analysis/ and where it is installed.
_HERE = os.path.dirname(os.path.realpath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
import footprint_trace  # noqa: E402
from footprint_trace import text  # noqa: E402

SECONDS_PER_DAY = 86400.0
SECONDS_PER_HOUR = 3600.0
# /points columns that identify a point rather than measure it: never a metric.
BOOKKEEPING_COLUMNS = ("point", "replica", "seed")
# A leading number of an axis value such as "394 g/kWh", "1.1", "-2e3 W".
LEADING_NUMBER = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)(.*)$")


class UserError(Exception):
    """A problem with the user's input: reported as `FILE: message`, exit code 2."""

    def __init__(self, path, message):
        super().__init__("{}: {}".format(path, message))
        self.path = path
        self.message = message


# --------------------------------------------------------------------------- helpers


def fmt_float(value):
    """Format a number at full precision (repr of the float64; `nan` for NaN)."""
    return repr(float(value))


def write_csv(path, header, rows):
    """Write a CSV file: one header row, then the rows (lists of str)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def open_footprint(path, kind, other_command):
    """footprint_trace.open(path, kind), its TraceError as a UserError.

    A file of the other kind gets a hint to use `plot.py <other_command>`.
    """
    try:
        return footprint_trace.open(path, kind)
    except footprint_trace.WrongKindError as e:
        raise UserError(path, "{} (use `plot.py {}`)".format(e.message, other_command)) from None
    except footprint_trace.TraceError as e:
        raise UserError(path, e.message) from None


def make_out_dir(path):
    """Create the output folder if needed, or raise UserError."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(path, "output path exists and is not a folder")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise UserError(path, "cannot create output folder ({})".format(e.strerror)) from None
    if not os.access(path, os.W_OK):
        raise UserError(path, "output folder is not writable")


def guarded_read(path, what, reader, *args):
    """Call reader(*args); a malformed file's KeyError/ValueError/OSError -> UserError."""
    try:
        return reader(*args)
    except UserError:
        raise
    except footprint_trace.TraceError as e:
        raise UserError(path, e.message) from None
    except (KeyError, ValueError, TypeError, OSError) as e:
        raise UserError(path, "malformed Footprint {} ({}: {})".format(
            what, type(e).__name__, e)) from None


def guarded_write(out_dir, writer, *args):
    """Call writer(*args); an OSError (disk full, permissions) -> UserError."""
    try:
        return writer(*args)
    except OSError as e:
        raise UserError(e.filename or out_dir, "cannot write ({})".format(
            e.strerror or e)) from None


def save_figure(fig, path):
    """Save a figure as PNG and close it."""
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------- Student t


def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def betainc(a, b, x):
    """Regularised incomplete beta function I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def student_t_cdf(t, df):
    """P(T <= t) for Student's t distribution with df degrees of freedom."""
    tail = 0.5 * betainc(0.5 * df, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def student_t_quantile(p, df):
    """The t with P(T <= t) = p, for 0.5 <= p < 1 (bisection to float precision)."""
    lo, hi = 0.0, 1.0
    while student_t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if student_t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def mean_ci95(values):
    """Mean and two-sided 95 % Student-t confidence interval of the finite values.

    Returns (mean, low, high, n); low and high are NaN when n < 2, everything but n is
    NaN when n == 0.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(np.mean(v))
    if n == 1:
        return mean, math.nan, math.nan, 1
    half = student_t_quantile(0.975, n - 1) * float(np.std(v, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


# ------------------------------------------------------------------------- run mode

def _as_is(values, interval_s):
    """A series plotted in its own unit."""
    return values


def _w_to_mw(watts, interval_s):
    """W -> MW: divided by 1e6."""
    return watts / 1e6


def _g_to_t_per_h(grams, interval_s):
    """g CO2e per interval -> t CO2e/h: / 1e6, then / (interval length in h)."""
    return grams / 1e6 / (interval_s / SECONDS_PER_HOUR)


# The run figures: (file stem, y label, panels); a panel is (title, series) and a
# series is (CSV column suffix, dataset of /datacenters/<name>, conversion).
RUN_FIGURES = [
    ("power", "power (MW)", [
        ("facility power", [("facility_power_mw", "facility_power_w", _w_to_mw)]),
        ("IT power", [("it_power_mw", "it_power_w", _w_to_mw)]),
    ]),
    ("pue", "PUE (1)", [
        ("PUE", [("pue", "pue", _as_is)]),
    ]),
    ("intensity", "grid intensity (g CO2e/kWh)", [
        ("location-based", [("intensity_location_g_per_kwh",
                             "intensity_location_g_per_kwh", _as_is)]),
        ("market-based", [("intensity_market_g_per_kwh",
                           "intensity_market_g_per_kwh", _as_is)]),
    ]),
    ("emissions_rate", "emissions rate (t CO2e/h)", [
        ("location-based emissions rate",
         [("emissions_location_t_per_h", "emissions_location_g", _g_to_t_per_h)]),
    ]),
]


def datacenters_in_order(trace, path, wanted):
    """Names of the trace's datacenters in scenario order (attribute `index`).

    With `wanted` (a list of names), only those, still in scenario order; an unknown
    name is a UserError listing the valid ones.
    """
    names = trace.datacenters()
    if not names:
        raise UserError(path, "the trace has no datacenters")
    if wanted:
        unknown = [w for w in wanted if w not in names]
        if unknown:
            raise UserError(path, "unknown datacenter {}; the trace has: {}".format(
                ", ".join(repr(u) for u in unknown), ", ".join(names)))
        names = [n for n in names if n in wanted]
    return names


def read_series(frames, path, dc, dataset):
    """One float64 series of a datacenter, or UserError if it is missing."""
    if dataset not in frames[dc].columns:
        raise UserError(path, "datacenter {!r} has no dataset {!r}".format(dc, dataset))
    return np.asarray(frames[dc][dataset], dtype=np.float64)


def run_times(frames, path, names):
    """Interval starts as UTC times (epoch + time_s), the same for every datacenter."""
    times = [read_series(frames, path, dc, "time_s") for dc in names]
    for dc, t in zip(names[1:], times[1:]):
        if t.shape != times[0].shape or not np.array_equal(t, times[0]):
            raise UserError(path, "datacenter {!r} has different interval times from {!r}"
                            .format(dc, names[0]))
    return frames[names[0]].index


def power_cap_mw(frame):
    """The datacenter's power cap in MW (`power_cap_w` / 1e6), or None without one.

    Format 1 traces and datacenters without `power_cap` (NaN) have none.
    """
    cap = frame.attrs["metadata"].get("power_cap_w")
    if cap is None or not isinstance(cap, (int, float)) or not math.isfinite(cap):
        return None
    return float(cap) / 1e6


class Run:
    """One trace's run figures: its datacenters, interval start times (UTC) and series.

    `columns` maps (datacenter, CSV column suffix) to the converted series; `caps` maps a
    datacenter to its power cap in MW (only those with a cap).
    """

    def __init__(self, path, wanted, tag):
        trace = open_footprint(path, "trace", "sweep")
        self.path = path
        self.tag = tag  # "" for a single run, "A" or "B" when overlaid
        self.scenario = trace.attrs.get("scenario_name", "")
        self.epoch = trace.epoch
        self.names = datacenters_in_order(trace, path, wanted)
        interval_s = float(trace.attrs["trace_interval_s"])
        frames = {dc: trace.datacenter(dc) for dc in self.names}  # equal lengths, checked there
        self.times = run_times(frames, path, self.names)
        self.caps = {dc: power_cap_mw(frames[dc]) for dc in self.names
                     if power_cap_mw(frames[dc]) is not None}
        self.columns = {}
        for _stem, _ylabel, panels in RUN_FIGURES:
            for _title, series in panels:
                for suffix, dataset, convert in series:
                    for dc in self.names:
                        self.columns[(dc, suffix)] = convert(
                            read_series(frames, path, dc, dataset), interval_s)

    def column_name(self, dc, suffix):
        """`<dc>:<suffix>`, prefixed with `A:` or `B:` when runs are overlaid."""
        name = "{}:{}".format(dc, suffix)
        return "{}:{}".format(self.tag, name) if self.tag else name

    def label(self, dc):
        """A legend entry: the datacenter, and the run's tag when overlaid."""
        return "{} ({})".format(dc, self.tag) if self.tag else dc


def utc_text(times):
    """UTC times as ISO 8601 text, `2022-01-01T00:00:00Z`."""
    return [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]


def date_axis(ax):
    """Dates on the x axis: ticks and labels that suit the span (matplotlib's concise form)."""
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def plot_run_figure(out_dir, stem, ylabel, panels, runs):
    """Draw one run figure (a panel per entry of `panels`) and write its CSV.

    One run: a line per datacenter. Two runs (overlaid): A solid, B dashed, a datacenter
    in the same colour in both. A datacenter's power cap is a dotted horizontal line on
    the facility power panel.
    """
    fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                             figsize=(10, 3.2 * len(panels) + 0.8))
    # The rows: the union of the runs' interval starts (the same for one run).
    times = runs[0].times
    for run in runs[1:]:
        times = times.union(run.times)
    colours = {}
    for run in runs:
        for dc in run.names:
            colours.setdefault(dc, "C{}".format(len(colours) % 10))
    styles = ["-", "--"]
    header = ["time_d", "time_utc"]
    data = [np.asarray((times - runs[0].epoch).total_seconds(), dtype=np.float64)
            / SECONDS_PER_DAY, None]
    for (title, series), ax in zip(panels, axes[:, 0]):
        for suffix, _dataset, _convert in series:
            for run, style in zip(runs, styles):
                for dc in run.names:
                    values = run.columns[(dc, suffix)]
                    ax.plot(run.times, values, drawstyle="steps-post", linewidth=1.0,
                            linestyle=style, color=colours[dc], label=run.label(dc))
                    header.append(run.column_name(dc, suffix))
                    data.append(pd.Series(values, index=run.times).reindex(times).to_numpy())
            if suffix == "facility_power_mw":
                for run, style in zip(runs, styles):
                    for dc in run.names:
                        if dc not in run.caps:
                            continue
                        ax.axhline(run.caps[dc], color=colours[dc], linestyle=":",
                                   linewidth=1.2, label="{} power cap".format(run.label(dc)))
                        header.append(run.column_name(dc, "power_cap_mw"))
                        data.append(np.where(times.isin(run.times), run.caps[dc], math.nan))
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        date_axis(ax)
    axes[0, 0].legend(fontsize="small", loc="best")
    axes[-1, 0].set_xlabel("time (UTC)")
    if len(runs) > 1:
        fig.suptitle("; ".join("{}: {} (scenario {}){}".format(
            run.tag, os.path.basename(run.path), run.scenario,
            ", solid" if style == "-" else ", dashed") for run, style in zip(runs, styles)),
            fontsize="medium")
    fig.tight_layout()
    save_figure(fig, os.path.join(out_dir, stem + ".png"))
    utc = utc_text(times)
    rows = [[fmt_float(data[0][k]), utc[k]] + [fmt_float(col[k]) for col in data[2:]]
            for k in range(len(times))]
    write_csv(os.path.join(out_dir, stem + ".csv"), header, rows)


def load_runs(path, overlay, wanted):
    """The runs to draw: the trace alone, or the trace (A) and the overlay (B).

    Overlaid, `wanted` datacenters must be in A; B keeps those of them it has.
    """
    if overlay is None:
        return [Run(path, wanted, "")]
    a = Run(path, wanted, "A")
    return [a, guarded_read(overlay, "trace", load_overlay, overlay, a.names)]


def load_overlay(path, names):
    """The overlaid trace (B), with those of `names` (A's datacenters) it has."""
    trace = open_footprint(path, "trace", "sweep")
    wanted = [n for n in trace.datacenters() if n in names]
    if not wanted:
        raise UserError(path, "has none of the datacenters plotted from the first trace ({})"
                        .format(", ".join(names)))
    return Run(path, wanted, "B")


def cmd_run(args):
    """`plot.py run`: the four time-series figures of a run trace (two, overlaid)."""
    runs = guarded_read(args.trace, "trace", load_runs, args.trace, args.overlay,
                        args.datacenter)
    make_out_dir(args.out)
    for stem, ylabel, panels in RUN_FIGURES:
        guarded_write(args.out, plot_run_figure, args.out, stem, ylabel, panels, runs)
        print("wrote", os.path.join(args.out, stem + ".png"), "and .csv")


# ----------------------------------------------------------------------- sweep mode


def as_list(value):
    """An attribute that is a list of strings (one string alone if a single one)."""
    return [value] if isinstance(value, str) else list(value)


def read_index(path):
    """The /points table (a DataFrame), its units by column, the axis column names, each
    axis's group (its zipped group's name, or itself) and the replicas per point."""
    index = open_footprint(path, "index", "run")
    points = index.points()
    units = points.attrs["units"]
    axes = as_list(index.attrs.get("axes", []))
    for a in axes:
        if a not in points.columns:
            raise UserError(path, "axis {!r} (root attribute `axes`) is not a column of "
                                  "/points".format(a))
    groups = as_list(index.attrs.get("axis_groups", axes))
    group_of = {a: (groups[i] if i < len(groups) else a) for i, a in enumerate(axes)}
    return points, units, axes, group_of, int(index.attrs.get("replicas", 1))


def pooled_axes(axes, group_of, shown, replicas):
    """What each plotted value pools: the axis groups other than those of `shown` (the x
    axis and the --group-by axis), in order, then "replicas" when there are several."""
    shown_groups = {group_of[a] for a in shown if a}
    pooled = []
    for a in axes:
        g = group_of[a]
        if g not in shown_groups and g not in pooled:
            pooled.append(g)
    if replicas > 1:
        pooled.append("replicas")
    return pooled


def metric_columns(points, axes):
    """Columns usable as a metric: numeric, not an axis nor point/replica/seed."""
    return [n for n in points.columns
            if n not in axes and n not in BOOKKEEPING_COLUMNS
            and points[n].dtype.kind in "fiu"]


def choose_column(path, what, name, valid):
    """Return `name` if it is in `valid`, else raise UserError listing the valid ones."""
    if name not in valid:
        raise UserError(path, "unknown {} {!r}; valid: {}".format(
            what, name, ", ".join(valid) if valid else "(none)"))
    return name


def parse_axis_values(strings):
    """How to place an axis's values on x.

    Returns (numeric, order, unit): if every value is a number followed by the same
    (possibly empty) text, numeric is a dict value -> float, order the distinct values
    by that number, and unit the common text; otherwise numeric is None, order the
    distinct values in order of first appearance and unit "".
    """
    distinct = list(dict.fromkeys(strings))
    numeric, suffixes = {}, set()
    for s in distinct:
        m = LEADING_NUMBER.match(s)
        if m is None:
            return None, distinct, ""
        numeric[s] = float(m.group(1))
        suffixes.add(m.group(2).strip())
    if len(suffixes) > 1:
        return None, distinct, ""
    order = sorted(distinct, key=lambda s: (numeric[s], distinct.index(s)))
    return numeric, order, suffixes.pop() if suffixes else ""


def summarise(points, metric, axis, group_by):
    """Rows (group, x string, mean, low, high, n), grouped by `group_by` then by x.

    Values of x with the same number (numeric axes) are merged.
    """
    xs = [text(v) for v in points[axis]]
    numeric, x_order, _unit = parse_axis_values(xs)
    if group_by:
        gs = [text(v) for v in points[group_by]]
        _gnum, g_order, _gunit = parse_axis_values(gs)
    else:
        gs, g_order = [""] * len(xs), [""]
    key = (lambda s: numeric[s]) if numeric is not None else (lambda s: s)
    values = np.asarray(points[metric], dtype=np.float64)
    rows, seen = [], set()
    for g in g_order:
        for x in x_order:
            if (g, key(x)) in seen:
                continue
            seen.add((g, key(x)))
            sel = [k for k in range(len(xs)) if gs[k] == g and key(xs[k]) == key(x)]
            if sel:
                mean, low, high, n = mean_ci95(values[sel])
                rows.append((g, x, mean, low, high, n))
    return rows, numeric


def label_with_unit(name, unit):
    """An axis label: `name (unit)`, or `name` without a unit."""
    return "{} ({})".format(name, unit) if unit else name


def sanitise(name):
    """A file-name-safe form of a column or key path."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "axis"


def plot_sweep_figure(out_path, rows, numeric, x_label, y_label, group_by, pooled):
    """Draw the sweep figure: a line with 95 % CI error bars per group."""
    fig, ax = plt.subplots(figsize=(8, 5))
    categories = list(dict.fromkeys(r[1] for r in rows))
    groups = list(dict.fromkeys(r[0] for r in rows))
    for i, g in enumerate(groups):
        mine = [r for r in rows if r[0] == g]
        x = np.array([numeric[r[1]] if numeric is not None else categories.index(r[1])
                      for r in mine], dtype=np.float64)
        mean = np.array([r[2] for r in mine], dtype=np.float64)
        low = np.array([r[3] for r in mine], dtype=np.float64)
        high = np.array([r[4] for r in mine], dtype=np.float64)
        color = "C{}".format(i % 10)
        ax.plot(x, mean, marker="o", color=color,
                label="{} = {}".format(group_by, g) if group_by else None)
        has_bar = np.isfinite(low) & np.isfinite(high)  # n = 1: no bar
        if has_bar.any():
            ax.errorbar(x[has_bar], mean[has_bar], fmt="none", capsize=4, ecolor=color,
                        yerr=[mean[has_bar] - low[has_bar], high[has_bar] - mean[has_bar]])
    if numeric is None:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories, rotation=30 if len(categories) > 4 else 0, ha="right"
                           if len(categories) > 4 else "center")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.grid(True, alpha=0.3)
    if group_by:
        ax.legend(fontsize="small", loc="best")
    title = "mean and 95 % confidence interval; pooled: {}".format(
        ", ".join(pooled) if pooled else "nothing (one point per value)")
    ax.set_title("\n".join(textwrap.wrap(title, 90)), fontsize="medium")
    fig.tight_layout()
    save_figure(fig, out_path)


def load_index(path):
    """Read a sweep index: read_index's (/points rows, units, axes, groups, replicas)."""
    return read_index(path)


def write_sweep_csv(path, rows, numeric):
    """The sweep CSV: group, x (a number for a numeric axis), mean, CI, n."""
    write_csv(path, ["group", "x", "mean", "ci95_low", "ci95_high", "n"],
              [[g, fmt_float(numeric[x]) if numeric is not None else x, fmt_float(mean),
                fmt_float(low), fmt_float(high), str(n)]
               for g, x, mean, low, high, n in rows])


def cmd_sweep(args):
    """`plot.py sweep`: a metric against an axis of a sweep index."""
    path = args.index
    points, units, axes, group_of, replicas = guarded_read(path, "sweep index", load_index,
                                                           path)
    metric = choose_column(path, "metric", args.metric, metric_columns(points, axes))
    axis = choose_column(path, "axis", args.axis, axes)
    group_by = None
    if args.group_by is not None:
        group_by = choose_column(path, "--group-by axis", args.group_by, axes)
        if group_by == axis:
            raise UserError(path, "--group-by {!r} is the same as --axis".format(group_by))
    if len(points) == 0:
        raise UserError(path, "/points has no rows")
    rows, numeric = summarise(points, metric, axis, group_by)
    _n, _order, parsed_unit = parse_axis_values([text(v) for v in points[axis]])
    x_unit = units.get(axis, "") or (parsed_unit if numeric is not None else "")
    make_out_dir(args.out)
    stem = os.path.join(args.out, "{}_vs_{}".format(sanitise(metric), sanitise(axis)))
    pooled = pooled_axes(axes, group_of, (axis, group_by), replicas)
    guarded_write(args.out, plot_sweep_figure, stem + ".png", rows, numeric,
                  label_with_unit(axis, x_unit), label_with_unit(metric, units.get(metric, "")),
                  group_by, pooled)
    guarded_write(args.out, write_sweep_csv, stem + ".csv", rows, numeric)
    print("wrote", stem + ".png", "and .csv; pooled:", ", ".join(pooled) if pooled else "nothing")


def axis_choices(axes, group_of):
    """The names an AXIS option accepts: the axis paths, then the zipped groups' names."""
    names = list(axes)
    for a in axes:
        if group_of[a] != a and group_of[a] not in names:
            names.append(group_of[a])
    return names


def axis_values(points, axes, group_of, name):
    """Each point's value of an axis path, or of a zipped group (its paths' values joined
    by "; ", as `footprint report --where` spells them)."""
    paths = [name] if name in axes else [a for a in axes if group_of[a] == name]
    return ["; ".join(text(points[a].iloc[k]) for a in paths) for k in range(len(points))]


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def plot_scatter_figure(out_path, rows, x_label, y_label, group_by, style_by, label_by,
                        left_out):
    """Draw the scatter figure: a marker per point, coloured by group, shaped by style; the
    legend (below the axes) names the colours and the shapes apart."""
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(8, 6))
    groups = list(dict.fromkeys(r[1] for r in rows))
    styles = list(dict.fromkeys(r[2] for r in rows))
    for r in rows:
        ax.scatter(r[4], r[5], s=48, alpha=0.85, color="C{}".format(groups.index(r[1]) % 10),
                   marker=MARKERS[styles.index(r[2]) % len(MARKERS)], zorder=3)
    if label_by:
        # Points drawn at the same place share one label ("64, 256"), not overprinted ones.
        at = {}
        for r in rows:
            at.setdefault((r[4], r[5]), [])
            if r[3] not in at[(r[4], r[5])]:
                at[(r[4], r[5])].append(r[3])
        for (x, y), labels in at.items():
            ax.annotate(" | ".join(labels) if len(label_by) > 1 else ", ".join(labels), (x, y),
                        textcoords="offset points", xytext=(6, 4), fontsize="x-small",
                        alpha=0.8)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.grid(True, alpha=0.3)
    # The legend: the colours in one column, the shapes in the next.
    columns = []
    if group_by:
        columns.append([Line2D([], [], linestyle="none", marker="o", color="C{}".format(i % 10),
                               label="{} = {}".format(group_by, g))
                        for i, g in enumerate(groups)])
    if style_by:
        columns.append([Line2D([], [], linestyle="none", color="0.35",
                               marker=MARKERS[i % len(MARKERS)],
                               label="{} = {}".format(style_by, st))
                        for i, st in enumerate(styles)])
    if columns:
        height = max(len(c) for c in columns)
        handles = [h for c in columns
                   for h in c + [Line2D([], [], linestyle="none", label=" ")] * (height - len(c))]
        ax.legend(handles=handles, fontsize="small", loc="upper center",
                  bbox_to_anchor=(0.5, -0.13), ncol=len(columns), frameon=False)
    title = "one marker per point ({})".format(len(rows))
    if label_by:
        title += "; beside each: " + ", ".join(label_by)
    if left_out:
        title += "; {} left out (NaN)".format(left_out)
    ax.set_title("\n".join(textwrap.wrap(title, 90)), fontsize="medium")
    fig.tight_layout()
    save_figure(fig, out_path)


def write_scatter_csv(path, rows, x_name, y_name):
    """The scatter CSV: one row per point drawn."""
    write_csv(path, ["point", "group", "style", "label", x_name, y_name],
              [[str(p), g, st, lab, fmt_float(x), fmt_float(y)] for p, g, st, lab, x, y in rows])


def cmd_scatter(args):
    """`plot.py scatter`: one metric against another, a marker per point of a sweep."""
    path = args.index
    points, units, axes, group_of, _replicas = guarded_read(path, "sweep index", load_index,
                                                            path)
    metrics = metric_columns(points, axes)
    x = choose_column(path, "metric (--x)", args.x, metrics)
    y = choose_column(path, "metric (--y)", args.y, metrics)
    choices = axis_choices(axes, group_of)
    group_by = choose_column(path, "--group-by axis", args.group_by, choices) \
        if args.group_by is not None else None
    style_by = choose_column(path, "--style-by axis", args.style_by, choices) \
        if args.style_by is not None else None
    label_by = [choose_column(path, "--label axis", a, choices) for a in (args.label or [])]
    n = len(points)
    gs = axis_values(points, axes, group_of, group_by) if group_by else [""] * n
    ss = axis_values(points, axes, group_of, style_by) if style_by else [""] * n
    labels = [axis_values(points, axes, group_of, a) for a in label_by]
    xs = np.asarray(points[x], dtype=np.float64)
    ys = np.asarray(points[y], dtype=np.float64)
    numbers = points["point"] if "point" in points.columns else range(n)
    rows = [(int(numbers.iloc[k]) if hasattr(numbers, "iloc") else k, gs[k], ss[k],
             ", ".join(lab[k] for lab in labels), float(xs[k]), float(ys[k]))
            for k in range(n) if np.isfinite(xs[k]) and np.isfinite(ys[k])]
    if not rows:
        raise UserError(path, "no point has both {} and {} (all NaN)".format(x, y))
    make_out_dir(args.out)
    stem = os.path.join(args.out, "{}_vs_{}".format(sanitise(y), sanitise(x)))
    guarded_write(args.out, plot_scatter_figure, stem + ".png", rows,
                  label_with_unit(x, units.get(x, "")), label_with_unit(y, units.get(y, "")),
                  group_by, style_by, label_by, n - len(rows))
    guarded_write(args.out, write_scatter_csv, stem + ".csv", rows, x, y)
    print("wrote", stem + ".png", "and .csv;", len(rows), "points drawn,", n - len(rows),
          "left out (NaN)")


# ---------------------------------------------------------------------------- main


def parse_args(argv):
    """The command line (argparse exits 2 on a usage error)."""
    parser = argparse.ArgumentParser(
        prog="plot.py", description="Plots and CSV data from Footprint traces and sweeps.")
    sub = parser.add_subparsers(dest="command", metavar="{run,sweep,scatter}")
    sub.required = True
    run = sub.add_parser("run", help="time series of a run trace")
    run.add_argument("trace", metavar="TRACE.h5")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder")
    run.add_argument("--datacenter", action="append", metavar="NAME",
                     help="only this datacenter (repeatable; default all)")
    run.add_argument("--overlay", metavar="B.h5",
                     help="a second trace drawn over the first (dashed), for comparison")
    sweep = sub.add_parser("sweep", help="a metric against an axis of a sweep index")
    sweep.add_argument("index", metavar="INDEX.h5")
    sweep.add_argument("--metric", required=True, metavar="COL", help="a column of /points")
    sweep.add_argument("--axis", required=True, metavar="AXISPATH", help="an axis column")
    sweep.add_argument("--group-by", metavar="AXISPATH", help="one line per value of this axis")
    sweep.add_argument("--out", required=True, metavar="DIR", help="output folder")
    scatter = sub.add_parser("scatter", help="a metric against another, a marker per point")
    scatter.add_argument("index", metavar="INDEX.h5")
    scatter.add_argument("--x", required=True, metavar="COL", help="a metric column of /points")
    scatter.add_argument("--y", required=True, metavar="COL", help="a metric column of /points")
    scatter.add_argument("--group-by", metavar="AXIS", help="colour by this axis (or group)")
    scatter.add_argument("--style-by", metavar="AXIS", help="marker shape by this axis")
    scatter.add_argument("--label", action="append", metavar="AXIS",
                         help="write this axis's value beside each marker (repeatable)")
    scatter.add_argument("--out", required=True, metavar="DIR", help="output folder")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the command; user errors go to stderr with exit code 2."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "run":
            cmd_run(args)
        elif args.command == "scatter":
            cmd_scatter(args)
        else:
            cmd_sweep(args)
    except UserError as e:
        print("plot.py: error: {}".format(e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
