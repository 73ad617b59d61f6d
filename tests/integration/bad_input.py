#!/usr/bin/python3
"""Bad input through the footprint CLI.

Usage: bad_input.py FOOTPRINT_BINARY SCENARIOS_DIR

Each case writes a broken scenario (or passes a bad flag or path) in a fresh temporary
folder and checks that footprint refuses it cleanly: exit code 2, no crash, every
problem on stderr as `FILE:LINE:COLUMN: error: KEY.PATH: message` with the right
location, a summary line with the number of problems, and no output file (nor a
leftover temporary one) afterwards. Standard library only.
"""

import os
import re
import time
import shutil
import subprocess
import sys
import tempfile
import traceback

# A small valid scenario: one region, one datacenter, one job. Cases edit its text.
BASE = """\
name: small
seed: 1
trace: { interval: 1 h }
regions:
  - name: georgia
    intensity: 0.431 kg/kWh
datacenters:
  - name: dc-georgia
    region: georgia
    pue: 1.10
    accelerators: { V100: 64, TPUv3: 32 }
jobs:
  - name: job1
    type: training
    datacenter: dc-georgia
    accelerator: V100
    devices: 8
    work: 1 d
    throughput: 20 TFLOP/s
    power: 300 W
"""

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
SUMMARY = re.compile(r"^footprint: (\d+) problems? found; nothing was run$", re.M)


class Failure(Exception):
    pass


def expect(cond, reason):
    if not cond:
        raise Failure(reason)


