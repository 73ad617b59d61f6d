#!/usr/bin/python3
"""Reference figures of a Footprint trace: extract them, store them, check a trace against them.

  reference.py extract TRACE.h5                 the figures as JSON, on stdout
  reference.py write TRACE.h5 REFERENCE.json    store them
  reference.py check TRACE.h5 REFERENCE.json    compare; exit 1 on any difference

Figures are a flat dict {path: number}: "root/horizon_s", "summary/energy_j",
"summary/fifo/energy_j", "datacenters/<name>/<attribute>",
"datacenters/<name>/series/<dataset>/{sum,max,nan_count,moment}",
"classes/<class>/{jobs,<column>}" (sums over the class's jobs, NaN left out),
"jobs/<name>/<column>" (only for traces of at most MAX_JOBS jobs),
"predicted/<job>/<attribute>" and "predicted/<job>/<table>/<phase>/<column>".
Floats agree when within RELATIVE of each other (or ABSOLUTE, for values near zero);
integers (counts) must be equal; NaN equals NaN. tests/reference/README.md has the rules.

Only the reader functions (marked below) know the trace's layout (docs/trace-format.md);
they read it through analysis/footprint_trace.py, which reads format versions 1 and 2 alike.
The figures are those of format 1: format 2's coordinates (`time`, `time_bounds`, `nv`,
the `job` row number, which footprint_trace leaves out) and its new attributes
(V2_ONLY_ATTRIBUTES; its new strings and arrays are not numbers anyway) are not figures,
so a format 2 trace gives the same figures as a format 1 trace of the same run.
"""
import argparse
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analysis"))
import footprint_trace  # noqa: E402  (analysis/footprint_trace.py)

RELATIVE = 1e-9
ABSOLUTE = 1e-9
MAX_JOBS = 1000
LISTED = "(listed)"  # the class of jobs the generator did not make
GENERATED_NAME = re.compile(r"^(.*)-\d{7}$")  # <class>-<7-digit index>
# Numeric attributes format 2 added, per group kind: not figures (the references predate
# them). accelerator_counts and accelerator_has_embodied, arrays, are not numbers (a
# one-type inventory's too: footprint_trace decodes it as a list) and are left out anyway.
V2_ONLY_ATTRIBUTES = {"datacenters": {"power_cap_w", "accelerator_counts",
                                      "accelerator_has_embodied"}}
# Figures added after some references were stored (power limits: docs/power-limits.md): a
# reference without them is not checked on them; one that has them is. Matched by the
# last component of the path (the column or attribute).
ADDED_FIGURES = {"power_limit_w", "clock", "slack_saving_bubble_j",
                 "slack_saving_communication_j"}


# --- Reading the trace: the only code that knows its layout. ---------------------------


