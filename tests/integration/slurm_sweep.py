#!/usr/bin/python3
"""Sweeps on a real one-node Slurm (issue 19; docs/sweeps.md, "On Slurm").

Starts munged, slurmctld and slurmd (Debian's packages) as root in a temporary folder with
their own ports, sockets and state, then runs scenarios/sweeps/table4-pue-region.yaml

  * as a job array, `sbatch --array=0-1 --wait` of the script in docs/sweeps.md, then
    `footprint sweep --merge`;
  * as `srun --mpi=pmix -n 2` (two MPI ranks started by Slurm through PMIx);

and checks that each gives the same index and point files, byte for byte, as one process.
Skips (exit 77, with a message) only when Slurm's packages are not installed; when they are
and Slurm cannot start, it fails with the daemons' logs.

  slurm_sweep.py FOOTPRINT_BINARY SCENARIOS_DIR
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from sweep_test import same_tree  # the same byte-for-byte comparison of two sweeps

SKIP = 77
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "srun", "sinfo")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)"


class Slurm:
    """A one-node cluster in `root`; stop() ends its daemons."""

    def __init__(self, root):
        self.root = root
        self.procs = []
        self.host = socket.gethostname().split(".")[0]
        self.conf = os.path.join(root, "slurm.conf")
        self.munge_socket = os.path.join(root, "munge.socket")
        for d in ("state", "spool", "log", "munge"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        cpus = os.cpu_count() or 1
        port = free_port()
        with open(self.conf, "w") as f:
            f.write(f"""ClusterName=footprint-test
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={port}
SlurmdPort={free_port()}
AuthType=auth/munge
AuthInfo=socket={self.munge_socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName={self.host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes={self.host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def start(self):
        key = os.path.join(self.root, "munge", "munge.key")
        subprocess.run(["mungekey", "--create", "--keyfile", key, "--force"], check=True,
                       capture_output=True)
        os.chmod(key, 0o600)
        self.procs.append(subprocess.Popen(
            ["munged", "--foreground", "--force", "--socket", self.munge_socket, "--key-file", key,
             "--pid-file", os.path.join(self.root, "munge", "munged.pid"),
             "--log-file", os.path.join(self.root, "log", "munged.log"),
             "--seed-file", os.path.join(self.root, "munge", "munged.seed")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        for _ in range(50):
            if os.path.exists(self.munge_socket):
                break
            time.sleep(0.1)
        self.procs.append(subprocess.Popen(["slurmctld", "-D", "-i", "-f", self.conf],
                                           env=self.env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.STDOUT))
        time.sleep(1)
        self.procs.append(subprocess.Popen(["slurmd", "-D", "-f", self.conf, "-N", self.host],
                                           env=self.env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.STDOUT))
        deadline = time.time() + 60
        while time.time() < deadline:
            r = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=self.env,
                               capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip() in ("idle", "mixed", "allocated"):
                return True
            time.sleep(0.5)
        return False

    def logs(self):
        return "\n".join(f"--- {n}\n{tail(os.path.join(self.root, 'log', n))}"
                         for n in ("munged.log", "slurmctld.log", "slurmd.log"))

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, scenarios = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    missing = [d for d in DAEMONS if shutil.which(d) is None]
    if missing:
        print(f"SKIP: Slurm is not installed (no {', '.join(missing)}; scripts/setup installs "
              "slurmctld, slurmd, slurm-client and munge)")
        return SKIP
    if os.geteuid() != 0:
        print("SKIP: starting slurmctld, slurmd and munged for the test needs root")
        return SKIP
    sweep = os.path.join(scenarios, "sweeps", "table4-pue-region.yaml")
    failures = 0
    # The shared folder must be readable by the jobs: a folder of its own under /tmp.
    tmp = tempfile.mkdtemp(prefix="footprint-slurm-")
    slurm = Slurm(os.path.join(tmp, "cluster"))
    try:
        if not slurm.start():
            print("FAIL: the one-node Slurm did not come up within 60 s\n" + slurm.logs())
            return 1
        print(f"ok one-node Slurm up ({slurm.host})")
        ref = os.path.join(tmp, "one-process")
        r = subprocess.run([exe, "sweep", sweep, "--out", ref, "-q"], capture_output=True,
                           text=True)
        if r.returncode != 0:
            print("FAIL: the sweep in one process: " + r.stderr[-500:])
            return 1

        # A job array of two tasks, each a shard (from SLURM_ARRAY_TASK_*), then the merge:
        # the job script of docs/sweeps.md.
        array = os.path.join(tmp, "array")
        script = os.path.join(tmp, "array.sh")
        with open(script, "w") as f:
            f.write(f"""#!/bin/sh
#SBATCH --job-name=footprint-sweep
#SBATCH --array=0-1
#SBATCH --cpus-per-task=1
#SBATCH --output={tmp}/array-%a.log
exec {exe} sweep {sweep} --out {array} --threads 1 -q
""")
        r = subprocess.run(["sbatch", "--wait", script], env=slurm.env, capture_output=True,
                           text=True, timeout=900)
        logs = "".join(tail(os.path.join(tmp, f"array-{i}.log")) for i in range(2))
        if r.returncode != 0:
            print(f"FAIL: sbatch --array=0-1 --wait: exit {r.returncode}: {r.stderr}\n{logs}\n"
                  + slurm.logs())
            failures += 1
        else:
            shards = sorted(n for n in os.listdir(array) if n.startswith("index.shard-"))
            ok = shards == ["index.shard-0-of-2.h5", "index.shard-1-of-2.h5"]
            print(("ok" if ok else "FAIL") + f" the array's two tasks wrote one shard each {shards}")
            failures += not ok
            m = subprocess.run([exe, "sweep", "--merge", array], capture_output=True, text=True)
            ok = m.returncode == 0 and same_tree(ref, array)
            print(("ok" if ok else "FAIL")
                  + " sbatch --array, then sweep --merge: the index and point files of one process")
            failures += not ok

        # Two MPI ranks started by Slurm through PMIx.
        mpi = os.path.join(tmp, "srun")
        r = subprocess.run(["srun", "--mpi=pmix", "-n", "2", "--cpus-per-task=1", exe, "sweep",
                            sweep, "--out", mpi, "--threads", "1"],
                           env=slurm.env, capture_output=True, text=True, timeout=900)
        ok = r.returncode == 0 and same_tree(ref, mpi)
        print(("ok" if ok else "FAIL")
              + " srun --mpi=pmix -n 2: the index and point files of one process"
              + ("" if ok else f" (exit {r.returncode}): {r.stderr[-800:]}\n" + slurm.logs()))
        failures += not ok
        # One sweep over two ranks, not two sweeps side by side: rank 0's summary lists both
        # ranks and their points (24 in all).
        out = r.stdout + r.stderr
        counts = [int(line.split(":")[1].split()[0]) for line in out.splitlines()
                  if line.startswith(("rank 0:", "rank 1:"))]
        ok = len(counts) == 2 and sum(counts) == 24 and min(counts) > 0
        print(("ok" if ok else "FAIL") + f" the two ranks shared the 24 points ({counts})"
              + ("" if ok else f": {out[-800:]}"))
        failures += not ok
    finally:
        slurm.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
