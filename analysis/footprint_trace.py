"""Read Footprint run traces and sweep indexes (format versions 1 and 2) as pandas.

Needs h5py, numpy and pandas (Debian's /usr/bin/python3 has them); not xarray. From a
checkout, or beside an installed plot.py (share/footprint/):

    import sys; sys.path.insert(0, "analysis")    # the folder holding footprint_trace.py
    import footprint_trace as ft

    t = ft.open("run.h5")                 # TraceError unless a Footprint trace or index
    t.format_version, t.epoch             # "2", Timestamp('2022-01-01 00:00:00+0000', tz='UTC')
    t.attrs["scenario_name"]              # root attributes: str, int, float, list
    t.datacenters()                       # names in scenario order (attribute `index`)
    dc = t.datacenter("ca-1")             # the series, indexed by UTC time (epoch + time_s)
    dc["facility_energy_j"].sum()         # J
    dc.attrs["units"]["pue"], dc.attrs["metadata"]["region"]
    dc["facility_power_w"].resample("1D").mean()
    jobs = t.jobs()                       # one row per job, index `job` (the row, from 0)
    jobs.groupby("datacenter")["energy_j"].sum()
    t.summary()["energy_j"]               # /summary attributes; t.summary()["comparison"] if any
    t.regions()                           # {region: attributes} (format 2; {} in format 1)
    t.predicted()["gpt3"]["tables"]["phases"]   # time and energy by phase (energy_j, J)
    t.predicted_jobs().loc["gpt3", ["expected_mfu", "mfu", "error_band"]]

    ix = ft.open("sweep/index.h5")        # a sweep index (docs/sweeps.md)
    ix.kind, ix.points()                  # "index", one row per point present

Both format versions give the same frames, values and units, with these rules:

- Strings are `str` (format 1 stores fixed-length bytes, format 2 variable-length UTF-8).
- Attributes: numbers as int or float, strings as str, arrays as lists.
- `datacenter(name)`: every 1-D series of the group (`time_s` included) as a float64
  column, in the file's order (format 1: alphabetical; format 2: as written); format 2's
  coordinates `time`, `time_bounds` and `nv` are left out (the index is the time). The
  index is a tz-aware UTC DatetimeIndex named `time`: epoch + `time_s`.
- Tables (`jobs()`, `points()`, the `predicted` tables): the columns of format 1's
  compound table, in its order; format 2's row coordinate `job` (0..n-1) is not a column:
  `jobs()` is indexed by a RangeIndex named `job` in both versions, the other tables by a
  plain RangeIndex (their format 2 coordinate, `phase` or `point`, is a column of format 1
  too and stays a column). `df.attrs["units"]`: {column: unit}, `""` for text.
- Predicted jobs (`/predicted/<job>`): `predicted()` gives each job's attributes as written
  and its tables; `predicted_jobs()` one row per job, a column per attribute
  (PREDICTED_ATTRIBUTES first, in the file's order, then any other). Fields added to format
  2 later (docs/trace-format.md, "Additions to format 2": `context`, `virtual_stages`,
  `compute`, `recompute`, `attention_scores`, `attention_dropout`, `routing_groups`,
  `routing_group_limit`, `dispatch_copies`, `dispatch_format`, `dispatch_overlap`, `shard`,
  `shard_group`, `offload_layers`,
  `expected_mfu`, `error_band`, `borrowed_from`, `mfu`; the tables' `energy_j` and
  `energy_fraction`) are absent from traces written before them: missing from `predicted()`'s dicts and frames, NaN (None for
  text) in `predicted_jobs()`. MFU and the error band are fractions (0.4 = 40 %);
  `energy_j` of `phases` is J over the run, all the job's devices, and sums to the job's
  `energy_j`; `energy_j` of `expected_step` is J per step.
- The design peak of each datacenter (docs/trace-format.md, "Additions to format 2"):
  `datacenter(name).attrs["metadata"]` holds `design_peak_facility_power_w` (W),
  `design_peak_time_s` (s) and `design_peak_warning` (str, empty unless the weather is
  not valid for extremes); traces written before it lack the three keys.
"""

