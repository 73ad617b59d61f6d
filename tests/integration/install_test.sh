#!/usr/bin/env bash
# `cmake --install` gives a working program with its docs and scenarios: install into a
# temporary prefix, then run the installed program on an installed scenario and check the
# installed docs are there.
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
"$fp" --version
"$fp" run "$doc/scenarios/patterson2021.yaml" -o "$prefix/t.h5" --quiet >/dev/null
[[ -s $prefix/t.h5 ]] || { echo "FAIL: the installed program wrote no trace"; exit 1; }
echo "ok: installed program, docs and scenarios; the installed program ran patterson2021"