def text(value):
    """A string attribute or cell, whether h5py gives bytes (fixed-length) or str."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def number(value):
    """A numeric scalar as a Python int or float; None for anything else (strings)."""
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return None


def numeric_attrs(attrs, ignored=()):
    """{name: number} of the scalar numeric attributes of a decoded attribute dict."""
    out = {}
    for name, value in attrs.items():
        n = number(value)
        if n is not None and name not in ignored:
            out[name] = n
    return out


def read_root(trace):
    return numeric_attrs(trace.attrs)  # seed, epoch, interval, horizon; provenance strings left out


def read_summary(trace):
    """{"summary": attrs, "summary/fifo": attrs, ...}: the group and its subgroups."""
    summary = trace.summary()
    groups = {"summary": numeric_attrs(summary)}
    for name, sub in summary.items():
        if isinstance(sub, dict):
            groups[f"summary/{name}"] = numeric_attrs(sub)
    return groups


def read_datacenters(trace):
    """{name: (attrs, {series name: 1-D float array})}."""
    out = {}
    for name in trace.datacenters():
        frame = trace.datacenter(name)
        series = {s: frame[s].to_numpy() for s in frame.columns}
        out[name] = (numeric_attrs(frame.attrs["metadata"], V2_ONLY_ATTRIBUTES["datacenters"]),
                     series)
    return out


def read_table(frame, key):
    """(the text column `key` as a list of str, {numeric column: array}) of a table."""
    columns = {c: frame[c].to_numpy() for c in frame.columns if frame[c].dtype.kind in "iuf"}
    return [text(v) for v in frame[key]], columns


def read_jobs(trace):
    return read_table(trace.jobs(), "name")


def read_predicted(trace):
    """{job: (attrs, {table name: (phases, columns)})}; empty without step predictions."""
    out = {}
    for job, predicted in trace.predicted().items():
        tables = {t: read_table(frame, "phase") for t, frame in predicted["tables"].items()}
        out[job] = (numeric_attrs(predicted["attrs"]), tables)
    return out


# --- Figures from what was read. --------------------------------------------------------


def prefixed(prefix, values):
    return {f"{prefix}/{k}": v for k, v in values.items()}


def series_figures(values):
    """A fingerprint of one time series: totals, peak, gaps, and where in time it lies."""
    present = ~np.isnan(values)
    kept = values[present]
    return {
        "sum": float(kept.sum()),
        "max": float(kept.max()) if kept.size else math.nan,
        "nan_count": int((~present).sum()),
        "moment": float((np.flatnonzero(present) * kept).sum()),  # sum of k x value_k
    }


def datacenter_figures(datacenters):
    out = {}
    for name, (attrs, series) in datacenters.items():
        out.update(prefixed(f"datacenters/{name}", attrs))
        for s, values in series.items():
            out.update(prefixed(f"datacenters/{name}/series/{s}", series_figures(values)))
    return out


def supply_figures(trace):
    """datacenters/<name>/supply/<attribute> and .../supply/series/<s>/...: the hourly supply
    accounting of the datacenters that have one."""
    out = {}
    for name in trace.datacenters():
        frame = trace.supply(name)
        if frame is None:
            continue
        out.update(prefixed(f"datacenters/{name}/supply", numeric_attrs(frame.attrs["metadata"])))
        for s in frame.columns:
            out.update(prefixed(f"datacenters/{name}/supply/series/{s}",
                                series_figures(frame[s].to_numpy(dtype=float))))
    return out


def job_class(name):
    match = GENERATED_NAME.match(name)
    return match.group(1) if match else LISTED


def class_figures(names, columns):
    """Per job class: the number of jobs and each numeric column's sum (NaN left out)."""
    classes = np.array([job_class(n) for n in names])
    out = {}
    for c in sorted(set(classes)):
        mask = classes == c
        out[f"classes/{c}/jobs"] = int(mask.sum())
        for col, values in columns.items():
            out[f"classes/{c}/{col}"] = number(np.nansum(values[mask]))
    return out


def row_keys(names):
    """Job names as keys; a name used more than once gets its row number."""
    counts = Counter(names)
    return [n if counts[n] == 1 else f"{n}#{i}" for i, n in enumerate(names)]


def job_figures(names, columns):
    out = {}
    for i, key in enumerate(row_keys(names)):
        for col, values in columns.items():
            out[f"jobs/{key}/{col}"] = number(values[i])
    return out


def predicted_figures(predicted):
    out = {}
    for job, (attrs, tables) in predicted.items():
        out.update(prefixed(f"predicted/{job}", attrs))
        for table, (phases, columns) in tables.items():
            for i, phase in enumerate(phases):
                for col, values in columns.items():
                    out[f"predicted/{job}/{table}/{phase}/{col}"] = number(values[i])
    return out


def service_figures(trace):
    """services/<name>/<attribute>, services/<name>/series/<s>/..., and the sums of the
    request rows' columns."""
    out = {}
    for name, s in trace.services().items():
        out.update(prefixed(f"services/{name}", numeric_attrs(s["attrs"])))
        for col in s["series"].columns:
            out.update(prefixed(f"services/{name}/series/{col}",
                                series_figures(s["series"][col].to_numpy(dtype=float))))
        for col in s["requests"].columns:
            values = s["requests"][col].to_numpy(dtype=float)
            out[f"services/{name}/requests/{col}"] = float(np.nansum(values))
    return out


