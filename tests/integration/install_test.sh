#!/usr/bin/env bash
# `cmake --install` gives a working program with its docs, scenarios and plot.py: install
# into a temporary prefix, check the installed docs are there, run the installed program on
# an installed scenario, and the installed plot.py (which imports the installed
# footprint_trace.py beside it) on its trace.
#   install_test.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
fp="$prefix/bin/footprint"
doc="$prefix/share/doc/footprint"
for f in README.md architecture.md trace-format.md scenario-format.md scenarios/patterson2021.yaml; do
  [[ -f $doc/$f ]] || { echo "FAIL: $doc/$f not installed"; exit 1; }
done
[[ -x $prefix/share/footprint/plot.py ]] || { echo "FAIL: plot.py not installed"; exit 1; }
[[ -f $prefix/share/footprint/footprint_trace.py ]] || { echo "FAIL: footprint_trace.py not installed"; exit 1; }
"$fp" --version
"$fp" run "$doc/scenarios/patterson2021.yaml" -o "$prefix/t.h5" --quiet >/dev/null
[[ -s $prefix/t.h5 ]] || { echo "FAIL: the installed program wrote no trace"; exit 1; }
# From another folder, so that only the installed footprint_trace.py can be found.
(cd "$prefix" && /usr/bin/python3 "$prefix/share/footprint/plot.py" run t.h5 --out plots >/dev/null) \
  || { echo "FAIL: the installed plot.py failed on the installed program's trace"; exit 1; }
[[ -s $prefix/plots/power.csv ]] || { echo "FAIL: the installed plot.py wrote no power.csv"; exit 1; }
echo "ok: installed program, docs, scenarios and plot.py; the installed program ran patterson2021 and plot.py plotted it"