import os

import h5py
import numpy as np
import pandas as pd

__all__ = ["open", "Trace", "TraceError", "WrongKindError", "FORMAT_VERSIONS", "INDEX_KIND",
           "PREDICTED_ATTRIBUTES"]

FORMAT_VERSIONS = ("1", "2")
INDEX_KIND = "footprint-sweep-index"
# Format 2's coordinates of /datacenters/<name>: not series.
DATACENTER_COORDINATES = ("time", "time_bounds", "nv")
# Format 2's row-number coordinate of /jobs: not a column of format 1's table.
JOB_DIMENSION = "job"
# /predicted/<job> attributes as the current writer orders them (docs/trace-format.md):
# the columns of predicted_jobs(), each present even when a trace lacks it. Text ones are
# None when missing, numbers NaN.
PREDICTED_ATTRIBUTES = (
    "job", "data", "tensor", "pipeline", "expert", "microbatches", "context",
    "virtual_stages", "auto_layout", "compute", "recompute", "attention_scores",
    "attention_dropout", "routing_groups", "routing_group_limit", "dispatch_copies",
    "dispatch_format", "dispatch_overlap", "shard", "shard_group", "offload_layers",
    "parameters", "active_parameters", "flops_per_step", "tokens_per_step",
    "expected_step_s", "expected_mfu", "error_band", "borrowed_from", "seconds", "energy_j",
    "mean_step_s", "max_step_s", "dropped_token_fraction", "mfu")
PREDICTED_TEXT_ATTRIBUTES = ("compute", "recompute", "attention_scores", "dispatch_copies",
                             "dispatch_format", "shard", "borrowed_from")


class TraceError(Exception):
    """A file that cannot be read as asked: `PATH: message`."""

    def __init__(self, path, message):
        super().__init__("{}: {}".format(path, message))
        self.path = path
        self.message = message


class WrongKindError(TraceError):
    """A sweep index opened as a run trace, or the other way round."""


def text(value):
    """An HDF5 string (fixed-length bytes or variable-length str) as str."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    return str(value)


def decode(value):
    """An attribute value as Python: str, int, float, bool, or a list of those."""
    if isinstance(value, (bytes, np.bytes_, str)):
        return text(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return decode(value[()])
        return [decode(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


def decode_attrs(obj):
    """{name: value} of an HDF5 object's attributes, decoded, in the file's order."""
    return {name: decode(value) for name, value in obj.attrs.items()}


def _column(dataset):
    """A 1-D dataset's values; strings as an object array of str."""
    if dataset.dtype.kind == "S":
        return _strings(dataset[()])
    if h5py.check_string_dtype(dataset.dtype) is not None:
        return np.asarray(dataset.asstr()[()], dtype=object)
    return dataset[()]


def _strings(array):
    """A fixed-length bytes array as an object array of str."""
    out = np.empty(len(array), dtype=object)
    out[:] = [v.decode("utf-8") for v in np.asarray(array).tolist()]
    return out


def _series(g):
    """({name: float64 array}, {name: unit}) of a group's 1-D series, coordinates left out."""
    columns, units = {}, {}
    for key, ds in g.items():
        if not isinstance(ds, h5py.Dataset) or key in DATACENTER_COORDINATES or ds.ndim != 1:
            continue
        columns[key] = np.asarray(ds[()], dtype=np.float64)
        units[key] = text(ds.attrs["units"]) if "units" in ds.attrs else ""
    return columns, units