def extract(trace):
    """The reference figures of one trace file, as {"scenario": name, "figures": {...}}."""
    f = footprint_trace.open(trace, "trace")
    figures = prefixed("root", read_root(f))
    for group, attrs in read_summary(f).items():
        figures.update(prefixed(group, attrs))
    figures.update(datacenter_figures(read_datacenters(f)))
    figures.update(supply_figures(f))
    names, columns = read_jobs(f)
    figures.update(class_figures(names, columns))
    if len(names) <= MAX_JOBS:
        figures.update(job_figures(names, columns))
    figures.update(predicted_figures(read_predicted(f)))
    figures.update(service_figures(f))
    return {"scenario": text(f.attrs["scenario_name"]), "figures": figures}


# --- Storing and comparing. -------------------------------------------------------------


def is_nan(value):
    return isinstance(value, float) and math.isnan(value)


def dumps(reference):
    """JSON, keys sorted, one figure per line; NaN is written as null."""
    figures = {k: (None if is_nan(v) else v) for k, v in reference["figures"].items()}
    return json.dumps({**reference, "figures": figures}, indent=1, sort_keys=True) + "\n"


def load(path):
    reference = json.loads(Path(path).read_text())
    reference["figures"] = {k: (math.nan if v is None else v) for k, v in reference["figures"].items()}
    return reference


def relative_difference(a, b):
    if is_nan(a) or is_nan(b):
        return 0.0 if is_nan(a) and is_nan(b) else math.inf
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale else 0.0


def agree(stored, got):
    """Integers exactly; floats within RELATIVE, or ABSOLUTE near zero; NaN equals NaN."""
    if isinstance(stored, int) and isinstance(got, int):
        return stored == got
    if is_nan(stored) or is_nan(got):
        return is_nan(stored) and is_nan(got)
    return abs(stored - got) <= max(RELATIVE * max(abs(stored), abs(got)), ABSOLUTE)


def differences(stored, got):
    """Lines describing every figure that differs or is only on one side."""
    lines = []
    if stored["scenario"] != got["scenario"]:
        lines.append(f"scenario: stored {stored['scenario']!r}, got {got['scenario']!r}")
    a, b = stored["figures"], got["figures"]
    if not any(p.rsplit("/", 1)[-1] in ADDED_FIGURES for p in a):
        b = {p: v for p, v in b.items() if p.rsplit("/", 1)[-1] not in ADDED_FIGURES}
    for path in sorted(a.keys() | b.keys()):
        if path not in b:
            lines.append(f"{path}: stored {a[path]!r}, not in the trace")
        elif path not in a:
            lines.append(f"{path}: in the trace ({b[path]!r}), not stored")
        elif not agree(a[path], b[path]):
            rel = relative_difference(a[path], b[path])
            lines.append(f"{path}: stored {a[path]!r}, got {b[path]!r}, relative difference {rel:.3g}")
    return lines


def check(trace, reference_path):
    name = Path(reference_path).stem
    stored, got = load(reference_path), extract(trace)
    lines = differences(stored, got)
    for line in lines:
        print(f"FAIL {name}: {line}")
    if lines:
        print(f"FAIL {name}: {len(lines)} differences against {len(stored['figures'])} stored figures "
              f"(tests/reference/README.md: scripts/update-references after a deliberate change)")
        return 1
    print(f"ok {name}: {len(stored['figures'])} figures within {RELATIVE:g}")
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract").add_argument("trace")
    for command in ("write", "check"):
        p = sub.add_parser(command)
        p.add_argument("trace")
        p.add_argument("reference")
    args = parser.parse_args(argv)
    if args.command == "extract":
        sys.stdout.write(dumps(extract(args.trace)))
        return 0
    if args.command == "write":
        Path(args.reference).write_text(dumps(extract(args.trace)))
        return 0
    return check(args.trace, args.reference)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
