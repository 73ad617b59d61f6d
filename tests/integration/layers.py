#!/usr/bin/env python3
"""The layers of Footprint's code, checked from its #include lines.

    layers.py ROOT          check the tree at ROOT; exit 1 on any include against the
                            layers or any cycle between folders
    layers.py --self-test   check that both kinds of problem are caught, on a small tree

Layers (docs/architecture.md), from the bottom:
  sim/engine   the discrete-event engine: includes only itself
  sim/kernel   units, diagnostics, HDF5, hashing, trace schema: the engine and the kernel
  models       the engine, the kernel and models
  analysis     the kernel and analysis (traces are read through the HDF5 layer and schema)
  sim/app      anything (scenario, trace writer, sweeps, benchmarks, the program)

A folder is sim/engine, sim/kernel/<name>, sim/app/<name>, models/<name> or analysis. Folders
may include each other only without a cycle: models/fleet may include models/topology, or
the other way round, never both. Library targets expose only their own headers (the build
enforces that); this checks what the build cannot: which way the includes point.
"""

import re
import sys
import tempfile
from pathlib import Path

SOURCE_DIRS = ("sim", "models", "analysis")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# Written at build time, outside the tree (sim/app/cli includes it).
GENERATED = {"footprint/version.hpp"}

# layer -> the layers it may include
ALLOWED = {
    "engine": {"engine"},
    "kernel": {"engine", "kernel"},
    "models": {"engine", "kernel", "models"},
    "analysis": {"kernel", "analysis"},
    "app": {"engine", "kernel", "models", "analysis", "app"},
}


def folder_of(path):
    """The folder a file belongs to, as a path from the root, or None outside the layers."""
    parts = Path(path).parts
    if parts[0] == "analysis":
        return "analysis"
    if parts[0] == "models" and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "sim" and len(parts) > 2:
        if parts[1] == "engine":
            return "sim/engine"
        if parts[1] in ("kernel", "app") and len(parts) > 3:
            return "/".join(parts[:3])
    return None


def layer_of(folder):
    if folder == "sim/engine":
        return "engine"
    if folder.startswith("sim/kernel/"):
        return "kernel"
    if folder.startswith("sim/app/"):
        return "app"
    if folder.startswith("models/"):
        return "models"
    return "analysis"


def includes(root):
    """Every quoted include of the source tree: (file, line, included path)."""
    for top in SOURCE_DIRS:
        for f in sorted((root / top).rglob("*")):
            if f.suffix not in (".hpp", ".cpp", ".h") or not f.is_file():
                continue
            rel = f.relative_to(root).as_posix()
            for n, text in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(text)
                if m:
                    yield rel, n, m.group(1)


def find_cycles(edges):
    """Strongly connected components of more than one folder (Tarjan), each sorted."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def check(root):
    """Problems found in the tree at root, as printable lines."""
    problems = []
    edges = {}
    witness = {}
    for rel, line, target in includes(root):
        source = folder_of(rel)
        if source is None or target in GENERATED:
            continue
        if not (root / target).is_file():
            problems.append(f"{rel}:{line}: includes \"{target}\", which is not a file of the tree")
            continue
        dest = folder_of(target)
        if dest is None:
            problems.append(f"{rel}:{line}: includes \"{target}\", outside the layered folders")
            continue
        if layer_of(dest) not in ALLOWED[layer_of(source)]:
            problems.append(f"{rel}:{line}: {source} ({layer_of(source)}) includes {target} "
                            f"({layer_of(dest)}): a {layer_of(source)} folder may include only "
                            f"{', '.join(sorted(ALLOWED[layer_of(source)]))}")
        if dest != source:
            edges.setdefault(source, set()).add(dest)
            witness.setdefault((source, dest), f"{rel}:{line}")
    for cycle in find_cycles(edges):
        links = [f"{a} -> {b} ({witness[(a, b)]})" for a in cycle for b in cycle
                 if (a, b) in witness]
        problems.append("cycle between folders " + ", ".join(cycle) + ": " + "; ".join(links))
    return problems


def self_test():
    """Both kinds of problem are found, and a clean tree passes."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def write(path, *included):
            f = root / path
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text("".join(f'#include "{i}"\n' for i in included))

        write("sim/engine/time.hpp")
        write("sim/kernel/units/quantity.hpp", "sim/engine/time.hpp")
        write("models/grid/carbon.hpp", "sim/kernel/units/quantity.hpp")
        write("models/fleet/dc.hpp", "models/grid/carbon.hpp")
        write("sim/app/scenario/load.cpp", "models/fleet/dc.hpp")
        write("analysis/report.cpp", "sim/kernel/units/quantity.hpp")
        assert check(root) == [], check(root)
        write("models/grid/carbon.hpp", "sim/kernel/units/quantity.hpp", "sim/app/scenario/load.cpp")
        write("models/grid/series.hpp", "models/fleet/dc.hpp")
        problems = check(root)
        assert any("models/grid (models) includes sim/app/scenario/load.cpp" in p
                   for p in problems), problems
        assert any(p.startswith("cycle between folders models/fleet, models/grid")
                   for p in problems), problems
        write("sim/kernel/units/quantity.hpp", "models/grid/carbon.hpp")
        assert any("sim/kernel/units (kernel) includes models/grid/carbon.hpp" in p
                   for p in check(root))
    print("layers self-test: an upward include and a folder cycle are both reported")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[1]).resolve()
    problems = check(root)
    for p in problems:
        print(p)
    count = sum(1 for _ in includes(root))
    if problems:
        print(f"layers: {len(problems)} problem(s) in {count} includes")
        return 1
    print(f"layers: {count} includes, all downward, no cycle between folders")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