def _table(obj, path, row_dimension=None):
    """A table as a DataFrame: a compound dataset (format 1) or a group (format 2).

    `row_dimension` names format 2's row-number coordinate, left out of the columns.
    """
    columns, units = {}, {}
    if isinstance(obj, h5py.Group):
        for name, ds in obj.items():
            if not isinstance(ds, h5py.Dataset) or name == row_dimension:
                continue
            columns[name] = _column(ds)
            units[name] = text(ds.attrs["units"]) if "units" in ds.attrs else ""
    else:
        rows = obj[()]
        names = rows.dtype.names
        for name in names:
            col = rows[name]
            columns[name] = _strings(col) if col.dtype.kind == "S" else np.ascontiguousarray(col)
        raw = [text(u) for u in obj.attrs["units"]] if "units" in obj.attrs else [""] * len(names)
        if len(raw) != len(names):
            raise TraceError(path, "{} has {} columns but {} `units` entries".format(
                obj.name, len(names), len(raw)))
        units = dict(zip(names, raw))
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise TraceError(path, "{} has columns of different lengths {}".format(
            obj.name, sorted(lengths)))
    n = lengths.pop() if lengths else 0
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    frame.attrs["units"] = units
    return frame


class Trace:
    """A Footprint run trace or sweep index, checked when opened; read on each call.

    `kind` is "trace" or "index"; `attrs` the root attributes (decoded);
    `format_version` a str; `epoch` the UTC Timestamp of simulated time 0 (traces only).
    The file is opened for each call and closed after it.
    """

    def __init__(self, path, kind=None):
        self.path = os.fspath(path)
        with _open_h5(self.path) as f:
            self.attrs = decode_attrs(f)
            found = _kind(f)
            if kind is not None and found != kind:
                if kind == "trace" and found == "index":
                    raise WrongKindError(self.path, "is a sweep index, not a run trace")
                if kind == "index" and found == "trace":
                    raise WrongKindError(self.path, "is a run trace, not a sweep index")
            want = kind or found
            if want == "index":
                _check_index(f, self.path)
            elif want == "trace":
                _check_trace(f, self.path)
            else:
                raise TraceError(self.path, "not a Footprint trace or sweep index (no root "
                                            "attribute `format_version` and /datacenters "
                                            "group, nor `kind` = {!r})".format(INDEX_KIND))
            self.kind = want
        self.format_version = self.attrs["format_version"]
        self.epoch = None
        if self.kind == "trace":
            self.epoch = pd.Timestamp(int(self.attrs.get("epoch_unix_s", 0)), unit="s",
                                      tz="UTC")

    def __repr__(self):
        return "footprint_trace.open({!r})  # {}, format {}".format(
            self.path, self.kind, self.format_version)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def _file(self, kind):
        if self.kind != kind:
            raise TraceError(self.path, "is a {}, not a {}".format(
                _KIND_NAMES[self.kind], _KIND_NAMES[kind]))
        return h5py.File(self.path, "r")

    def _group(self, f, name):
        if name not in f:
            raise TraceError(self.path, "no /{} in the file".format(name))
        return f[name]

    # ---- run traces

    def datacenters(self):
        """Datacenter names in scenario order (group attribute `index`)."""
        with self._file("trace") as f:
            groups = self._group(f, "datacenters")
            return sorted(groups, key=lambda n: (int(groups[n].attrs.get("index", 0)), n))

    def datacenter(self, name):
        """One datacenter's series: a DataFrame indexed by UTC time (epoch + time_s).

        df.attrs["units"] = {column: unit}; df.attrs["metadata"] = the group's
        attributes (index, region, cooling, totals; format 2 adds accelerator_types,
        accelerator_counts, accelerator_has_embodied and power_cap_w, and later the design
        peak: design_peak_facility_power_w, design_peak_time_s and design_peak_warning, and
        the power cap's cap_exceeded_s and cap_held_device_hours, absent from traces written
        before them).
        """
        with self._file("trace") as f:
            groups = self._group(f, "datacenters")
            if name not in groups:
                raise TraceError(self.path, "no datacenter {!r}; the trace has: {}".format(
                    name, ", ".join(sorted(groups))))
            g = groups[name]
            columns, units = _series(g)
            metadata = decode_attrs(g)
        if "time_s" not in columns:
            raise TraceError(self.path, "datacenter {!r} has no dataset 'time_s'".format(name))
        n = columns["time_s"].shape[0]
        for key, values in columns.items():
            if values.shape[0] != n:
                raise TraceError(self.path, "{}/{} has {} values, time_s has {}".format(
                    name, key, values.shape[0], n))
        index = pd.DatetimeIndex(self.epoch + pd.to_timedelta(columns["time_s"], unit="s"),
                                 name="time")
        frame = pd.DataFrame(columns, index=index)
        frame.attrs["units"] = units
        frame.attrs["metadata"] = metadata
        return frame

    def supply(self, name):
        """A datacenter's hourly supply accounting (docs/trace-format.md,
        "/datacenters/<name>/supply"): a DataFrame indexed by UTC time (epoch + time), with
        df.attrs["units"] and df.attrs["metadata"] (the 24/7 score and totals); None for a
        datacenter without a `supply` (and in traces written before it)."""
        with self._file("trace") as f:
            groups = self._group(f, "datacenters")
            if name not in groups:
                raise TraceError(self.path, "no datacenter {!r}; the trace has: {}".format(
                    name, ", ".join(sorted(groups))))
            if "supply" not in groups[name]:
                return None
            g = groups[name]["supply"]
            columns, units = _series(g)
            start = np.asarray(g["time"][()], dtype=np.float64)
            metadata = decode_attrs(g)
        index = pd.DatetimeIndex(self.epoch + pd.to_timedelta(start, unit="s"), name="time")
        frame = pd.DataFrame(columns, index=index)
        frame.attrs["units"] = units
        frame.attrs["metadata"] = metadata
        return frame

    def jobs(self):
        """The /jobs table, one row per job, indexed by the row number (`job`)."""
        with self._file("trace") as f:
            frame = _table(self._group(f, "jobs"), self.path, JOB_DIMENSION)
        frame.index.name = JOB_DIMENSION
        return frame

    def summary(self):
        """The /summary attributes; a subgroup (`comparison`, `fifo`) as a nested dict under its
        name."""
        with self._file("trace") as f:
            g = self._group(f, "summary")
            out = decode_attrs(g)
            for name, sub in g.items():
                if isinstance(sub, h5py.Group):
                    out[name] = decode_attrs(sub)
            return out

    def regions(self):
        """{region: its attributes} in scenario order (format 2; empty in format 1)."""
        with self._file("trace") as f:
            if "regions" not in f:
                return {}
            groups = f["regions"]
            names = sorted(groups, key=lambda n: (int(groups[n].attrs.get("index", 0)), n))
            return {n: decode_attrs(groups[n]) for n in names}

    def services(self):
        """{service: {"attrs": dict, "series": df, "requests": df}}, by name (HDF5 order).

        "series": the per-interval series, a DataFrame indexed by UTC time (epoch + time);
        "requests": the request rows (arrival_s, first_token_s, end_s: seconds from the epoch,
        NaN where not reached; tokens; energy). Empty without services (docs/serving.md).
        """
        with self._file("trace") as f:
            out = {}
            if "services" not in f:
                return out
            for name, g in f["services"].items():
                series = {}
                for key, obj in g.items():
                    if key in ("time", "time_bounds", "nv") or _is_table(obj):
                        continue
                    if isinstance(obj, h5py.Dataset) and obj.ndim == 1:
                        series[key] = obj[()]
                index = self.epoch + pd.to_timedelta(g["time"][()], unit="s")
                frame = pd.DataFrame(series, index=pd.DatetimeIndex(index, name="time"))
                out[name] = {"attrs": decode_attrs(g), "series": frame,
                             "requests": _table(g["requests"], self.path)}
            return out

    def predicted(self):
        """{job: {"attrs": dict, "tables": {"expected_step": df, "phases": df}}}.

        Only jobs with predicted throughput; empty without any.
        """
        with self._file("trace") as f:
            out = {}
            for job, g in (f["predicted"].items() if "predicted" in f else []):
                out[job] = {"attrs": decode_attrs(g),
                            "tables": {t: _table(obj, self.path) for t, obj in g.items()
                                       if _is_table(obj)}}
            return out

    def predicted_jobs(self):
        """One row per predicted job (index `name`, the job's name), a column per attribute.

        The columns are PREDICTED_ATTRIBUTES, then any other attribute found; one a trace
        lacks (written before it was added) is NaN, or None for text. Integers become
        floats in a column with NaN. Empty (no rows) without predicted jobs.
        """
        rows, extra = {}, []
        for job, p in self.predicted().items():
            rows[job] = p["attrs"]
            extra += [a for a in p["attrs"] if a not in PREDICTED_ATTRIBUTES and a not in extra]
        columns = list(PREDICTED_ATTRIBUTES) + extra
        data = {c: [attrs.get(c, None if c in PREDICTED_TEXT_ATTRIBUTES else np.nan)
                    for attrs in rows.values()] for c in columns}
        frame = pd.DataFrame(data, index=pd.Index(list(rows), name="name", dtype=object),
                             columns=columns)
        return frame

    # ---- sweep indexes

    def points(self):
        """The sweep index's /points table, one row per point present."""
        with self._file("index") as f:
            return _table(self._group(f, "points"), self.path)


