#!/usr/bin/python3
"""Faults survived: the machine failing under footprint, through the real CLI.

Usage: faults.py FOOTPRINT_BINARY SCENARIOS_DIR SWEEPS_DIR

Each case provokes a real fault (no mocks): a full disk through RLIMIT_FSIZE (SIGXFSZ
ignored, so write(2) fails with EFBIG as on a full disk), a real SIGINT or SIGTERM sent
to a running process, two processes writing the same output at once, output paths that
must be refused (the scenario itself, a device, a pipe, a name too long), absurd thread
counts, output into a read-only folder, and truncated or damaged traces (zeroed bytes in
the middle) given to report and compare. Every case checks the exit
code, that the process was not killed by a signal of its own (SIGSEGV at exit was the
defect), and that no output nor temporary file is left behind. Standard library only.
"""

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class Failure(Exception):
    pass


def expect(cond, reason):
    if not cond:
        raise Failure(reason)


class Harness:
    def __init__(self, binary, scenarios, sweeps):
        self.binary = os.path.abspath(binary)
        self.scenarios = os.path.abspath(scenarios)
        self.sweeps = os.path.abspath(sweeps)
        self.tmp = None

    def fresh_dir(self):
        self.tmp = tempfile.mkdtemp(prefix="footprint-faults-")

    def cleanup(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def scenario(self, name):
        return os.path.join(self.scenarios, name)

    def start(self, *args, fsize=None):
        """Starts footprint in the temporary folder; with `fsize`, files it writes are
        limited to that many bytes (RLIMIT_FSIZE) and SIGXFSZ is ignored."""

        def limit():
            if fsize is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

        return subprocess.Popen(
            [self.binary, *args],
            cwd=self.tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=limit,
        )

    def run(self, *args, fsize=None, timeout=300):
        p = self.start(*args, fsize=fsize)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise Failure("timed out: footprint {}".format(" ".join(args)))
        return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    @staticmethod
    def temporaries(folder):
        return sorted(n for n in os.listdir(folder) if ".tmp-" in n)

    def no_crash(self, rc, stderr, cmd):
        expect(rc >= 0, "{}: killed by signal {}\n{}".format(cmd, -rc, stderr))
        expect(rc not in (134, 139), "{}: crashed (exit {})\n{}".format(cmd, rc, stderr))
        expect("terminate called" not in stderr, "{}: uncaught exception\n{}".format(cmd, stderr))
        expect("internal error" not in stderr, "{}: internal error\n{}".format(cmd, stderr))


# ---------------------------------------------------------------------- a full disk


def test_disk_full_run(h):
    out = os.path.join(h.tmp, "out.h5")
    rc, _, err = h.run("run", h.scenario("patterson2021.yaml"), "-o", out, "-q", fsize=64 * 1024)
    h.no_crash(rc, err, "run with a full disk")
    expect(rc == 1, "exit code {}, expected 1\n{}".format(rc, err))
    expect("File too large" in err, "the system's reason is not in the message:\n" + err)
    expect(not os.path.exists(out), "a partial output was left")
    expect(not h.temporaries(h.tmp), "temporaries left: {}".format(h.temporaries(h.tmp)))


def test_disk_full_sweep(h):
    out = os.path.join(h.tmp, "sweep")
    sweep = os.path.join(h.sweeps, "replicas.yaml")
    # 4 KiB: the points fail; 16 KiB: the points pass, the index fails; 2 MiB: all pass.
    for limit in (4 * 1024, 16 * 1024, 2 * 1024 * 1024):
        rc, _, err = h.run("sweep", sweep, "--out", out, "-q", "--threads", "2", fsize=limit)
        h.no_crash(rc, err, "sweep with a full disk (limit {})".format(limit))
        if rc == 0:
            continue  # the limit was not reached
        expect(rc == 1, "limit {}: exit code {}, expected 1\n{}".format(limit, rc, err))
        expect(
            not h.temporaries(out), "limit {}: temporaries left: {}".format(limit, h.temporaries(out))
        )
    # With the disk back, the same sweep completes (resuming what was written).
    rc, _, err = h.run("sweep", sweep, "--out", out, "-q", "--threads", "2")
    expect(rc == 0, "sweep after the disk came back: exit {}\n{}".format(rc, err))
    expect(os.path.exists(os.path.join(out, "index.h5")), "no index after the retry")


# ---------------------------------------------------------------------- thread counts


def test_thread_counts_out_of_range(h):
    scenario = h.scenario("patterson2021.yaml")
    sweep = os.path.join(h.sweeps, "replicas.yaml")
    cases = [
        (["run", scenario, "--threads", "65537"], "--threads"),
        (["run", scenario, "--threads", "4294967295"], "--threads"),
        (["sweep", sweep, "--out", "s", "--point-threads", "100000"], "--point-threads"),
        (["sweep", sweep, "--out", "s", "--threads", "100000"], "--threads"),
        (["bench", "phold", "--threads", "100000"], "--threads"),
        (["bench", "steps", "--threads", "100000"], "--threads"),
    ]
    for args, flag in cases:
        rc, _, err = h.run(*args, timeout=60)
        cmd = "footprint " + " ".join(args)
        h.no_crash(rc, err, cmd)
        expect(rc == 2, "{}: exit {}, expected 2\n{}".format(cmd, rc, err))
        expect(flag in err, "{}: the message does not name {}:\n{}".format(cmd, flag, err))
    expect(os.listdir(h.tmp) == [], "files written: {}".format(os.listdir(h.tmp)))


# ---------------------------------------------------------------------- signals


def interrupt(h, sig, delay, expected):
    out = os.path.join(h.tmp, "fleet.h5")
    p = h.start("run", h.scenario("fleet-year.yaml"), "-o", out, "-q", "--threads", "2")
    time.sleep(delay)
    expect(p.poll() is None, "the run ended before the signal (exit {})".format(p.returncode))
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Failure("still running 60 s after signal {}".format(sig))
    err = err.decode("utf-8", "replace")
    expect(p.returncode == expected, "exit {}, expected {}\n{}".format(p.returncode, expected, err))
    expect(not os.path.exists(out), "an output was left after signal {}".format(sig))
    left = h.temporaries(h.tmp)
    expect(not left, "temporaries left after signal {}: {}".format(sig, left))


def test_sigint_while_running(h):
    interrupt(h, signal.SIGINT, 1.5, 130)


def test_sigterm_while_running(h):
    interrupt(h, signal.SIGTERM, 1.0, 143)


def test_sigterm_at_any_moment(h):
    """SIGTERM at moments spread over a short run (loading, running, writing, the report):
    either the run had finished (exit 0, a whole trace) or nothing is left (exit 143)."""
    out = os.path.join(h.tmp, "month.h5")
    stopped = 0
    for i in range(16):
        p = h.start("run", h.scenario("carbon-aware-month.yaml"), "-o", out, "-q", "--force")
        time.sleep(0.04 * i)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        err = err.decode("utf-8", "replace")
        left = h.temporaries(h.tmp)
        expect(not left, "SIGTERM after {:.2f} s: temporaries left: {}".format(0.04 * i, left))
        if p.returncode == -signal.SIGTERM:
            # Before main() installed its handler (the program still loading): nothing
            # was created yet, which the checks above and below confirm.
            expect(not os.path.exists(out), "an output after SIGTERM during start-up")
            continue
        if p.returncode == 143:
            stopped += 1
            if os.path.exists(out):
                # Renamed into place before the signal (it came during the summary): whole.
                with open(out, "rb") as f:
                    expect(f.read(8) == HDF5_SIGNATURE, "a partial output after SIGTERM")
                rc, _, err = h.run("report", out, "--format", "csv")
                expect(rc == 0, "the output left after SIGTERM does not read back: " + err)
                os.remove(out)
            continue
        expect(p.returncode == 0, "exit {} after SIGTERM\n{}".format(p.returncode, err))
        rc, _, err = h.run("report", out, "--format", "csv")
        expect(rc == 0, "the finished output does not read back: {}".format(err))
        os.remove(out)
    expect(stopped > 0, "no run was stopped by SIGTERM")


def test_sigterm_sweep(h):
    out = os.path.join(h.tmp, "sweep")
    p = h.start("sweep", os.path.join(h.sweeps, "slow.yaml"), "--out", out, "-q", "--threads", "2")
    # Signalled as soon as the first point is complete: the others are in flight.
    points = os.path.join(out, "points")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and p.poll() is None:
        if os.path.isdir(points) and any(n.endswith(".h5") for n in os.listdir(points)):
            break
        time.sleep(0.01)
    expect(p.poll() is None, "the sweep ended before the signal")
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=60)
    expect(p.returncode == 143, "exit {}, expected 143".format(p.returncode))
    if os.path.isdir(out):
        expect(not h.temporaries(out), "temporaries left: {}".format(h.temporaries(out)))
        expect(not os.path.exists(os.path.join(out, "index.h5")), "an index after SIGTERM")