class Harness:
    def __init__(self, binary, scenarios_dir):
        self.binary = os.path.abspath(binary)
        self.scenarios_dir = os.path.abspath(scenarios_dir)
        self.tmp = None
        self.out = None
        self.count = 0

    # ------------------------------------------------------------------ files and runs

    def fresh_dir(self):
        self.tmp = tempfile.mkdtemp(prefix="footprint-bad-input-")
        self.out = os.path.join(self.tmp, "out.h5")

    def cleanup(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, text, name=None):
        self.count += 1
        path = os.path.join(self.tmp, name or "case{}.yaml".format(self.count))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run(self, *args):
        try:
            p = subprocess.run(
                [self.binary, *args],
                cwd=self.tmp,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=60,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise Failure("timed out: footprint {}".format(" ".join(args)))
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode(
            "utf-8", "replace"
        )

    def leftovers(self, out):
        """The output file, or temporary files next to it, if any exist."""
        found = []
        if os.path.lexists(out):
            found.append(out)
        folder = os.path.dirname(out)
        if os.path.isdir(folder):
            prefix = "." + os.path.basename(out) + ".tmp"
            found += [os.path.join(folder, n) for n in os.listdir(folder) if n.startswith(prefix)]
        return found

    def bad(self, *args, out=None):
        """Runs footprint expecting bad input: exit 2, no crash, nothing written."""
        before = set(os.listdir(self.tmp))
        rc, stdout, stderr = self.run(*args)
        cmd = "footprint " + " ".join(args)
        expect(rc >= 0, "{}: killed by signal {}\n{}".format(cmd, -rc, stderr))
        expect(rc not in (134, 139), "{}: crashed (exit {})\n{}".format(cmd, rc, stderr))
        expect("terminate called" not in stderr, "{}: uncaught exception\n{}".format(cmd, stderr))
        expect(rc == 2, "{}: exit code {}, expected 2\nstderr:\n{}".format(cmd, rc, stderr))
        expect(stderr.strip() != "", "{}: nothing on stderr".format(cmd))
        if out is not None:
            left = self.leftovers(out)
            expect(not left, "{}: left files behind: {}".format(cmd, left))
        new = set(os.listdir(self.tmp)) - before
        expect(not new, "{}: created {} in the working folder".format(cmd, sorted(new)))
        return stderr

    # ------------------------------------------------------------------ scenarios

    @staticmethod
    def edit(old, new, text=BASE):
        expect(text.count(old) == 1, "test bug: {!r} is not unique in the scenario".format(old))
        return text.replace(old, new)

    @staticmethod
    def where(text, line_has, token=None):
        """1-based line and column of `token` on the one line containing `line_has`."""
        lines = text.split("\n")
        hits = [i for i, l in enumerate(lines) if line_has in l]
        expect(len(hits) == 1, "test bug: {!r} is on {} lines".format(line_has, len(hits)))
        line = lines[hits[0]]
        tok = token if token is not None else line_has
        expect(tok in line, "test bug: {!r} not on line {!r}".format(tok, line))
        return hits[0] + 1, line.index(tok) + 1

    def bad_scenario(self, text, expected, commands=("run", "check")):
        """Writes `text`, runs it, and checks that stderr has each expected diagnostic.

        `expected` lists (line, column, key_path, [patterns]). Each diagnostic must be one line `PATH:LINE:COL: error: KEY_PATH: ...`
        matching every pattern (regular expressions, case-insensitive). Returns the
        scenario path and the stderr of the last command.
        """
        path = self.write(text)
        stderr = ""
        for cmd in commands:
            if cmd == "run":
                stderr = self.bad("run", path, "-o", self.out, out=self.out)
            else:
                stderr = self.bad(cmd, path)
            self.check_diagnostics(path, stderr, expected, cmd)
        return path, stderr

    @staticmethod
    def error_lines(path, stderr):
        return [l for l in stderr.splitlines() if l.startswith(path + ":") and " error: " in l]

    def check_diagnostics(self, path, stderr, expected, cmd):
        errors = self.error_lines(path, stderr)
        for line, column, key, patterns in expected:
            head = re.compile(
                "^{}:{}:{}: error: {}: ".format(re.escape(path), line, column, re.escape(key))
            )
            matches = [
                e
                for e in errors
                if head.match(e) and all(re.search(p, e, re.I) for p in patterns)
            ]
            expect(
                matches,
                "{}: no diagnostic {}:{}:{}: {} matching {}\nstderr:\n{}".format(
                    cmd, os.path.basename(path), line, column, key, patterns, stderr
                ),
            )
        self.check_summary(path, stderr, cmd)

    def check_summary(self, path, stderr, cmd):
        m = SUMMARY.search(stderr)
        expect(m, "{}: no summary line\nstderr:\n{}".format(cmd, stderr))
        n = len(self.error_lines(path, stderr))
        expect(
            int(m.group(1)) == n,
            "{}: summary says {} problems, {} error lines\nstderr:\n{}".format(
                cmd, m.group(1), n, stderr
            ),
        )

    def one_edit(self, old, new, line_has, token, key, patterns, commands=("run", "check")):
        """BASE with `old` replaced by `new`; one diagnostic at `token` on the line."""
        text = self.edit(old, new)
        line, col = self.where(text, line_has, token)
        return self.bad_scenario(text, [(line, col, key, patterns)], commands)


# ---------------------------------------------------------------------- cases


def test_base_scenario_is_valid(h):
    # The cases below break this scenario; it must be accepted as it is.
    path = h.write(BASE)
    rc, _, stderr = h.run("run", path, "-o", h.out, "-q")
    expect(rc == 0, "the base scenario fails (exit {}):\n{}".format(rc, stderr))
    os.remove(h.out)
    rc, _, stderr = h.run("check", os.path.join(h.scenarios_dir, "patterson2021.yaml"))
    expect(rc == 0, "patterson2021.yaml fails check (exit {}):\n{}".format(rc, stderr))


def test_missing_required_key(h):
    # Reported at the mapping that lacks the key.
    text = h.edit("    devices: 8\n", "")
    line, col = h.where(text, "- name: job1", "name")
    h.bad_scenario(text, [(line, col, "jobs[0].devices", [r'missing required key "devices"'])])
    text = h.edit("    pue: 1.10\n", "")
    line, col = h.where(text, "- name: dc-georgia", "name")
    h.bad_scenario(text, [(line, col, "datacenters[0].pue", [r'missing required key "pue"'])])
    text = h.edit("name: small\n", "")
    h.bad_scenario(text, [(1, 1, "name", [r'missing required key "name"'])])


def test_unknown_key_suggests_closest(h):
    h.one_edit(
        "    power: 300 W",
        "    powr: 300 W",
        "powr:",
        "powr",
        "jobs[0].powr",
        [r'unknown key "powr"', r'did you mean "power"'],
    )
    h.one_edit(
        "    pue: 1.10",
        "    peu: 1.10",
        "peu:",
        "peu",
        "datacenters[0].peu",
        [r'unknown key "peu"', r'did you mean "pue"'],
    )


def test_wrong_unit_dimension(h):
    h.one_edit(
        "power: 300 W",
        "power: 14 d",
        "power:",
        "14 d",
        "jobs[0].power",
        [r"expected a power", r"\bW\b", r"duration"],
    )
    h.one_edit(
        "throughput: 20 TFLOP/s",
        "throughput: 20 kWh",
        "throughput:",
        "20 kWh",
        "jobs[0].throughput",
        [r"expected a FLOP rate", r"energy"],
    )
    h.one_edit(
        "intensity: 0.431 kg/kWh",
        "intensity: 0.431 kg",
        "intensity:",
        "0.431 kg",
        "regions[0].intensity",
        [r"expected a carbon intensity"],
    )


def test_unknown_unit(h):
    h.one_edit(
        "power: 300 W",
        "power: 300 Wats",
        "power:",
        "300 Wats",
        "jobs[0].power",
        [r'unknown unit "Wats"'],
    )


def test_bare_number_needs_unit(h):
    h.one_edit(
        "power: 300 W",
        "power: 310",
        "power:",
        "310",
        "jobs[0].power",
        [r'"310" needs a unit', r"expected a power"],
    )


def test_zero_devices(h):
    h.one_edit(
        "devices: 8",
        "devices: 0",
        "devices:",
        "0",
        "jobs[0].devices",
        [r"must be at least 1", r"got 0"],
    )


def test_negative_power(h):
    h.one_edit(
        "power: 300 W",
        "power: -5 W",
        "power:",
        "-5 W",
        "jobs[0].power",
        [r"must be positive", r"-5"],
    )


def test_non_whole_devices(h):
    h.one_edit(
        "devices: 8",
        "devices: 8.5",
        "devices:",
        "8.5",
        "jobs[0].devices",
        [r"expected a whole number", r"8\.5"],
    )


def test_nan(h):
    for old, new, token, key, patterns in [
        ("power: 300 W", "power: .nan", ".nan", "jobs[0].power", [r"expected a number"]),
        ("power: 300 W", "power: nan W", "nan W", "jobs[0].power", [r"not a finite number"]),
        ("pue: 1.10", "pue: .nan", ".nan", "datacenters[0].pue", [r"expected a finite number"]),
        ("pue: 1.10", "pue: nan", "nan", "datacenters[0].pue", [r"expected a finite number"]),
        ("devices: 8", "devices: .NaN", ".NaN", "jobs[0].devices", [r"expected a finite number"]),
    ]:
        line_has = new.split(":")[0] + ":"
        h.one_edit(old, new, line_has, token, key, patterns)


def test_infinity(h):
    for old, new, token, key, patterns in [
        ("power: 300 W", "power: inf W", "inf W", "jobs[0].power", [r"not a finite number"]),
        ("power: 300 W", "power: .inf", ".inf", "jobs[0].power", [r"expected a number"]),
        ("pue: 1.10", "pue: .inf", ".inf", "datacenters[0].pue", [r"expected a finite number"]),
        ("pue: 1.10", "pue: inf", "inf", "datacenters[0].pue", [r"expected a finite number"]),
        ("devices: 8", "devices: -.inf", "-.inf", "jobs[0].devices", [r"expected a finite"]),
        ("work: 1 d", "work: 1e400 FLOP", "1e400", "jobs[0].work", [r"out of range"]),
    ]:
        line_has = new.split(":")[0] + ":"
        h.one_edit(old, new, line_has, token, key, patterns)


def test_pue_below_one(h):
    h.one_edit(
        "pue: 1.10",
        "pue: 0.95",
        "pue:",
        "0.95",
        "datacenters[0].pue",
        [r"at least 1", r"0\.95"],
    )


def test_unknown_datacenter(h):
    h.one_edit(
        "    datacenter: dc-georgia",
        "    datacenter: dc-gorgia",
        "datacenter: dc-gorgia",
        "dc-gorgia",
        "jobs[0].datacenter",
        [r'unknown datacenter "dc-gorgia"', r'did you mean "dc-georgia"'],
    )
    # Nothing close: the known names are listed instead.
    h.one_edit(
        "    datacenter: dc-georgia",
        "    datacenter: elsewhere",
        "datacenter: elsewhere",
        "elsewhere",
        "jobs[0].datacenter",
        [r'unknown datacenter "elsewhere"', r"known: dc-georgia"],
    )


def test_unknown_region(h):
    h.one_edit(
        "region: georgia",
        "region: gorgia",
        "region:",
        "gorgia",
        "datacenters[0].region",
        [r'unknown region "gorgia"', r'did you mean "georgia"'],
    )


def test_unknown_accelerator(h):
    h.one_edit(
        "accelerator: V100",
        "accelerator: V10",
        "accelerator: V10",
        "V10",
        "jobs[0].accelerator",
        [r'unknown accelerator "V10"', r'did you mean "V100"'],
    )
    # In a datacenter's inventory, located at the type name.
    text = h.edit("{ V100: 64, TPUv3: 32 }", "{ V100: 64, TPUv9: 32 }")
    line, col = h.where(text, "TPUv9", "TPUv9")
    h.bad_scenario(
        text,
        [(line, col, "datacenters[0].accelerators.TPUv9", [r'unknown accelerator "TPUv9"'])],
    )


def test_accelerator_missing_from_datacenter(h):
    h.one_edit(
        "accelerator: V100",
        "accelerator: TPUv2",
        "accelerator: TPUv2",
        "TPUv2",
        "jobs[0].accelerator",
        [r'datacenter "dc-georgia" has no TPUv2'],
    )


def test_more_devices_than_datacenter(h):
    h.one_edit(
        "devices: 8",
        "devices: 65",
        "devices:",
        "65",
        "jobs[0].devices",
        [r"65 devices requested", r'"dc-georgia" has 64 V100'],
    )


def test_power_cap_below_idle_floor(h):
    # 64 V100 and 32 TPUv3 idle draw 5.04 kW of IT, 5.544 kW at a PUE of 1.1.
    h.one_edit(
        "pue: 1.10",
        "pue: 1.10\n    power_cap: 5 kW",
        "power_cap:",
        "5 kW",
        "datacenters[0].power_cap",
        [r"draws up to 0\.005544 MW with every device idle", r"cap of 0\.005 MW",
         r"no job could ever start"],
    )


def test_power_cap_broken_by_one_job(h):
    # The job alone, with the rest idle, draws 7.788 kW at the facility: above a 7 kW cap
    # whenever it runs, at a fixed start or at any other.
    for start, where in [("\n    start: 0 s", "its fixed start"), ("", "any start")]:
        text = BASE.replace("pue: 1.10", "pue: 1.10\n    power_cap: 7 kW").replace(
            "power: 300 W", "power: 300 W" + start)
        line, col = h.where(text, "power_cap:", "7 kW")
        h.bad_scenario(text, [(line, col, "datacenters[0].power_cap",
                               [r"job 'job1' alone \(8 V100 from " + where + r"\)",
                                r"draws 0\.007788 MW", r"above the cap of 0\.007 MW"])])


def test_power_limit_out_of_range(h):
    # docs/power-limits.md: a limit lies in (idle, TDP] of the device; the V100's idle is
    # 45 W (15 % of its 300 W TDP). One located error each, at the key's value.
    runs_clean(h, BASE.replace("power: 300 W", "power: 300 W\n    power_limit: 200 W"),
               "power-limited")
    h.one_edit("power: 300 W", "power: 300 W\n    power_limit: 40 W", "power_limit:", "40 W",
               "jobs[0].power_limit",
               [r"40 W is not above the V100 idle power of 45 W", r"could not run"])
    h.one_edit("power: 300 W", "power: 300 W\n    power_limit: 45 W", "power_limit:", "45 W",
               "jobs[0].power_limit", [r"45 W is not above the V100 idle power of 45 W"])
    h.one_edit("power: 300 W", "power: 300 W\n    power_limit: 350 W", "power_limit:", "350 W",
               "jobs[0].power_limit", [r"350 W is above the V100 TDP of 300 W"])
    # A datacenter's limit is checked against every type of its inventory: 350 W is within
    # the TPU v3's 450 W but above the V100's 300 W.
    h.one_edit("pue: 1.10", "pue: 1.10\n    power_limit: 350 W", "power_limit:", "350 W",
               "datacenters[0].power_limit", [r"350 W is above the V100 TDP of 300 W"])
    h.one_edit("pue: 1.10", "pue: 1.10\n    power_limit: 50 W", "power_limit:", "50 W",
               "datacenters[0].power_limit",
               [r"50 W is not above the TPUv3 idle power of 67\.5 W"])
    # A number without a unit, as everywhere.
    h.one_edit("power: 300 W", "power: 300 W\n    power_limit: 200", "power_limit:", "200",
               "jobs[0].power_limit", [r"unit"])


def test_inventory_count_too_large(h):
    h.one_edit(
        "V100: 64,",
        "V100: 1e300,",
        "V100: 1e300",
        "1e300",
        "datacenters[0].accelerators.V100",
        [r"expected a whole number of at least 1"],
    )


def test_duplicate_key(h):
    text = h.edit("    power: 300 W\n", "    power: 300 W\n    power: 200 W\n")
    first, _ = h.where(text, "power: 300 W")
    line, col = h.where(text, "power: 200 W", "power")
    h.bad_scenario(
        text,
        [(line, col, "jobs[0].power", [r'duplicate key "power"', r"line {}\b".format(first)])],
    )
    text = h.edit("{ V100: 64, TPUv3: 32 }", "{ V100: 64, V100: 32 }")
    line, col = h.where(text, "V100: 32", "V100: 32")
    h.bad_scenario(text, [(line, col, "datacenters[0].accelerators.V100", [r"listed twice"])])


def test_job_beyond_simulated_time(h):
    # Longer than int64 nanoseconds can hold: bad input, not a failure while running.
    h.one_edit(
        "work: 1 d",
        "work: 1e30 FLOP",
        "work:",
        "1e30 FLOP",
        "jobs[0].work",
        [r"past the limit of simulated time"],
    )
    h.one_edit(
        "    power: 300 W\n",
        "    power: 300 W\n    start: 300 y\n",
        "start:",
        "300 y",
        "jobs[0].start",
        [r"out of range", r"simulated time"],
    )


def test_yaml_syntax_error(h):
    # A tab used for indentation: the error is at the tab.
    text = h.edit("    power: 300 W", "\tpower: 300 W")
    line, _ = h.where(text, "\tpower")
    path = h.write(text)
    for cmd in ("run", "check"):
        args = ("run", path, "-o", h.out) if cmd == "run" else ("check", path)
        stderr = h.bad(*args, out=h.out)
        head = "{}:{}:1: error: YAML syntax error: ".format(path, line)
        expect(head in stderr, "{}: no {!r} in\n{}".format(cmd, head, stderr))
        h.check_summary(path, stderr, cmd)
    # A value where a key was expected: reported at the stray colon.
    text = h.edit("    devices: 8", "      devices: 8")
    line, _ = h.where(text, "devices: 8")
    path = h.write(text)
    stderr = h.bad("run", path, "-o", h.out, out=h.out)
    expect(
        re.search(r"^{}:{}:\d+: error: YAML syntax error: ".format(re.escape(path), line), stderr, re.M),
        "no syntax error on line {}:\n{}".format(line, stderr),
    )
    h.check_summary(path, stderr, "run")


def test_empty_file(h):
    for text in ("", "\n# only a comment\n"):
        path = h.write(text)
        for args in (("run", path, "-o", h.out), ("check", path)):
            stderr = h.bad(*args, out=h.out)
            expect(
                re.search(r"^{}: error: .*empty".format(re.escape(path)), stderr, re.M),
                "no '{}: error: ... empty' in\n{}".format(path, stderr),
            )
            h.check_summary(path, stderr, args[0])


def test_not_a_mapping(h):
    path = h.write("- just\n- a list\n")
    stderr = h.bad("check", path)
    expect(
        "{}:1:1: error: expected a mapping".format(path) in stderr,
        "no mapping error at 1:1:\n{}".format(stderr),
    )


def test_missing_file(h):
    path = os.path.join(h.tmp, "no-such-scenario.yaml")
    for args in (("run", path, "-o", h.out), ("check", path)):
        stderr = h.bad(*args, out=h.out)
        expect(
            "{}: error: no such file".format(path) in stderr,
            "no '{}: error: no such file' in\n{}".format(path, stderr),
        )
        h.check_summary(path, stderr, args[0])


def test_scenario_is_a_directory(h):
    path = os.path.join(h.tmp, "folder.yaml")
    os.mkdir(path)
    stderr = h.bad("check", path)
    expect("{}: error: is a directory".format(path) in stderr, "got\n{}".format(stderr))


def test_output_directory_missing(h):
    scen = h.write(BASE)
    folder = os.path.join(h.tmp, "no-such-folder")
    out = os.path.join(folder, "out.h5")
    stderr = h.bad("run", scen, "-o", out, out=out)
    expect(folder in stderr, "the message does not name {}:\n{}".format(folder, stderr))
    expect("does not exist" in stderr, "the message does not say why:\n{}".format(stderr))
    expect(not os.path.exists(folder), "the folder was created")


def test_output_under_regular_file(h):
    scen = h.write(BASE)
    plain = h.write("not a folder\n", "plain-file")
    out = os.path.join(plain, "out.h5")
    stderr = h.bad("run", scen, "-o", out, out=out)
    expect(plain in stderr, "the message does not name {}:\n{}".format(plain, stderr))
    expect("not a directory" in stderr, "the message does not say why:\n{}".format(stderr))
    with open(plain, encoding="utf-8") as f:
        expect(f.read() == "not a folder\n", "the regular file was changed")


def test_output_is_a_directory(h):
    scen = h.write(BASE)
    out = os.path.join(h.tmp, "folder.h5")
    os.mkdir(out)
    stderr = h.bad("run", scen, "-o", out)
    expect(out in stderr and "is a directory" in stderr, "got\n{}".format(stderr))
    expect(os.listdir(out) == [], "something was written into the folder")


def test_empty_output_path(h):
    # An explicitly empty -o is an error, not the default output name.
    scen = h.write(BASE)
    stderr = h.bad("run", scen, "-o", "")
    expect("does not name a file" in stderr, "got\n{}".format(stderr))


def test_existing_output_needs_force(h):
    scen = h.write(BASE)
    precious = b"an earlier trace\n"
    with open(h.out, "wb") as f:
        f.write(precious)
    rc, _, stderr = h.run("run", scen, "-o", h.out)
    expect(rc == 2, "exit code {} without --force, expected 2\n{}".format(rc, stderr))
    expect(h.out in stderr and "--force" in stderr, "the message does not name the path:\n" + stderr)
    with open(h.out, "rb") as f:
        expect(f.read() == precious, "the existing file was changed without --force")
    expect(h.leftovers(h.out) == [h.out], "left files: {}".format(h.leftovers(h.out)))
    rc, stdout, stderr = h.run("run", scen, "-o", h.out, "--force", "-q")
    expect(rc == 0, "exit code {} with --force, expected 0\n{}".format(rc, stderr))
    with open(h.out, "rb") as f:
        expect(f.read(8) == HDF5_SIGNATURE, "--force did not write an HDF5 trace")
    expect(h.leftovers(h.out) == [h.out], "left files: {}".format(h.leftovers(h.out)))
    expect("wrote " + h.out in stdout, "no 'wrote' line:\n" + stdout)


def test_several_problems_all_reported(h):
    text = BASE
    text = h.edit("region: georgia", "region: gorgia", text)
    text = h.edit("pue: 1.10", "pue: 0.8", text)
    text = h.edit("devices: 8", "devices: 0", text)
    text = h.edit("power: 300 W", "powr: 300 W", text)
    text = h.edit("throughput: 20 TFLOP/s", "throughput: 20", text)
    expected = [
        h.where(text, "region:", "gorgia") + ("datacenters[0].region", [r"did you mean"]),
        h.where(text, "pue:", "0.8") + ("datacenters[0].pue", [r"at least 1"]),
        h.where(text, "devices:", "0") + ("jobs[0].devices", [r"at least 1"]),
        h.where(text, "powr:", "powr") + ("jobs[0].powr", [r'did you mean "power"']),
        h.where(text, "throughput:", "20") + ("jobs[0].throughput", [r"needs a unit"]),
    ]
    path, stderr = h.bad_scenario(text, expected)
    n = len(h.error_lines(path, stderr))
    expect(n >= len(expected), "{} error lines, expected at least {}".format(n, len(expected)))
    m = SUMMARY.search(stderr)
    expect(m and m.group(0).startswith("footprint: {} problems".format(n)), "summary:\n" + stderr)


def test_bad_cli_flags(h):
    scen = h.write(BASE)
    for args in (
        ("run", scen, "-o", h.out, "--threads", "abc"),
        ("run", scen, "-o", h.out, "--threads", "-1"),
        ("run", scen, "-o", h.out, "--seed", "x"),
        ("run", scen, "-o", h.out, "--no-such-flag"),
        ("run",),
        ("no-such-command",),
        ("report", "x.h5", "--format", "xml"),
    ):
        stderr = h.bad(*args, out=h.out)
        flag = next((a for a in args if a.startswith("--")), None)
        if flag:
            expect(flag in stderr, "{}: the message does not name {}:\n{}".format(args, flag, stderr))


def test_report_missing_file(h):
    path = os.path.join(h.tmp, "no-such-trace.h5")
    stderr = h.bad("report", path)
    expect(path in stderr and "no such file" in stderr, "got\n{}".format(stderr))


def test_report_not_hdf5(h):
    for content, name in ((BASE, "scenario.yaml"), ("", "empty.h5"), ("garbage" * 100, "junk.h5")):
        path = h.write(content, name)
        stderr = h.bad("report", path)
        expect(path in stderr and "not a readable Footprint trace" in stderr, "got\n" + stderr)


def test_report_on_directory(h):
    path = os.path.join(h.tmp, "traces.h5")
    os.mkdir(path)
    stderr = h.bad("report", path)
    expect(path in stderr and "is a directory" in stderr, "got\n{}".format(stderr))


def test_failures_without_checkpoints_never_finish(h):
    # 512 V100s for 30 days without a checkpoint, each failing every 1,000 h on average:
    # the job fails every ~2 h and would need about e^368 tries (the run would end at the
    # limit of simulated time). Refused with the numbers; no line, the key path names it.
    text = h.edit("devices: 8", "devices: 512", h.edit("V100: 64", "V100: 512"))
    text = h.edit("work: 1 d", "work: 30 d", text) + "failures: { device_mtbf: 1000 h }\n"
    path = h.write(text)
    for cmd in ("run", "check"):
        stderr = h.bad(cmd, path, "-o", h.out, out=h.out) if cmd == "run" else h.bad(cmd, path)
        expect(
            re.search(
                r"^{}: error: failures\.device_mtbf: job \"job1\" cannot finish: its 512 devices "
                r"fail every 1\.95 h on average, and it computes 720 h without a checkpoint, "
                r"which succeeds once in about e\^369 tries".format(re.escape(path)),
                stderr,
                re.M,
            ),
            "{}: got\n{}".format(cmd, stderr),
        )


def test_pause_needs_slack_and_a_valid_intensity(h):
    # checkpoint.pause_above: a job with a fixed start has no slack to pause in, and the
    # threshold is a carbon intensity, not negative. Each reported at its value.
    cases = [
        ("start: 1 h", "300 g/kWh", [r"fixed start has no slack"]),
        ("slack: 6 h", "300 W", [r"carbon intensity|g/kWh"]),
        ("slack: 6 h", "-3 g/kWh", [r"negative|>= 0|non-negative"]),
    ]
    for when, value, patterns in cases:
        text = h.edit(
            "    power: 300 W\n",
            "    power: 300 W\n    {}\n"
            "    checkpoint: {{ interval: 3 h, duration: 5 min, pause_above: {} }}\n".format(
                when, value
            ),
        )
        line, col = h.where(text, "pause_above", value)
        h.bad_scenario(text, [(line, col, "jobs[0].checkpoint.pause_above", patterns)])


def test_scheduler_tolerance_is_a_fraction(h):
    # scheduler.tolerance: a fraction in [0, 1] ("10 %" or 0.1), reported at its value.
    for value, patterns in [("150 %", [r"fraction in \[0, 1\]"]), ("2 h", [r"expected a fraction"])]:
        text = h.edit(
            "trace: { interval: 1 h }\n",
            "trace: { interval: 1 h }\n"
            + "scheduler: {{ policy: carbon-aware, tolerance: {} }}\n".format(value),
        )
        line, col = h.where(text, "tolerance", value)
        h.bad_scenario(text, [(line, col, "scheduler.tolerance", patterns)])


def scheduler_line(settings):
    """BASE with `scheduler: { settings }` after the trace line."""
    return h_edit("trace: { interval: 1 h }\n",
                  "trace: { interval: 1 h }\nscheduler: { " + settings + " }\n")


def test_scheduler_compare_mapping(h):
    # scheduler.compare: the scheduler's own settings, read and reported as the scheduler's
    # are (key path under scheduler.compare), every problem at once.
    text = scheduler_line("policy: carbon-aware, compare: { policy: sjf, epoch: 0.1 s, "
                          "tolerence: 5 %, compare: fifo }")
    line, _ = h.where(text, "scheduler:")
    col = lambda token: h.where(text, "scheduler:", token)[1]
    h.bad_scenario(text, [
        (line, col("sjf"), "scheduler.compare.policy",
         [r'expected fifo, backfill or carbon-aware, got "sjf"']),
        (line, col("0.1 s"), "scheduler.compare.epoch", [r"at least 1 s"]),
        (line, col("tolerence"), "scheduler.compare.tolerence",
         [r'unknown key "tolerence"', r'did you mean "tolerance"']),
        (line, col("fifo }"), "scheduler.compare.compare",
         [r"no baseline of its own", r"compare may not be given inside compare"]),
    ])


def test_scheduler_compare_values(h):
    # A scalar other than fifo or none; a list; a baseline that is the run's own settings.
    for settings, token, patterns in [
        ("policy: backfill, compare: lifo", "lifo",
         [r'expected "fifo", "none" or a mapping of scheduler settings', r'got "lifo"']),
        ("policy: backfill, compare: [fifo]", "[fifo]", [r"got a list"]),
        ("policy: fifo, compare: fifo", "compare: fifo",
         [r"nothing to compare", r"policy fifo with the same settings"]),
        ("policy: carbon-aware, tolerance: 5 %, compare: { policy: carbon-aware, "
         "tolerance: 5 % }", "{ policy: carbon-aware, tolerance: 5 % }", [r"nothing to compare"]),
    ]:
        text = scheduler_line(settings)
        line, col = h.where(text, "scheduler:", token)
        if token == "compare: fifo":
            col += len("compare: ")
        h.bad_scenario(text, [(line, col, "scheduler.compare", patterns)])


def test_scheduler_compare_no_echo(h):
    # A misspelt policy leaves the default, fifo; compare: fifo is then not reported as
    # "nothing to compare" too: one mistake, one error.
    text = scheduler_line("polcy: carbon-aware, compare: fifo")
    line, col = h.where(text, "scheduler:", "polcy")
    _, stderr = h.bad_scenario(text, [(line, col, "scheduler.polcy",
                                       [r'unknown key "polcy"', r'did you mean "policy"'])])
    expect("nothing to compare" not in stderr, "an echo of the misspelt policy:\n" + stderr)


def test_scheduler_compare_valid(h):
    # Accepted: fifo, none, a mapping of other settings (with the scheduler's own unchanged).
    for settings in ("policy: carbon-aware, compare: fifo",
                     "policy: carbon-aware, compare: none",
                     "policy: carbon-aware, compare: { policy: backfill, backfill_depth: 8 }",
                     "policy: carbon-aware, forecast: { error: 10 % }, compare: { forecast: perfect }",
                     "policy: backfill, compare: { epoch: 10 min }"):
        path = h.write(scheduler_line(settings))
        rc, _, stderr = h.run("check", path)
        expect(rc == 0, "{}: exit {}\n{}".format(settings, rc, stderr))


def test_run_past_a_series_end(h):
    # A 3-day hourly series without repeat; two 36 h jobs on the same 8 devices: the check
    # plans for the first (36 h + a day < 3 days), but the second waits for the first and
    # ends at 72 h, past the series. The run stops with a clear error, exit 2, no output.
    rows = ["timestamp_utc,gco2_per_kwh"]
    for hour in range(72):
        rows.append("2022-01-{:02d}T{:02d}:00:00Z,400".format(1 + hour // 24, hour % 24))
    h.write("\n".join(rows) + "\n", "short.csv")
    text = """\
name: short-series
epoch: 2022-01-01T00:00:00Z
regions:
  - name: r
    intensity: { file: short.csv }
datacenters:
  - { name: dc, region: r, pue: 1.1, accelerators: { V100: 8 } }
jobs:
  - { name: a, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 36 h,
      throughput: 20 TFLOP/s, power: 300 W }
  - { name: b, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 36 h,
      throughput: 20 TFLOP/s, power: 300 W }
"""
    path = h.write(text)
    stderr = h.bad("run", path, "-o", h.out, out=h.out)
    expect("short.csv' covers 2022-01-01T00:00:00Z to 2022-01-04T00:00:00Z" in stderr
           and "the run went past the end of the series" in stderr
           and "repeat: yearly" in stderr, "got\n{}".format(stderr))


PREDICTED = """\
    model: { architecture: dense, layers: 24, d_model: 2048, d_ff: 8192, heads: 16,
             vocabulary: 50257, sequence: 2048, parameters: PARAMS }
    batch: 1048576 tokens
    parallelism: { data: DATA, tensor: 8, microbatches: 512 }
"""


def predicted(params="1.3e9", data="1"):
    """BASE's job with its throughput predicted from an architecture (about 1.3B params)."""
    text = h_edit("devices: 8\n", "devices: 8\n" + PREDICTED.replace("PARAMS", params).replace("DATA", data))
    text = h_edit("    throughput: 20 TFLOP/s\n", "", text)
    return h_edit("work: 1 d", "work: 1e9 tokens", text)


def h_edit(old, new, text=BASE):
    assert old in text, old
    return text.replace(old, new, 1)


def test_predicted_job_is_valid(h):
    path = h.write(predicted())
    rc, _, stderr = h.run("check", path)
    expect(rc == 0, "a valid predicted job fails (exit {}):\n{}".format(rc, stderr))


def test_predicted_parameters_disagree(h):
    text = predicted(params="2.6e9")
    line, col = h.where(text, "parameters: 2.6e9", "2.6e9")
    h.bad_scenario(text, [(line, col, "jobs[0].model.parameters",
                           [r"2\.6e\+09 given, but the architecture has 1\.3\d*e\+09"])])


def test_predicted_layout_needs_all_devices(h):
    text = predicted(data="2")
    line, col = h.where(text, "parallelism:", "{ data")
    h.bad_scenario(text, [(line, col, "jobs[0].parallelism",
                           [r"data x tensor x pipeline x context = 2 x 8 x 1 x 1 = 16, but the job "
                            r"has 8 devices"])])
    text = predicted().replace("tensor: 8,", "tensor: 8, context: 2,")
    only_error(h, text, "parallelism:", "{ data", "jobs[0].parallelism",
               [r"data x tensor x pipeline x context = 1 x 8 x 1 x 2 = 16, but the job has 8 "
                r"devices"])
    # With some keys auto, the fixed ones must divide the devices.
    text = predicted().replace("data: 1, tensor: 8,", "data: auto, tensor: 16,")
    only_error(h, text, "parallelism:", "{ data", "jobs[0].parallelism",
               [r"tensor = 16 does not divide the job's 8 devices"])
    text = predicted().replace("data: 1, tensor: 8,", "data: auto, tensor: 4, context: 4,")
    only_error(h, text, "parallelism:", "{ data", "jobs[0].parallelism",
               [r"the fixed keys tensor x context = 4 x 4 = 16 do not divide the job's 8 devices"])


def test_predicted_layout_does_not_fit_memory(h):
    # 1.3B parameters with Adam on 8 V100 of 32 GB, no parallelism but data: 21 GB of
    # weights and state, and a 1M-token batch's activations on every device.
    text = predicted().replace("parallelism: { data: 1, tensor: 8, microbatches: 512 }", "parallelism: { data: 8 }")
    line, col = h.where(text, "parallelism:", "{ data")
    h.bad_scenario(text, [(line, col, "jobs[0].parallelism",
                           [r"the layout needs [0-9.]+ GB\b.* per device", r"GB too much"])])


def test_predicted_microbatch_size(h):
    # PREDICTED: 1,048,576 tokens of 2,048 = 512 sequences, data 1. microbatch: 1 gives
    # the same 512 microbatches as microbatches: 512 (accepted); 2 disagrees; 3 does not
    # divide 512.
    same = predicted().replace("microbatches: 512 }", "microbatches: 512, microbatch: 1 }")
    path = h.write(same)
    rc, _, stderr = h.run("check", path)
    expect(rc == 0, "microbatch agreeing with microbatches is refused:\n{}".format(stderr))
    only = predicted().replace("microbatches: 512 }", "microbatch: 4 }")
    rc, _, stderr = h.run("check", h.write(only))
    expect(rc == 0, "microbatch alone is refused:\n{}".format(stderr))
    text = predicted().replace("microbatches: 512 }", "microbatches: 512, microbatch: 2 }")
    only_error(h, text, "microbatch: 2", "2 }", "jobs[0].parallelism.microbatch",
               [r"microbatch: 2 sequences gives 256 microbatches per replica, but "
                r"microbatches: 512"])
    text = predicted().replace("microbatches: 512 }", "microbatch: 3 }")
    only_error(h, text, "microbatch: 3", "3 }", "jobs[0].parallelism.microbatch",
               [r"a batch of 512 sequences over data = 1 is 512 sequences per replica, not a "
                r"whole number of microbatches of 3"])


def test_predicted_auto_layout_uncalibrated_chip(h):
    # parallelism: auto on a chip the step model has no calibration for: that is the
    # reason, not memory (no layout "fits" only because none can be estimated).
    text = predicted().replace("parallelism: { data: 1, tensor: 8, microbatches: 512 }",
                               "parallelism: auto")
    text = text.replace("accelerators: { V100: 64, TPUv3: 32 }", "accelerators: { V100: 64, TPUv2: 32 }")
    text = text.replace("accelerator: V100", "accelerator: TPUv2")
    line, col = h.where(text, "parallelism:", "auto")
    h.bad_scenario(text, [(line, col, "jobs[0].parallelism",
                           [r"no step-model calibration for TPUv2\b", r"the calibrated chips are "
                            r".*V100"])])


def test_predicted_layout_keys(h):
    # One located error per bad key of parallelism; the product is not checked again.
    text = predicted().replace("data: 1, tensor: 8,", "data: 1, tensor: 8, context: 3,")
    only_value_error(h, text, "context: 3", "jobs[0].parallelism.context",
                     [r"context \(3\) does not divide the model's sequence \(2048 tokens\)"])
    text = predicted().replace("data: 1, tensor: 8,", "data: auto, tensor: 3,")
    only_value_error(h, text, "tensor: 3", "jobs[0].parallelism.tensor",
                     [r"tensor \(3\) does not divide the model's heads \(16\)"])
    text = predicted().replace("tensor: 8,", "tensor: 8, virtual_stages: 2,")
    only_value_error(h, text, "virtual_stages: 2", "jobs[0].parallelism.virtual_stages",
                     [r"virtual_stages: 2 needs pipeline > 1", r"pipeline is 1"])
    text = predicted().replace("data: 1,", "data: automatic,")
    only_value_error(h, text, "data: automatic", "jobs[0].parallelism.data",
                     [r'expected a whole number >= 1 or auto, got "automatic"'])
    text = predicted().replace("tensor: 8,", "tensor: 8, expert: 2,")
    only_value_error(h, text, "expert: 2", "jobs[0].parallelism.expert",
                     [r"expert parallelism applies to architecture: moe"])


def test_predicted_layout_auto_keys_are_valid(h):
    # Keys searched one by one: data auto with the microbatch size; data and pipeline auto.
    for layout in ("{ data: auto, tensor: 8, microbatch: 1 }",
                   "{ data: auto, tensor: auto, pipeline: 1 }",
                   "{ data: 1, tensor: 8, microbatches: auto }"):
        text = predicted().replace("{ data: 1, tensor: 8, microbatches: 512 }", layout)
        rc, _, stderr = h.run("check", h.write(text))
        expect(rc == 0, "parallelism: {} fails check (exit {}):\n{}".format(layout, rc, stderr))


def h100_predicted(h, precision, devices="16"):
    """predicted() on H100 with `precision`, its layout partly searched."""
    text = predicted().replace("{ data: 1, tensor: 8, microbatches: 512 }",
                               "{ data: auto, tensor: 8, pipeline: auto, context: 2 }")
    text = text.replace("accelerators: { V100: 64, TPUv3: 32 }", "accelerators: { H100: 64 }")
    text = text.replace("accelerator: V100", "accelerator: H100").replace(
        "devices: 8", "devices: " + devices)
    return text.replace("    batch:", "    precision: " + precision + "\n    batch:")


def test_predicted_fp8_and_sharding_are_valid(h):
    # The example: data and pipeline searched, tensor and context fixed, FP8 with
    # selective recomputation and ZeRO-1, on H100 with the datacenter's own network.
    text = h100_predicted(h, "{ compute: fp8, recompute: selective, shard: optimizer }")
    text = text.replace("    accelerators: { H100: 64 }",
                        "    accelerators: { H100: 64 }\n    network: { scale_up: 8, "
                        "scale_up_bandwidth: 450 GB/s, scale_out_bandwidth: 50 GB/s }")
    rc, _, stderr = h.run("check", h.write(text))
    expect(rc == 0, "the FP8 job fails check (exit {}):\n{}\n{}".format(rc, stderr, text))
    # The older spellings: recompute and shard_optimizer as booleans.
    text = predicted().replace("    batch:", "    precision: { recompute: true, shard_optimizer: "
                               "true, compute: fp16 }\n    batch:")
    rc, _, stderr = h.run("check", h.write(text))
    expect(rc == 0, "recompute: true, shard_optimizer: true fails (exit {}):\n{}".format(
        rc, stderr))


def test_predicted_precision_values(h):
    a100 = predicted().replace("{ V100: 64, TPUv3: 32 }", "{ A100: 64, TPUv3: 32 }").replace(
        "accelerator: V100", "accelerator: A100")
    for base, precision, key_and_value, key, patterns in [
        (a100, "{ compute: fp8 }", "compute: fp8", "compute",
         [r"A100 has no FP8", r"the chips with FP8 are .*H100"]),
        (predicted(), "{ compute: bf16 }", "compute: bf16", "compute",
         [r"V100 has no BF16; use fp16"]),
        (predicted(), "{ compute: fp4 }", "compute: fp4", "compute",
         [r'expected bf16, fp16 or fp8, got "fp4"']),
        (predicted(), "{ shard: optimizer, shard_optimizer: true }", "shard_optimizer: true",
         "shard_optimizer", [r"give shard or shard_optimizer", r"not both"]),
        (predicted(), "{ recompute: partial }", "recompute: partial", "recompute",
         [r'expected none, selective, full or dots \(or true = full, false = none\), got "partial"']),
        (predicted(), "{ shard: zero3 }", "shard: zero3", "shard",
         [r'expected none, optimizer, gradients or parameters', r'got "zero3"']),
        (predicted().replace("data: 1, tensor: 8,", "data: 2, tensor: 4,"),
         "{ shard: optimizer, shard_group: 3 }", "shard_group: 3", "shard_group",
         [r"shard_group \(3\) does not divide data x context = 2 x 1 = 2"]),
        (predicted(), "{ shard_group: 2 }", "shard_group: 2", "shard_group",
         [r"applies with shard: optimizer, gradients or parameters"]),
        (predicted(), "{ offload_layers: 4 }", "offload_layers: 4", "offload_layers",
         [r"V100 has no host memory or host link figure to offload to",
          r"host_memory and host_link_bandwidth in accelerator_types"]),
        (a100, "{ offload_layers: 24 }", "offload_layers: 24", "offload_layers",
         [r"offload_layers \(24\) must be below the layers of the smallest of the 1 pipeline "
          r"stages \(24\)"]),
        (a100, "{ offload_layers: -1 }", "offload_layers: -1", "offload_layers",
         [r"must be at least 0, got -1"]),
        (a100.replace("data: 1, tensor: 8,", "data: auto, tensor: auto, pipeline: auto,"),
         "{ offload_layers: 24 }", "offload_layers: 24", "offload_layers",
         [r"offload_layers \(24\) must be below the model's layers \(24\)"]),
    ]:
        text = base.replace("    batch:", "    precision: " + precision + "\n    batch:")
        only_value_error(h, text, key_and_value, "jobs[0].precision." + key, patterns)


def test_predicted_offload(h):
    # Offloading on a chip whose system has host memory: accepted, and a scenario's own type
    # may give the figures a built-in one lacks.
    a100 = predicted().replace("{ V100: 64, TPUv3: 32 }", "{ A100: 64, TPUv3: 32 }").replace(
        "accelerator: V100", "accelerator: A100")
    text = a100.replace("    batch:", "    precision: { offload_layers: 12 }\n    batch:")
    rc, _, stderr = h.run("check", h.write(text))
    expect(rc == 0, "offload_layers: 12 on A100 fails (exit {}):\n{}".format(rc, stderr))
    own = ("accelerator_types:\n  - { name: V100, base: V100, host_memory: 64 GB, "
           "host_link_bandwidth: 16 GB/s }\n")
    text = own + predicted().replace("    batch:",
                                     "    precision: { offload_layers: 12 }\n    batch:")
    rc, _, stderr = h.run("check", h.write(text))
    expect(rc == 0, "offload_layers with a type's own host figures fails (exit {}):\n{}".format(
        rc, stderr))


def test_datacenter_network(h):
    for network, key_and_value, key, patterns in [
        ("{ scale_up: 0 }", "scale_up: 0", "scale_up", [r"must be at least 1, got 0"]),
        ("{ scale_up_bandwidth: 5 }", "scale_up_bandwidth: 5", "scale_up_bandwidth",
         [r"needs a unit"]),
        ("{ scale_out_bandwidth: 50 W }", "scale_out_bandwidth: 50 W", "scale_out_bandwidth",
         [r"expected a bandwidth"]),
    ]:
        text = h.edit("    pue: 1.10\n", "    pue: 1.10\n    network: " + network + "\n")
        only_value_error(h, text, key_and_value, "datacenters[0].network." + key, patterns)
    text = h.edit("    pue: 1.10\n", "    pue: 1.10\n    network: { scale_up: 8, bandwidth: 1 }\n")
    only_error(h, text, "network:", "bandwidth", "datacenters[0].network.bandwidth",
               [r'unknown key "bandwidth"'])


def test_predicted_candidates_on_different_networks(h):
    # A scheduled predicted job may run in two datacenters whose networks give it different
    # steps: one error, at its datacenters (a fleet job has one step duration).
    second = ("  - name: dc-slow\n    region: georgia\n    pue: 1.10\n"
              "    accelerators: { V100: 64 }\n"
              "    network: { scale_up_bandwidth: 25 GB/s }\n")
    text = predicted().replace("jobs:\n", second + "jobs:\n")
    text = text.replace("    datacenter: dc-georgia\n", "    datacenters: [dc-georgia, dc-slow]\n")
    line, col = h.where(text, "datacenters: [dc-georgia", "[dc-georgia")
    path, stderr = h.bad_scenario(text, [(line, col, "jobs[0].datacenters",
                                          [r'on the network of datacenter "dc-georgia" but',
                                           r'"dc-slow"', r"one step duration"])],
                                  commands=("check",))
    expect(len(h.error_lines(path, stderr)) == 1, "one mistake, several errors:\n" + stderr)
    # The same network in both: accepted.
    same = text.replace("    network: { scale_up_bandwidth: 25 GB/s }\n", "")
    rc, _, stderr = h.run("check", h.write(same))
    expect(rc == 0, "two datacenters with the same network fail (exit {}):\n{}".format(rc, stderr))


def only_error(h, text, line_has, token, key, patterns):
    """`text` is refused with exactly one problem, at `token` on the line with `line_has`."""
    line, col = h.where(text, line_has, token)
    path, stderr = h.bad_scenario(text, [(line, col, key, patterns)], commands=("check",))
    errors = h.error_lines(path, stderr)
    expect(len(errors) == 1, "one mistake, {} errors:\n{}".format(len(errors), stderr))


def test_one_mistake_one_error_architecture(h):
    # A bad architecture: the experts, the rate and the step-model keys that depend on it
    # are not reported as well.
    text = predicted().replace("architecture: dense", "architecture: MoE")
    only_error(h, text, "architecture: MoE", "MoE", "jobs[0].model.architecture",
               [r'expected "dense" or "moe", got "MoE"'])
    moe = text.replace("parameters: 1.3e9 }", "parameters: 1.3e9, experts: 8, top_k: 2 }")
    only_error(h, moe, "architecture: MoE", "MoE", "jobs[0].model.architecture",
               [r'expected "dense" or "moe", got "MoE"'])


def test_one_mistake_one_error_model(h):
    # A bad size in the architecture: no "missing throughput" nor "applies to a predicted
    # job" for parallelism.
    text = predicted().replace("d_model: 2048", "d_model: -2048")
    only_error(h, text, "d_model: -2048", "-2048", "jobs[0].model.d_model", [r"at least 1"])


def only_value_error(h, text, key_and_value, key, patterns):
    """`text` is refused with exactly one problem, at the value of `key_and_value`
    ("kv_heads: 6"), whose digits may also occur earlier on its line."""
    line, col = h.where(text, key_and_value)
    col += key_and_value.index(":") + 2
    path, stderr = h.bad_scenario(text, [(line, col, key, patterns)], commands=("check",))
    errors = h.error_lines(path, stderr)
    expect(len(errors) == 1, "one mistake, {} errors:\n{}".format(len(errors), stderr))


def test_architecture_kv_heads_must_divide_heads(h):
    # 16 heads in 6 key/value groups: one error, at kv_heads; the counts (and the checks
    # that need them) are not attempted.
    text = predicted().replace("heads: 16,", "heads: 16, kv_heads: 6,")
    only_value_error(h, text, "kv_heads: 6", "jobs[0].model.kv_heads",
                     [r"kv_heads \(6\) does not divide heads \(16\)"])


def test_architecture_kv_heads_with_mla(h):
    text = predicted().replace(
        "heads: 16,", "heads: 16, kv_heads: 4,\n             attention: { kind: mla, kv_rank: 512 },")
    only_value_error(h, text, "kv_heads: 4", "jobs[0].model.kv_heads",
                     [r"kv_heads is for multi-head attention", r"mla"])


def test_architecture_attention_scores(h):
    # Materialised scores with dropout run; an unknown kind of scores, a dropout of 1 and
    # materialised scores in a service are one located error each.
    runs_clean(h, predicted().replace(
        "heads: 16,", "heads: 16,\n             attention: { kind: mha, scores: materialised, "
        "dropout: 0.1 },"), "materialised scores")
    runs_clean(h, predicted().replace("    batch: 1048576 tokens\n", "    batch: 1048576 tokens\n"
                                      "    precision: { recompute: dots }\n"), "recompute dots")
    text = predicted().replace(
        "heads: 16,", "heads: 16,\n             attention: { kind: mha, scores: flash },")
    only_error(h, text, "scores: flash", "flash", "jobs[0].model.attention.scores",
               [r'expected "fused" or "materialised", got "flash"'])
    text = predicted().replace(
        "heads: 16,", "heads: 16,\n             attention: { kind: mha, dropout: 1 },")
    only_value_error(h, text, "dropout: 1", "jobs[0].model.attention.dropout",
                     [r"a dropout probability must be below 1"])
    service_case(h, "kv_heads: 8,", "kv_heads: 8,\n             attention: { kind: mha, scores: "
                 "materialised },", "scores: materialised", "materialised",
                 "services[0].model.attention.scores",
                 [r"materialised scores apply to training jobs"])


def test_architecture_top_k_above_experts(h):
    text = predicted().replace("architecture: dense", "architecture: moe").replace(
        "parameters: 1.3e9 }", "experts: 8, top_k: 9 }")
    only_error(h, text, "top_k: 9", "9", "jobs[0].model.top_k",
               [r"top_k \(9\) exceeds experts \(8\)"])


def test_architecture_routing_and_dispatch(h):
    # Group-limited routing and the expert dispatch run; each mistake is one located error.
    moe = predicted().replace("architecture: dense", "architecture: moe").replace(
        "parameters: 1.3e9 }", "experts: 8, top_k: 2,\n             routing: { groups: 4, limit: 2 } }")
    ok = moe.replace("    batch: 1048576 tokens\n", "    batch: 1048576 tokens\n"
                     "    dispatch: { copies: per_domain, format: fp8, overlap: 100 % }\n")
    runs_clean(h, ok, "routing and dispatch")
    only_value_error(h, ok.replace("groups: 4,", "groups: 3,"), "groups: 3",
                     "jobs[0].model.routing.groups", [r"3 groups do not divide the 8 experts"])
    only_value_error(h, ok.replace("limit: 2 }", "limit: 5 }"), "limit: 5",
                     "jobs[0].model.routing.limit", [r"a limit of 5 groups exceeds the 4 groups"])
    only_value_error(h, ok.replace("groups: 4, limit: 2", "groups: 8, limit: 1"), "limit: 1",
                     "jobs[0].model.routing.limit",
                     [r"the limit's groups hold 1 experts \(1 x 1\), fewer than top_k \(2\)"])
    only_error(h, ok.replace("per_domain", "per_node"), "per_node", "per_node",
               "jobs[0].dispatch.copies", [r'expected per_expert or per_domain, got "per_node"'])
    only_error(h, ok.replace("format: fp8", "format: fp4"), "fp4", "fp4", "jobs[0].dispatch.format",
               [r'expected bf16, fp16 or fp8, got "fp4"'])
    only_value_error(h, ok.replace("overlap: 100 %", "overlap: 150 %"), "overlap: 150 %",
                     "jobs[0].dispatch.overlap",
                     [r"must be a fraction in \[0, 1\], got 1\.5"])
    dense = predicted().replace("    batch: 1048576 tokens\n", "    batch: 1048576 tokens\n"
                                "    dispatch: { overlap: 50 % }\n")
    only_error(h, dense, "dispatch:", "{", "jobs[0].dispatch", [r"applies to architecture: moe"])


def test_architecture_new_keys_are_valid(h):
    # Grouped-query attention, latent attention, shared experts, dense layers and the
    # swiglu spelling: a valid scenario each.
    gqa = predicted().replace("heads: 16,", "heads: 16, kv_heads: 4, ffn: swiglu,").replace(
        "parameters: 1.3e9", "parameters: 1.5e9")
    mla = predicted().replace(
        "heads: 16,", "heads: 16, d_head: 128,\n             attention: { kind: mla, q_rank: 512, "
        "kv_rank: 256, rope_dim: 64 },").replace(", parameters: 1.3e9", "")
    moe = predicted().replace("architecture: dense", "architecture: moe").replace(
        "parameters: 1.3e9 }", "experts: 8, top_k: 2, shared_experts: 1, dense_layers: 2,\n"
        "             moe_every: 1, ffn: geglu }")
    for text in (gqa, mla, moe):
        path = h.write(text)
        rc, _, stderr = h.run("check", path)
        expect(rc == 0, "a valid architecture fails (exit {}):\n{}\n{}".format(rc, stderr, text))


def test_one_mistake_one_error_inventory(h):
    # An unknown type in a datacenter's inventory: its jobs are not told the datacenter
    # lacks their type.
    text = h.edit("accelerators: { V100: 64, TPUv3: 32 }", "accelerators: { V10O: 64, TPUv3: 32 }")
    only_error(h, text, "accelerators: { V10O", "V10O", "datacenters[0].accelerators.V10O",
               [r'unknown accelerator "V10O"'])


def test_one_mistake_one_error_work(h):
    # A bad work: the batch, which needs the work in tokens, is not blamed too.
    text = h.edit("    work: 1 d\n", "    work: 1 parsec\n    batch: 4e6 tokens\n")
    line, col = h.where(text, "work: 1 parsec", "1 parsec")
    path, stderr = h.bad_scenario(text, [(line, col, "jobs[0].work", [r"unit"])],
                                  commands=("check",))
    expect(len(h.error_lines(path, stderr)) == 1, "one mistake, several errors:\n" + stderr)


def test_one_mistake_one_error_rate(h):
    # A bad throughput is not also "missing".
    text = h.edit("throughput: 20 TFLOP/s", "throughput: -20 TFLOP/s")
    only_error(h, text, "throughput: -20", "-20", "jobs[0].throughput", [r"must be positive"])


def test_job_trace_problems_are_located(h):
    with open(os.path.join(h.tmp, "jobs.csv"), "w", encoding="utf-8") as f:
        f.write("name,submit_s,accelerator,devices,duration_s\n"
                "a,0,V100,8,3600\n"
                "b,soon,V100,8,3600\n"
                "a,0,V100,8,3600\n")
    text = BASE[: BASE.index("jobs:")] + "workload:\n  trace: { file: jobs.csv }\n"
    path = h.write(text)
    stderr = h.bad("check", path)
    csv = os.path.join(h.tmp, "jobs.csv")
    for where, pattern in [(":3:3: error: submit_s: ", "'soon' is not a number"),
                           (":4:1: error: name: ", 'duplicate job name "a" \\(also line 2\\)')]:
        expect(re.search(re.escape(csv + where) + pattern, stderr),
               "no {} {} in\n{}".format(where, pattern, stderr))
    os.remove(csv)


# An accelerator_types entry with the system keys (docs/scenario-format.md), used by the
# datacenter and the job; the cases below break one value each.
ACCEL_TYPE = """\
accelerator_types:
  - name: H800x
    base: h800
    peak_fp8: 1979 TFLOP/s
    scale_up_domain: 8
    scale_up_bandwidth: 200 GB/s
    scale_out_bandwidth: 50 GB/s
    host_memory: 256 GB
    host_link_bandwidth: 64 GB/s
"""


def accel_scenario(h, old=None, new=None):
    text = h.edit("regions:", ACCEL_TYPE + "regions:")
    text = h.edit("{ V100: 64, TPUv3: 32 }", "{ H800x: 64, TPUv3: 32 }", text)
    text = h.edit("accelerator: V100", "accelerator: H800x", text)
    return text if old is None else h.edit(old, new, text)


def test_accelerator_type_system_keys(h):
    # Valid as written: the keys are read and stored.
    path = h.write(accel_scenario(h))
    rc, _, stderr = h.run("check", path)
    expect(rc == 0, "accelerator_types with the system keys fails check (exit {}):\n{}".format(
        rc, stderr))
    key = "accelerator_types[0]."
    for old, new, name, patterns in [
        ("scale_up_domain: 8", "scale_up_domain: 0", "scale_up_domain",
         [r"must be at least 1, got 0"]),
        ("scale_up_domain: 8", "scale_up_domain: 7.5", "scale_up_domain",
         [r"expected a whole number, got 7\.5"]),
        ("peak_fp8: 1979 TFLOP/s", "peak_fp8: 0 TFLOP/s", "peak_fp8",
         [r"must be positive"]),
        ("peak_fp8: 1979 TFLOP/s", "peak_fp8: 1979", "peak_fp8", [r"needs a unit"]),
        ("scale_up_bandwidth: 200 GB/s", "scale_up_bandwidth: 200 W",
         "scale_up_bandwidth", [r"expected a bandwidth", r"power"]),
        ("scale_out_bandwidth: 50 GB/s", "scale_out_bandwidth: -50 GB/s",
         "scale_out_bandwidth", [r"must be positive"]),
        ("host_memory: 256 GB", "host_memory: 256 GB/s", "host_memory", [r"expected"]),
        ("host_link_bandwidth: 64 GB/s", "host_link_bandwidth: 64 W", "host_link_bandwidth",
         [r"expected a bandwidth", r"power"]),
    ]:
        text = accel_scenario(h, old, new)
        line, col = h.where(text, new, new.split(": ", 1)[1])
        h.bad_scenario(text, [(line, col, key + name, patterns)])


# A service appended to BASE (its datacenter gains 8 H100).
SERVICE = """\
services:
  - name: chat
    datacenter: dc-georgia
    accelerator: H100
    model: { architecture: dense, layers: 32, d_model: 4096, d_ff: 14336, ffn: gated, heads: 32,
             kv_heads: 8, vocabulary: 128256, sequence: 8192, tied_embeddings: false }
    replica: { devices: 1, parallelism: { tensor: 1 } }
    replicas: 2
    max_batch: 64
    requests:
      arrival: { rate: 2 /s }
      count: 50
      prompt_tokens: 200
      output_tokens: 100
    slo: { ttft: 2 s, tpot: 100 ms }
"""
SERVICE_BASE = BASE.replace("accelerators: { V100: 64, TPUv3: 32 }",
                            "accelerators: { V100: 64, TPUv3: 32, H100: 8 }") + SERVICE


def edited_case(h, base, old, new, line_has, token, key, patterns):
    """`base` with `old` replaced by `new`: one error at the line holding `line_has`, at
    `token`, under `key`, matching every pattern."""
    text = base.replace(old, new)
    expect(text != base, "test bug: {!r} not in the base scenario".format(old))
    line, col = h.where(text, line_has, token)
    h.bad_scenario(text, [(line, col, key, patterns)])


def runs_clean(h, base, what):
    """The base of a group of cases runs (exit 0), so that each case fails for its edit."""
    path = h.write(base)
    rc, _, stderr = h.run("run", path, "-o", h.out, "-q")
    expect(rc == 0, "the {} scenario fails (exit {}):\n{}".format(what, rc, stderr))
    os.remove(h.out)


def service_case(h, old, new, line_has, token, key, patterns):
    edited_case(h, SERVICE_BASE, old, new, line_has, token, key, patterns)


def test_service_is_valid(h):
    runs_clean(h, SERVICE_BASE, "base service")


def test_service_admission(h):
    # TensorRT-LLM's admission runs; an unknown policy is one located error.
    runs_clean(h, SERVICE_BASE.replace("    max_batch: 64\n", "    max_batch: 64\n"
                                       "    admission: whole_sequence\n"), "whole-sequence admission")
    service_case(h, "    max_batch: 64\n", "    max_batch: 64\n    admission: no_evict\n",
                 "admission: no_evict", "no_evict", "services[0].admission",
                 [r'expected prompt or whole_sequence, got "no_evict"'])


def test_service_power_limit(h):
    # A service's own limit, checked against its chip (the H100: idle 100 W, TDP 700 W); the
    # datacenter's applies to it too, so the datacenter's range covers the H100 as well.
    runs_clean(h, SERVICE_BASE.replace("    max_batch: 64\n", "    max_batch: 64\n"
                                       "    power_limit: 400 W\n"), "power-limited service")
    runs_clean(h, SERVICE_BASE.replace("pue: 1.10", "pue: 1.10\n    power_limit: 200 W"),
               "service in a power-limited datacenter")
    service_case(h, "    max_batch: 64\n", "    max_batch: 64\n    power_limit: 90 W\n",
                 "power_limit:", "90 W", "services[0].power_limit",
                 [r"90 W is not above the H100 idle power of 100 W"])
    service_case(h, "    max_batch: 64\n", "    max_batch: 64\n    power_limit: 800 W\n",
                 "power_limit:", "800 W", "services[0].power_limit",
                 [r"800 W is above the H100 TDP of 700 W"])
    service_case(h, "pue: 1.10", "pue: 1.10\n    power_limit: 80 W", "power_limit:", "80 W",
                 "datacenters[0].power_limit", [r"80 W is not above the H100 idle power of 100 W"])


def test_job_datacenters_with_different_power_limits(h):
    # A job has one duration: the datacenters it may run in must give it the same limit
    # (or it gives its own, which then holds in each of them).
    two = BASE.replace("jobs:\n", "  - name: dc-two\n    region: georgia\n    pue: 1.10\n"
                       "    accelerators: { V100: 64 }\n    power_limit: 200 W\njobs:\n").replace(
        "    datacenter: dc-georgia\n", "    datacenters: [dc-georgia, dc-two]\n")
    runs_clean(h, two.replace("power: 300 W", "power: 300 W\n    power_limit: 250 W"),
               "own limit over two datacenters")
    line, col = h.where(two, "datacenters: [", "[")
    h.bad_scenario(two, [(line, col, "jobs[0].datacenters",
                          [r'datacenter "dc-georgia" limits devices to none but "dc-two" to 200 W',
                           r"give the job its own power_limit"])])


def test_datacenter_power_limit_with_a_workload(h):
    # The workload's trace and generated jobs are not limited: a datacenter that may run them
    # cannot say power_limit.
    with open(os.path.join(h.tmp, "jobs.csv"), "w", encoding="utf-8") as f:
        f.write("name,submit_s,accelerator,devices,duration_s\na,0,V100,8,3600\n")
    text = (BASE[: BASE.index("jobs:")] + "workload:\n  trace: { file: jobs.csv }\n").replace(
        "pue: 1.10", "pue: 1.10\n    power_limit: 200 W")
    line, col = h.where(text, "power_limit:", "200 W")
    h.bad_scenario(text, [(line, col, "datacenters[0].power_limit",
                           [r"may also run the workload's jobs"])])


def test_service_beside_a_datacenter_without_work(h):
    # A datacenter with neither jobs nor services whose grid follows a repeating series:
    # the run still ends with the service (it once followed the series to the end of time
    # and failed with an internal error).
    text = SERVICE_BASE.replace(
        "datacenters:\n",
        "datacenters:\n  - { name: idle, region: ca, pue: 1.1, accelerators: { H100: 8 } }\n").replace(
        "regions:\n",
        "regions:\n  - { name: ca, intensity: { profile: us-ciso, repeat: yearly } }\n")
    text = text.replace("jobs:\n  - name: job1", "jobs_unused:\n  - name: job1", 1)
    expect(text.count("idle, region: ca") == 1, "test bug: the datacenter was not added")
    path = h.write(text.split("jobs_unused:")[0] + SERVICE)
    rc, _, stderr = h.run("run", path, "-o", h.out, "-q")
    expect(rc == 0, "exit {}:\n{}".format(rc, stderr))
    os.remove(h.out)


def test_service_rate_without_count_or_horizon(h):
    service_case(h, "      count: 50\n", "", "arrival:", "2 /s", "services[0].requests.arrival.rate",
                 [r"horizon", r"count"])


def test_service_too_many_requests(h):
    service_case(h, "count: 50", "count: 2000000000", "count:", "2000000000",
                 "services[0].requests.count", [r"at most"])


def test_service_weights_do_not_fit(h):
    service_case(h, "layers: 32, d_model: 4096, d_ff: 14336", "layers: 126, d_model: 16384, d_ff: 53248",
                 "replica: {", "{ devices", "services[0].replica", [r"too much", r"GB"])


def test_service_max_batch_zero(h):
    service_case(h, "max_batch: 64", "max_batch: 0", "max_batch:", "0",
                 "services[0].max_batch", [r">= 1|at least 1"])


def test_service_slo_without_units(h):
    service_case(h, "ttft: 2 s", "ttft: 2", "slo:", "2,", "services[0].slo.ttft", [r"unit"])


def test_service_parallelism_does_not_multiply(h):
    service_case(h, "replica: { devices: 1, parallelism: { tensor: 1 } }",
                 "replica: { devices: 4, parallelism: { tensor: 2 } }", "replica:", "{ tensor",
                 "services[0].replica.parallelism", [r"tensor \(2\) x pipeline \(1\) = 2", r"4 devices"])


def test_service_rate_needs_unit(h):
    service_case(h, "rate: 2 /s", "rate: 2", "arrival:", "2 }", "services[0].requests.arrival.rate",
                 [r"unit"])


def request_file_case(h, rows, line, patterns):
    """A request file with a bad row: one error at the file's line, exit 2, nothing written."""
    csv = os.path.join(h.tmp, "requests.csv")
    with open(csv, "w") as f:
        f.write("arrival_s,prompt_tokens,output_tokens\n" + rows)
    text = SERVICE_BASE.replace(
        "      arrival: { rate: 2 /s }\n      count: 50\n      prompt_tokens: 200\n"
        "      output_tokens: 100\n", "      arrival: { file: requests.csv }\n")
    expect(text != SERVICE_BASE, "test bug: the requests block did not change")
    path = h.write(text)
    for cmd in ("run", "check"):
        args = ("run", path, "-o", h.out) if cmd == "run" else ("check", path)
        stderr = h.bad(*args, out=h.out if cmd == "run" else None)
        errors = [l for l in stderr.splitlines() if l.startswith(csv + ":{}:".format(line))]
        expect(errors and all(any(re.search(p, e, re.I) for e in errors) for p in patterns),
               "{}: no error at {}:{} matching {}\nstderr:\n{}".format(cmd, csv, line, patterns,
                                                                        stderr))


def test_service_request_file_negative_tokens(h):
    request_file_case(h, "0,100,10\n1,-5,10\n", 3, [r"prompt_tokens|whole number|>= 1"])


def test_service_request_file_unsorted(h):
    request_file_case(h, "5,100,10\n1,100,10\n", 3, [r"backwards|before|order"])


def test_service_request_file_bad_timestamp(h):
    request_file_case(h, "0,100,10\nsoon,100,10\n", 3, [r"arrival_s|number"])


def test_service_profile_unknown(h):
    service_case(h, "rate: 2 /s }", "rate: 2 /s, profile: azure-chat }", "arrival:", "azure-chat",
                 "services[0].requests.arrival.profile", [r"unknown load profile", r"azure-chat"])


def test_service_profile_without_rate(h):
    text = SERVICE_BASE.replace("arrival: { rate: 2 /s }", "arrival: { at: 0 s, profile: flat }")
    expect(text != SERVICE_BASE, "test bug")
    line, col = h.where(text, "arrival:", "flat")
    h.bad_scenario(text, [(line, col, "services[0].requests.arrival.profile",
                           [r"shapes a rate"])])


def profile_file_case(h, csv_text, arrival_extra, expected_in_file, expected_in_scenario):
    csv = os.path.join(h.tmp, "load.csv")
    with open(csv, "w") as f:
        f.write(csv_text)
    text = SERVICE_BASE.replace("arrival: { rate: 2 /s }",
                                "arrival: { rate: 2 /s, profile: { file: load.csv } }" + arrival_extra)
    expect(text != SERVICE_BASE, "test bug")
    path = h.write(text)
    for cmd in ("run", "check"):
        args = ("run", path, "-o", h.out) if cmd == "run" else ("check", path)
        stderr = h.bad(*args, out=h.out if cmd == "run" else None)
        for line, pattern in expected_in_file:
            prefix = csv + (":{}:".format(line) if line else ": ")
            errors = [l for l in stderr.splitlines() if l.startswith(prefix)]
            expect(any(re.search(pattern, e, re.I) for e in errors),
                   "{}: no error at {}:{} matching {!r}\nstderr:\n{}".format(cmd, csv, line,
                                                                         pattern, stderr))
        for key, pattern in expected_in_scenario:
            errors = [l for l in stderr.splitlines() if l.startswith(path + ":") and key in l]
            expect(any(re.search(pattern, e, re.I) for e in errors),
                   "{}: no error at {} matching {!r}\nstderr:\n{}".format(cmd, key, pattern, stderr))


def test_service_profile_does_not_cover_the_day(h):
    rows = "".join("{},1\n".format(k) for k in range(24) if k not in (3, 4))
    profile_file_case(h, "hour,multiplier\n" + rows, "", [(None, r"hours 3, 4 missing")], [])


def test_service_profile_timed_shorter_than_the_horizon(h):
    # Without a count the rate runs to the horizon; the profile's hour ends before it.
    csv = "timestamp_utc,multiplier\n2022-01-01T00:00:00Z,1\n2022-01-01T00:30:00Z,2\n"
    csv_path = os.path.join(h.tmp, "load.csv")
    with open(csv_path, "w") as f:
        f.write(csv)
    text = SERVICE_BASE.replace("arrival: { rate: 2 /s }",
                                "arrival: { rate: 2 /s, profile: { file: load.csv } }")
    text = "horizon: 2 h\n" + text.replace("      count: 50\n", "")
    line, col = h.where(text, "arrival:", "load.csv")
    h.bad_scenario(text, [(line, col, "services[0].requests.arrival.profile.file",
                           [r"covers", r"horizon"])])


# The service in two datacenters: a second region and datacenter with 8 H100 of its own.
FLEET_SERVICE_BASE = SERVICE_BASE.replace(
    "datacenters:\n", "datacenters:\n  - name: dc-oregon\n    region: oregon\n    pue: 1.1\n"
    "    accelerators: { H100: 8 }\n").replace(
    "regions:\n", "regions:\n  - name: oregon\n    intensity: 0.1 kg/kWh\n").replace(
    "    datacenter: dc-georgia\n    accelerator: H100\n",
    "    datacenters: [dc-georgia, dc-oregon]\n    accelerator: H100\n"
    "    latency: { dc-georgia: 10 ms, dc-oregon: 30 ms }\n"
    "    routing: { policy: lowest-carbon, budget: 50 ms }\n").replace(
    "    replicas: 2\n", "    replicas: { dc-georgia: 2, dc-oregon: 2 }\n")


def fleet_service_case(h, old, new, line_has, token, key, patterns):
    edited_case(h, FLEET_SERVICE_BASE, old, new, line_has, token, key, patterns)


def test_fleet_service_is_valid(h):
    expect("dc-oregon: 2" in FLEET_SERVICE_BASE, "test bug: the fleet base did not change")
    runs_clean(h, FLEET_SERVICE_BASE, "two-datacenter service")


def test_fleet_service_replicas_name_an_unlisted_datacenter(h):
    fleet_service_case(h, "dc-oregon: 2 }", "dc-orgeon: 2 }", "replicas:", "dc-orgeon",
                       "services[0].replicas.dc-orgeon",
                       [r"not one of the service's datacenters", r"did you mean \"dc-oregon\""])


def test_fleet_service_autoscale_min_above_max(h):
    fleet_service_case(h, "    replicas: { dc-georgia: 2, dc-oregon: 2 }\n",
                       "    autoscale: { min: 4, max: 2, target: 70 % }\n", "autoscale:", "4",
                       "services[0].autoscale.min", [r"min \(4\) is above max \(2\)"])


def test_fleet_service_lend_not_a_boolean(h):
    fleet_service_case(h, "    replicas: { dc-georgia: 2, dc-oregon: 2 }\n",
                       "    autoscale: { min: 1, max: 2, lend: yes please }\n", "autoscale:",
                       "yes please", "services[0].autoscale.lend", [r"expected true or false"])


def test_fleet_service_lend_with_a_topology(h):
    # Jobs in a datacenter with a topology get blocks of its fabric; a service's devices are
    # not in it, so they cannot be lent there.
    text = FLEET_SERVICE_BASE.replace(
        "    replicas: { dc-georgia: 2, dc-oregon: 2 }\n",
        "    autoscale: { min: 1, max: 2, lend: true }\n").replace(
        "    accelerators: { H100: 8 }\n",
        "    accelerators: { H100: 8 }\n    topology: { kind: fat-tree }\n")
    expect("fat-tree" in text and "lend: true" in text, "test bug: the base did not change")
    line, col = h.where(text, "autoscale:", "true")
    h.bad_scenario(text, [(line, col, "services[0].autoscale.lend",
                           [r"dc-oregon declares a topology"])])


def test_fleet_service_budget_without_unit(h):
    fleet_service_case(h, "budget: 50 ms", "budget: 50", "routing:", "50 }",
                       "services[0].routing.budget", [r"unit"])


def test_fleet_service_latency_without_unit(h):
    fleet_service_case(h, "dc-oregon: 30 ms", "dc-oregon: 30", "latency:", "30 }",
                       "services[0].latency.dc-oregon", [r"unit"])


def test_service_fidelity_unknown(h):
    service_case(h, "    max_batch: 64\n", "    max_batch: 64\n    fidelity: fast\n", "fidelity:",
                 "fast", "services[0].fidelity", [r"expected iteration or request"])


def test_service_disaggregated_with_replicas(h):
    service_case(h, "    max_batch: 64\n", "    max_batch: 64\n    disaggregated: { prefill: 1, decode: 1 }\n",
                 "disaggregated:", "{ prefill", "services[0].disaggregated",
                 [r"not with replicas"])


# A datacenter with a supply (scenarios/supply-247.yaml, shortened to two days).
SUPPLY_BASE = """name: supply
epoch: 2022-06-01T00:00:00Z
horizon: 2 d
regions:
  - { name: virginia, intensity: { profile: us-pjm, repeat: yearly } }
datacenters:
  - name: va-1
    region: virginia
    pue: 1.1
    accelerators: { H100: 64 }
    supply:
      solar: { profile: us-pjm-solar, capacity: 1 MW }
      wind: { profile: us-pjm-wind, capacity: 1 MW }
      battery: { capacity: 4 MWh, power: 1 MW, soc: [10 %, 90 %], dispatch: carbon }
jobs:
  - { name: a, type: training, datacenter: va-1, accelerator: H100, devices: 64,
      work: 2 d, mfu: 0.4, power: 600 W, start: 0 s }
"""


def supply_case(h, old, new, line_has, token, key, patterns):
    edited_case(h, SUPPLY_BASE, old, new, line_has, token, key, patterns)


def test_supply_is_valid(h):
    runs_clean(h, SUPPLY_BASE, "supply")


def test_supply_negative_capacity(h):
    supply_case(h, "capacity: 1 MW }\n      wind", "capacity: -1 MW }\n      wind", "solar:",
                "-1 MW", "datacenters[0].supply.solar.capacity", [r"negative|>= 0|at least 0"])


def test_supply_soc_reversed(h):
    supply_case(h, "soc: [10 %, 90 %]", "soc: [90 %, 10 %]", "battery:", "[90 %",
                "datacenters[0].supply.battery.soc", [r"min <= max"])


def test_supply_soc_above_one(h):
    supply_case(h, "soc: [10 %, 90 %]", "soc: [10 %, 120 %]", "battery:", "[10 %",
                "datacenters[0].supply.battery.soc", [r"100 %"])


def test_supply_with_region_cfe(h):
    # Placed at the supply's mapping (its first key).
    supply_case(h, "repeat: yearly } }", "repeat: yearly }, cfe: { annual: 50 % } }", "solar:",
                "solar", "datacenters[0].supply", [r"market-based accounting", r"give one"])


def test_intensity_kind_unknown(h):
    supply_case(h, "repeat: yearly } }", "repeat: yearly, kind: marginl } }", "name: virginia",
                "marginl", "regions[0].intensity.kind", [r"expected average or marginal"])


def test_intensity_kind_marginal_with_a_profile(h):
    supply_case(h, "repeat: yearly } }", "repeat: yearly, kind: marginal } }", "name: virginia",
                "marginal", "regions[0].intensity.kind", [r"average intensities", r"a file"])


def test_supply_series_short_of_the_run(h):
    # A generation file of one day for a two-day run, without repeat.
    csv_path = os.path.join(h.tmp, "wind.csv")
    with open(csv_path, "w") as f:
        f.write("timestamp_utc,mw\n")
        for k in range(24):
            f.write("2022-06-01T{:02d}:00:00Z,{}\n".format(k, 0.5))
    text = SUPPLY_BASE.replace("wind: { profile: us-pjm-wind, capacity: 1 MW }",
                               "wind: { file: wind.csv }")
    path = h.write(text)
    for cmd in ("check", "run"):
        args = ("run", path, "-o", h.out) if cmd == "run" else ("check", path)
        stderr = h.bad(*args, out=h.out if cmd == "run" else None)
        expect("datacenters[0].supply" in stderr and re.search(r"cover|end", stderr),
               "{}: no error about the short wind file:\n{}".format(cmd, stderr))


# A datacenter with water (a cooling tower) in a region given a water intensity, two days.
WATER_BASE = """name: water
epoch: 2022-07-01T00:00:00Z
horizon: 2 d
regions:
  - { name: virginia, intensity: { profile: us-pjm, repeat: yearly }, water_intensity: 1.8 L/kWh }
datacenters:
  - name: va-1
    region: virginia
    cooling: { model: economizer-chiller, weather: { profile: us-va-leesburg } }
    accelerators: { H100: 64 }
    water: { tower: { cycles: 6 } }
jobs:
  - { name: a, type: training, datacenter: va-1, accelerator: H100, devices: 64,
      work: 2 d, mfu: 0.4, power: 600 W, start: 0 s }
"""


def water_case(h, old, new, line_has, token, key, patterns):
    edited_case(h, WATER_BASE, old, new, line_has, token, key, patterns)


def test_water_is_valid(h):
    runs_clean(h, WATER_BASE, "water")


def test_water_tower_with_a_constant_pue(h):
    water_case(h, "cooling: { model: economizer-chiller, weather: { profile: us-va-leesburg } }",
               "pue: 1.2", "water:", "{ cycles", "datacenters[0].water.tower",
               [r"economizer-chiller", r"give wue"])


def test_water_tower_cycles_one(h):
    water_case(h, "cycles: 6", "cycles: 1", "water:", "1 }", "datacenters[0].water.tower.cycles",
               [r"above 1"])


def test_water_wue_and_tower(h):
    water_case(h, "water: { tower: { cycles: 6 } }",
               "water: { wue: 0.3 L/kWh, tower: { cycles: 6 } }", "water:", "{ wue",
               "datacenters[0].water", [r"one of them"])


def test_water_negative_wue(h):
    water_case(h, "water: { tower: { cycles: 6 } }", "water: { wue: -0.3 L/kWh }", "water:",
               "-0.3", "datacenters[0].water.wue", [r"negative|>= 0|at least 0"])


def test_water_wue_without_unit(h):
    water_case(h, "water: { tower: { cycles: 6 } }", "water: { wue: 0.3 L }", "water:",
               "0.3 L", "datacenters[0].water.wue", [r"L/kWh|water intensity"])


def test_water_builtin_region_without_water_intensity(h):
    water_case(h, ", water_intensity: 1.8 L/kWh }", " }", "water:", "{ tower",
               "datacenters[0].water", [r"fuel mix", r"water_intensity"])


def test_water_factors_unknown_fuel(h):
    water_case(h, ", water_intensity: 1.8 L/kWh }", ", water_factors: { HYD: 17 L/kWh } }",
               "name: virginia", "HYD", "regions[0].water_factors.HYD", [r"WAT"])


def test_water_tower_weather_without_humidity(h):
    # A typical year with a dry bulb only: the economizer runs (warned), the tower cannot.
    csv_path = os.path.join(h.tmp, "dry.csv")
    with open(csv_path, "w") as f:
        f.write("timestamp_utc_nominal2022,dry_bulb_c\n")
        t = 1640995200
        for k in range(8760):
            f.write("{},{}\n".format(
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t + 3600 * k)), 20.0))
    water_case(h, "weather: { profile: us-va-leesburg }", "weather: { file: dry.csv }", "water:",
               "{ cycles", "datacenters[0].water.tower", [r"no humidity", r"dew_point_c"])


# ---------------------------------------------------------------------- edges of input
# (issue 19, item 4): values beyond what the run can represent are located input errors,
# found by check as by run.


def test_durations_beyond_simulated_time(h):
    text = h.edit("trace: { interval: 1 h }\n", "trace: { interval: 1 h }\nhorizon: 1e300 s\n")
    line, col = h.where(text, "horizon:", "1e300 s")
    h.bad_scenario(text, [(line, col, "horizon", [r"out of range", r"9\.2e9 s", r"simulated time"])])
    text = h.edit("work: 1 d", "work: 1e12 s")
    line, col = h.where(text, "work:", "1e12 s")
    h.bad_scenario(text, [(line, col, "jobs[0].work", [r"out of range", r"simulated time"])])


def test_job_trace_beyond_simulated_time(h):
    # submit_s within the column's bound, but the job would end past simulated time.
    with open(os.path.join(h.tmp, "jobs.csv"), "w", encoding="utf-8") as f:
        f.write("name,submit_s,accelerator,devices,duration_s\na,9.2e9,V100,8,3600\n")
    path = h.write(BASE[: BASE.index("jobs:")] + "workload:\n  trace: { file: jobs.csv }\n")
    csv = os.path.join(h.tmp, "jobs.csv")
    for cmd in ("check", "run"):
        args = (cmd, path) if cmd == "check" else (cmd, path, "-o", h.out)
        stderr = h.bad(*args, out=h.out if cmd == "run" else None)
        expect(re.search(re.escape(csv + ":2:16: error: duration_s: ") + r".*past the end of "
                         r"simulated time", stderr), "{}: got\n{}".format(cmd, stderr))
    os.remove(csv)


def test_values_that_would_overflow(h):
    h.one_edit("power: 300 W", "power: 1e308 W", "power:", "1e308 W", "jobs[0].power",
               [r"out of range", r"1 MW per device"])
    h.one_edit("power: 300 W", "power: 2 MW", "power:", "2 MW", "jobs[0].power",
               [r"out of range", r"1 MW per device"])
    h.one_edit("intensity: 0.431 kg/kWh", "intensity: 1e300 kg/kWh", "intensity:",
               "1e300 kg/kWh", "regions[0].intensity", [r"out of range", r"1e5 g/kWh"])
    rows = ["timestamp_utc,gco2_per_kwh"]
    rows += ["2022-01-01T{:02d}:00:00Z,{}".format(k, "1e308" if k == 3 else "400")
             for k in range(24)]
    h.write("\n".join(rows) + "\n", "grid.csv")
    text = h.edit("intensity: 0.431 kg/kWh", "intensity: { file: grid.csv }")
    text = h.edit("seed: 1\n", "seed: 1\nepoch: 2022-01-01T00:00:00Z\n", text)
    text = h.edit("work: 1 d", "work: 2 h", text)
    path = h.write(text)
    csv = os.path.join(h.tmp, "grid.csv")
    for args in (("check", path), ("run", path, "-o", h.out)):
        stderr = h.bad(*args, out=h.out)
        expect(re.search(re.escape(csv + ":5:22: error: gco2_per_kwh: ") + r".*out of range.*"
                         r"at most 1e5", stderr), "{}: got\n{}".format(args[0], stderr))


def test_trace_too_large_for_memory(h):
    # 2.6e9 intervals of 1 ms over 30 days: hundreds of GB, refused before running.
    text = h.edit("trace: { interval: 1 h }", "trace: { interval: 1 ms }\nhorizon: 30 d")
    line, col = h.where(text, "interval:", "1 ms")
    h.bad_scenario(text, [(line, col, "trace.interval",
                           [r"2\.592e\+09 intervals", r"GB of memory", r"available"])])


def test_below_one_tick(h):
    text = h.edit("trace: { interval: 1 h }\n", "trace: { interval: 1 h }\nhorizon: 1e-10 s\n")
    line, col = h.where(text, "horizon:", "1e-10 s")
    h.bad_scenario(text, [(line, col, "horizon", [r"below one tick", r"1 ns"])])
    h.one_edit("work: 1 d", "work: 1e-12 s", "work:", "1e-12 s", "jobs[0].work",
               [r"out of range", r"1 ns"])
    h.one_edit("work: 1 d", "work: 1e-3 FLOP", "work:", "1e-3 FLOP", "jobs[0].work",
               [r"less than one tick", r"never end"])


def test_seeds_are_exact(h):
    for seed in ["-1", "18446744073709551616", "1.5", "1e3", "0x10"]:
        text = h.edit("seed: 1", "seed: " + seed)
        line, col = h.where(text, "seed:", seed)
        h.bad_scenario(text, [(line, col, "seed", [re.escape(seed), r"2\^64 - 1"])])
    path = h.write(BASE)
    for seed in ["-1", "18446744073709551616", "1.5"]:
        stderr = h.bad("run", path, "-o", h.out, "--seed", seed, out=h.out)
        expect("--seed" in stderr and "2^64 - 1" in stderr, "--seed {}: got\n{}".format(seed, stderr))
    # The largest seed, kept exactly (2^64 - 1 is not a double).
    text = h.edit("seed: 1", "seed: 18446744073709551615")
    path = h.write(text)
    rc, _, stderr = h.run("run", path, "-o", h.out, "-q")
    expect(rc == 0, "seed 2^64 - 1 refused:\n" + stderr)
    rc, stdout, stderr = h.run("report", h.out)
    expect("seed 18446744073709551615" in stdout, "seed not kept exactly:\n" + stdout + stderr)
    os.remove(h.out)



def expect_only(h, path, stderr, head, cmd):
    """`head` (PATH:LINE:COL: error: ...) is on stderr, and it is the one problem."""
    expect(head in stderr, "{}: no {!r} in\n{}".format(cmd, head, stderr))
    expect(len(h.error_lines(path, stderr)) == 1, "{}: follow-on errors:\n{}".format(cmd, stderr))
    h.check_summary(path, stderr, cmd)


def test_second_yaml_document(h):
    # Broken or not, a second document is an error at its line, not ignored.
    for extra, line in [("---\nname: other\n", 22), ("---\nfoo: [1,\n", None), ("---\n", 22)]:
        text = BASE + extra
        path = h.write(text)
        for args in (("check", path), ("run", path, "-o", h.out)):
            stderr = h.bad(*args, out=h.out)
            if line is None:
                expect(re.search(r"^{}:2[34]:\d+: error: YAML syntax error: ".format(
                    re.escape(path)), stderr, re.M), "no syntax error:\n" + stderr)
                h.check_summary(path, stderr, args[0])
            else:
                expect_only(h, path, stderr, "{}:{}:1: error: a second YAML document".format(
                    path, line), args[0])


def test_unterminated_quote_reported_once(h):
    for old, new, key in [("name: small", 'name: "small', "name"),
                          ("work: 1 d", "work: '1 d", "jobs[0].work")]:
        text = h.edit(old, new)
        line, col = h.where(text, new, new.split(": ")[1])
        path = h.write(text)
        for args in (("check", path), ("run", path, "-o", h.out)):
            stderr = h.bad(*args, out=h.out)
            expect_only(h, path, stderr, "{}:{}:{}: error: {}: YAML syntax error: a quoted "
                        "string is not closed".format(path, line, col, key), args[0])


def test_scenario_not_utf8(h):
    text = h.edit("name: small", "name: sm\udcffall")
    path = os.path.join(h.tmp, "latin.yaml")
    with open(path, "wb") as f:
        f.write(text.encode("utf-8", "surrogateescape"))
    for args in (("check", path), ("run", path, "-o", h.out)):
        stderr = h.bad(*args, out=h.out)
        expect_only(h, path, stderr, "{}:1:9: error: byte 0xFF is not UTF-8".format(path),
                    args[0])



def csv_case(h, name, content, text):
    """Writes the CSV `name` (bytes or text) and the scenario `text`; returns both paths."""
    csv = os.path.join(h.tmp, name)
    with open(csv, "wb") as f:
        f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
    return csv, h.write(text)


JOB_TRACE = BASE[: BASE.index("jobs:")] + "workload:\n  trace: { file: jobs.csv }\n"
GRID_SCENARIO = (BASE.replace("intensity: 0.431 kg/kWh", "intensity: { file: grid.csv }")
                 .replace("seed: 1\n", "seed: 1\nepoch: 2022-01-01T00:00:00Z\n")
                 .replace("work: 1 d", "work: 2 h"))


def grid_rows(header, value):
    return header + "\n" + "".join("2022-01-01T{:02d}:00:00Z,{}\n".format(k, value(k))
                                   for k in range(24))


def test_csv_duplicate_columns(h):
    cases = [
        ("jobs.csv", "name,submit_s,accelerator,devices,duration_s,slack_s,slack_s\n"
         "a,0,V100,8,3600,0,0\n", JOB_TRACE, ":1:"),
        ("jobs.csv", "name,submit_s,accelerator,devices,duration_s,name\na,0,V100,8,3600,a\n",
         JOB_TRACE, ":1:"),
        ("grid.csv", grid_rows("timestamp_utc,gco2_per_kwh,GCO2_per_kwh", lambda k: "400,400"),
         GRID_SCENARIO, ":1:"),
        ("grid.csv", grid_rows("timestamp_utc,NG_mwh,NG_mwh", lambda k: "5,5"), GRID_SCENARIO,
         ":1:"),
    ]
    for name, content, text, where in cases:
        csv, path = csv_case(h, name, content, text)
        stderr = h.bad("check", path)
        expect(re.search(re.escape(csv + where) + r"\d+: error: .*appears more than once", stderr),
               "{}: no duplicate-column error in\n{}".format(content.splitlines()[0], stderr))


def test_csv_byte_order_mark(h):
    bom = b"\xef\xbb\xbf"
    for name, content, text in [
        ("jobs.csv", bom + b"name,submit_s,accelerator,devices,duration_s\na,0,V100,8,3600\n",
         JOB_TRACE),
        ("grid.csv", bom + grid_rows("timestamp_utc,gco2_per_kwh", lambda k: "400").encode(),
         GRID_SCENARIO),
    ]:
        _, path = csv_case(h, name, content, text)
        rc, _, stderr = h.run("check", path)
        expect(rc == 0, "{} with a byte-order mark refused:\n{}".format(name, stderr))


def test_csv_long_cell_truncated(h):
    big = "x" * 1000000
    csv, path = csv_case(h, "jobs.csv", "name,submit_s,accelerator,devices,duration_s\n"
                         "a,{},V100,8,3600\n".format(big), JOB_TRACE)
    stderr = h.bad("check", path)
    expect(re.search(re.escape(csv) + r":2:3: error: submit_s: 'x{60}\.\.\. \(1000000 characters\)'",
                     stderr), "not truncated:\n" + stderr[:2000])
    expect(len(stderr) < 2000, "{} characters on stderr".format(len(stderr)))


def test_csv_near_miss_of_optional_column(h):
    csv, path = csv_case(h, "jobs.csv", "name,submit_s,accelerator,devices,duration_s,slak_s\n"
                         "a,0,V100,8,3600,60\n", JOB_TRACE)
    for args in (("check", path), ("run", path, "-o", h.out)):
        stderr = h.bad(*args, out=h.out)
        expect(re.search(re.escape(csv) + r":1:46: error: slak_s: unknown column 'slak_s': "
                         r"did you mean 'slack_s'\?", stderr), "got\n" + stderr)
    # A column far from every known one is ignored, as before.
    csv, path = csv_case(h, "jobs.csv", "name,submit_s,accelerator,devices,duration_s,owner\n"
                         "a,0,V100,8,3600,ann\n", JOB_TRACE)
    rc, _, stderr = h.run("check", path)
    expect(rc == 0, "an unrelated extra column refused:\n" + stderr)
    expect(re.search(r"warning: " + re.escape(csv) + r":1:46: column 'owner' is not a job-trace "
                     r"column .*: ignored", stderr), "no warning for 'owner':\n" + stderr)



def test_duration_and_power_need_no_rate(h):
    # "184,320 GPU-hours at 400 W": a duration and a power, no invented mfu or throughput;
    # the job's FLOPs are unknown (NaN in the trace, null in JSON).
    import json
    text = h.edit("    throughput: 20 TFLOP/s\n", "")
    path = h.write(text)
    rc, _, stderr = h.run("run", path, "-o", h.out, "-q")
    expect(rc == 0, "a duration and a power refused (exit {}):\n{}".format(rc, stderr))
    rc, stdout, stderr = h.run("report", h.out, "--format", "json")
    expect(rc == 0, "report failed:\n" + stderr)
    job = json.loads(stdout)["jobs"][0]
    expect(job["flops"] is None and abs(job["days"] - 1) < 1e-9,
           "flops {} days {}".format(job["flops"], job["days"]))
    os.remove(h.out)
    # A FLOP count still needs a rate.
    text = h.edit("    throughput: 20 TFLOP/s\n", "", h.edit("work: 1 d", "work: 1e21 FLOP"))
    line, col = h.where(text, "- name: job1", "name")
    h.bad_scenario(text, [(line, col, "jobs[0]", [r'missing required key "throughput"'])])


CASES = [(name[len("test_"):], fn) for name, fn in list(globals().items()) if name.startswith("test_")]


def main(argv):
    if len(argv) != 3:
        print("usage: bad_input.py FOOTPRINT_BINARY SCENARIOS_DIR", file=sys.stderr)
        return 2
    h = Harness(argv[1], argv[2])
    if not os.access(h.binary, os.X_OK):
        print("FAIL setup: {} is not an executable".format(h.binary))
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    for name, fn in CASES:
        h.fresh_dir()
        try:
            fn(h)
            print("ok " + name)
            passed += 1
        except Failure as e:
            lines = str(e).splitlines() or [""]
            print("FAIL {}: {}".format(name, lines[0]))
            for l in lines[1:]:
                print("    " + l)
            failed += 1
        except Exception:  # a bug in the test itself still counts as a failure
            print("FAIL {}: exception in the test".format(name))
            print(traceback.format_exc())
            failed += 1
        finally:
            h.cleanup()
        sys.stdout.flush()
    print("{} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