_KIND_NAMES = {"trace": "run trace", "index": "sweep index"}


def _is_table(obj):
    return isinstance(obj, h5py.Group) or (isinstance(obj, h5py.Dataset)
                                          and obj.dtype.names is not None)


def _open_h5(path):
    if not os.path.exists(path):
        raise TraceError(path, "no such file")
    if os.path.isdir(path):
        raise TraceError(path, "is a directory, not an HDF5 file")
    if not h5py.is_hdf5(path):
        raise TraceError(path, "not an HDF5 file")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise TraceError(path, "cannot be read as HDF5 ({})".format(e)) from None


def _kind(f):
    if "kind" in f.attrs and text(f.attrs["kind"]) == INDEX_KIND:
        return "index"
    if "format_version" in f.attrs and "datacenters" in f:
        return "trace"
    return None


def _check_trace(f, path):
    if "format_version" not in f.attrs or "datacenters" not in f:
        raise TraceError(path, "not a Footprint run trace (no root attribute "
                               "`format_version` or no /datacenters group)")
    version = text(f.attrs["format_version"])
    if version not in FORMAT_VERSIONS:
        raise TraceError(path, "trace format version {!r}, this reader reads {}".format(
            version, " and ".join(repr(v) for v in FORMAT_VERSIONS)))
    if "trace_interval_s" not in f.attrs:
        raise TraceError(path, "not a Footprint run trace (no root attribute `trace_interval_s`)")


def _check_index(f, path):
    kind = text(f.attrs["kind"]) if "kind" in f.attrs else None
    if kind != INDEX_KIND:
        raise TraceError(path, "not a Footprint sweep index (root attribute `kind` is {}, "
                               "expected {!r})".format("missing" if kind is None else repr(kind),
                                                       INDEX_KIND))
    version = text(f.attrs["format_version"]) if "format_version" in f.attrs else None
    if version not in FORMAT_VERSIONS:
        raise TraceError(path, "index format version {}, this reader reads {}".format(
            "missing" if version is None else repr(version),
            " and ".join(repr(v) for v in FORMAT_VERSIONS)))
    if "points" not in f or not _is_table(f["points"]):
        raise TraceError(path, "sweep index without a /points table")


def open(path, kind=None):  # noqa: A001  (ft.open, as h5py.File or xarray.open_dataset)
    """Open a Footprint run trace or sweep index: a Trace, or TraceError saying why not.

    kind: None (either), "trace" or "index" (anything else is a TraceError, a
    WrongKindError for the other kind).
    """
    if kind not in (None, "trace", "index"):
        raise ValueError("kind must be None, 'trace' or 'index', not {!r}".format(kind))
    return Trace(path, kind)