# ---------------------------------------------------------------------- two writers


def test_two_runs_same_output(h):
    out = os.path.join(h.tmp, "out.h5")
    scenario = h.scenario("patterson2021.yaml")
    procs = [h.start("run", scenario, "-o", out, "--force", "-q") for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        err = err.decode("utf-8", "replace")
        expect(p.returncode == 0, "a concurrent run failed: exit {}\n{}".format(p.returncode, err))
    expect(not h.temporaries(h.tmp), "temporaries left: {}".format(h.temporaries(h.tmp)))
    rc, _, err = h.run("report", out, "--format", "csv")
    expect(rc == 0, "the output of concurrent runs does not read back: {}".format(err))


def test_two_sweeps_same_folder(h):
    out = os.path.join(h.tmp, "sweep")
    sweep = os.path.join(h.sweeps, "replicas.yaml")
    procs = [h.start("sweep", sweep, "--out", out, "-q", "--threads", "1") for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        err = err.decode("utf-8", "replace")
        expect(p.returncode == 0, "a concurrent sweep failed: exit {}\n{}".format(p.returncode, err))
    expect(not h.temporaries(out), "temporaries left: {}".format(h.temporaries(out)))
    rc, _, err = h.run("report", os.path.join(out, "index.h5"), "--format", "csv")
    expect(rc == 0, "the index of concurrent sweeps does not read back: {}".format(err))


# ---------------------------------------------------------------------- refused outputs


def test_output_is_the_scenario(h):
    scenario = os.path.join(h.tmp, "s.yaml")
    shutil.copy(h.scenario("patterson2021.yaml"), scenario)
    before = open(scenario, "rb").read()
    for out in ("s.yaml", "./s.yaml", scenario):
        rc, _, err = h.run("run", "s.yaml", "-o", out, "--force", "-q")
        h.no_crash(rc, err, "-o {}".format(out))
        expect(rc == 2, "-o {} --force: exit {}, expected 2\n{}".format(out, rc, err))
        expect("s.yaml" in err and "scenario" in err, "message does not name both:\n" + err)
        expect(open(scenario, "rb").read() == before, "the scenario was overwritten")
    expect(not h.temporaries(h.tmp), "temporaries left")


def test_force_does_not_replace_special_files(h):
    scenario = h.scenario("patterson2021.yaml")
    fifo = os.path.join(h.tmp, "pipe.h5")
    os.mkfifo(fifo)
    link = os.path.join(h.tmp, "null.h5")
    os.symlink("/dev/null", link)
    for out in (fifo, link, "/dev/full", "/dev/null"):
        rc, _, err = h.run("run", scenario, "-o", out, "--force", "-q", timeout=60)
        h.no_crash(rc, err, "-o {}".format(out))
        expect(rc == 2, "-o {} --force: exit {}, expected 2\n{}".format(out, rc, err))
        expect(out in err and "not a regular file" in err, "message:\n" + err)
    expect(stat.S_ISFIFO(os.stat(fifo).st_mode), "the pipe was replaced")
    expect(os.path.islink(link), "the link was replaced")
    expect(stat.S_ISCHR(os.stat("/dev/full").st_mode), "/dev/full was replaced")
    expect(not [n for n in os.listdir("/dev") if ".tmp-" in n], "a temporary left in /dev")
    expect(not h.temporaries(h.tmp), "temporaries left")


def test_output_name_too_long(h):
    for length in (250, 300):
        out = os.path.join(h.tmp, "x" * length + ".h5")
        t0 = time.monotonic()
        rc, _, err = h.run("run", h.scenario("fleet-year.yaml"), "-o", out, "-q", timeout=60)
        elapsed = time.monotonic() - t0
        h.no_crash(rc, err, "-o <{} characters>".format(length))
        expect(rc == 2, "name of {}: exit {}, expected 2\n{}".format(length, rc, err))
        expect(out in err and "too long" in err, "message does not name the path:\n" + err)
        # The fleet year takes far longer than this to run: refused before running.
        expect(elapsed < 20, "refused only after {:.1f} s".format(elapsed))
    expect(os.listdir(h.tmp) == [], "files left: {}".format(os.listdir(h.tmp)))


class ReadOnlyFolder:
    """A folder nothing may be written into. As root (CI), permissions stop nothing, so it
    is a read-only tmpfs mounted there; otherwise a folder with mode 0555."""

    def __init__(self, path):
        self.path = path
        self.mounted = False

    def __enter__(self):
        os.mkdir(self.path)
        if os.geteuid() == 0:
            r = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "footprint-faults", self.path],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            expect(r.returncode == 0,
                   "as root, a read-only tmpfs is needed and mount failed:\n" + r.stdout.decode())
            self.mounted = True
        else:
            os.chmod(self.path, 0o555)
        return self.path

    def __exit__(self, *exc):
        if self.mounted:
            subprocess.run(["umount", self.path], check=False)
        else:
            os.chmod(self.path, 0o755)
        os.rmdir(self.path)
        return False


def test_output_into_read_only_folder(h):
    with ReadOnlyFolder(os.path.join(h.tmp, "ro")) as ro:
        # Proof that the folder refuses a write, whoever runs the test.
        try:
            open(os.path.join(ro, "probe"), "wb").close()
            expect(False, "the read-only folder accepted a file")
        except OSError:
            pass
        out = os.path.join(ro, "out.h5")
        cases = [
            (["run", h.scenario("patterson2021.yaml"), "-o", out, "-q"], out),
            (["run", h.scenario("patterson2021.yaml"), "-o", out, "--force", "-q"], out),
            (["sweep", os.path.join(h.sweeps, "replicas.yaml"), "--out",
              os.path.join(ro, "sweep"), "-q"], os.path.join(ro, "sweep")),
        ]
        for args, named in cases:
            cmd = "footprint " + " ".join(args)
            rc, _, err = h.run(*args, timeout=120)
            h.no_crash(rc, err, cmd)
            # An output path that cannot be used is bad input (README: exit code 2).
            expect(rc == 2, "{}: exit {}, expected 2\n{}".format(cmd, rc, err))
            expect(named in err, "{}: the message does not name the path:\n{}".format(cmd, err))
            expect(os.listdir(ro) == [], "{}: files left: {}".format(cmd, os.listdir(ro)))


# ---------------------------------------------------------------------- truncated traces


def test_truncated_trace(h):
    full = os.path.join(h.tmp, "full.h5")
    rc, _, err = h.run("run", h.scenario("patterson2021.yaml"), "-o", full, "-q")
    expect(rc == 0, "the reference run failed: {}".format(err))
    data = open(full, "rb").read()
    cut = os.path.join(h.tmp, "cut.h5")
    for size in (8, 512, len(data) // 3, len(data) // 2, len(data) - 100):
        for zero_tail in (False, True):
            with open(cut, "wb") as f:
                f.write(data[:size])
                if zero_tail:
                    f.write(bytes(len(data) - size))  # the size as before, the end zeros
            for args in (["report", cut], ["report", cut, "--format", "json"],
                         ["compare", full, cut], ["compare", cut, full]):
                rc, _, err = h.run(*args, timeout=60)
                cmd = "footprint {} ({} bytes kept{})".format(
                    " ".join(args), size, ", zeros after" if zero_tail else "")
                h.no_crash(rc, err, cmd)
                if zero_tail and rc == 0:
                    continue  # the zeros fell where the file holds nothing it needs
                expect(rc == 2, "{}: exit {}, expected 2\n{}".format(cmd, rc, err))
                expect("cut.h5" in err, "{}: the message does not name the file:\n{}".format(cmd, err))



def zeroed_copy(source, path, offset, length=4096):
    """A copy of `source` with `length` bytes zeroed from `offset`, the size kept, as a
    disk or a copy that lost a block would leave it."""
    data = bytearray(open(source, "rb").read())
    data[offset:offset + length] = bytes(len(data[offset:offset + length]))
    with open(path, "wb") as f:
        f.write(data)


def test_zeroed_trace(h):
    full = os.path.join(h.tmp, "full.h5")
    rc, _, err = h.run("run", h.scenario("patterson2021.yaml"), "-o", full, "-q")
    expect(rc == 0, "the reference run failed: {}".format(err))
    data = open(full, "rb").read()
    # The middle of the file, and 1 KiB into each global heap collection (its header
    # "GCOL", version 1): there libhdf5 looped forever on the zeroed objects.
    offsets = [len(data) // 2]
    at = data.find(b"GCOL\x01\x00\x00\x00")
    while at >= 0:
        offsets.append(at + 1024)
        at = data.find(b"GCOL\x01\x00\x00\x00", at + 1)
    expect(len(offsets) > 1, "the trace has no global heap collection: the case tests nothing")
    zeroed = os.path.join(h.tmp, "zeroed.h5")
    for offset in offsets:
        zeroed_copy(full, zeroed, offset)
        for args in (["report", zeroed], ["report", zeroed, "--format", "csv"],
                     ["compare", full, zeroed], ["compare", zeroed, full]):
            cmd = "footprint {} (4 KiB zeroed at byte {})".format(" ".join(args), offset)
            t0 = time.monotonic()
            # run() fails the case on a timeout: a hang inside libhdf5 was the defect.
            rc, out, err = h.run(*args, timeout=60)
            elapsed = time.monotonic() - t0
            h.no_crash(rc, err, cmd)
            expect(rc == 2, "{}: exit {} after {:.1f} s, expected 2\n{}".format(cmd, rc, elapsed, err))
            expect("zeroed.h5" in err, "{}: the message does not name the file:\n{}".format(cmd, err))
            expect(out == "", "{}: printed a report of a damaged file:\n{}".format(cmd, out[:400]))


CASES = [
    (name, fn)
    for name, fn in sorted(globals().items())
    if name.startswith("test_") and callable(fn)
]


def main(argv):
    if len(argv) < 4:
        print("usage: faults.py FOOTPRINT_BINARY SCENARIOS_DIR SWEEPS_DIR [CASE...]", file=sys.stderr)
        return 2
    h = Harness(argv[1], argv[2], argv[3])
    only = set(argv[4:])
    passed = failed = 0
    for name, fn in CASES:
        if only and name not in only:
            continue
        h.fresh_dir()
        try:
            fn(h)
            print("ok " + name)
            passed += 1
        except Failure as e:
            lines = str(e).splitlines() or [""]
            print("FAIL {}: {}".format(name, lines[0]))
            for line in lines[1:]:
                print("    " + line)
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
