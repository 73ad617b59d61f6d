#!/usr/bin/env bash
# Every scenario shipped in scenarios/ runs, gives a byte-identical trace at 1, 2 and 8
# threads (and so on every run: the file holds no timestamps), and gives the figures stored
# in tests/reference/<scenario>.json, within a relative 1e-9 (tests/reference/README.md):
# a drift that is the same at every thread count fails here too. With KEEP_DIR, each
# scenario's 1-thread trace is kept there as <scenario>.h5 (its *.h5 are removed first), for
# the tests that read traces (ctest's trace_readers, through the fixture `traces`).
#   scenarios_deterministic.sh FOOTPRINT SCENARIOS_DIR [KEEP_DIR]
set -euo pipefail
fp=$1
dir=$2
keep=${3:-}
if [[ -n $keep ]]; then
  mkdir -p "$keep"
  rm -f "$keep"/*.h5
fi
here=$(cd "$(dirname "$0")" && pwd)
# Data files scenarios name by a data-folder path (the Azure request trace): ../shared/data.
export FOOTPRINT_DATA=${FOOTPRINT_DATA:-$(cd "$here/../../.." && pwd)/shared/data}
refs=$(cd "$here/.." && pwd)/reference
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
n=0
for s in "$dir"/*.yaml; do
  name=$(basename "$s" .yaml)
  # A scenario that reads the shared data folder (it says so in a line "# Reads the shared
  # data folder") is skipped, with a message, where that folder is absent, as the unit
  # tests that read it are.
  if grep -q '^# Reads the shared data folder' "$s" && [[ ! -d $FOOTPRINT_DATA ]]; then
    echo "skipped $name: it reads $FOOTPRINT_DATA, which is absent"
    continue
  fi
  for t in 1 2 8; do
    "$fp" run "$s" -o "$tmp/$name.t$t.h5" --threads "$t" --quiet >/dev/null
  done
  for t in 2 8; do
    if cmp -s "$tmp/$name.t1.h5" "$tmp/$name.t$t.h5"; then
      echo "ok $name: 1 and $t threads byte-identical"
    else
      echo "FAIL $name: traces at 1 and $t threads differ"
      status=1
    fi
  done
  if [[ ! -f $refs/$name.json ]]; then
    echo "FAIL $name: no reference $refs/$name.json; create it with" \
      "scripts/update-references --footprint $fp $name (tests/reference/README.md)"
    status=1
  elif ! /usr/bin/python3 "$here/reference.py" check "$tmp/$name.t1.h5" "$refs/$name.json"; then
    status=1
  fi
  if [[ -n $keep ]]; then
    mv "$tmp/$name.t1.h5" "$keep/$name.h5"
  fi
  rm -f "$tmp/$name".t*.h5
  n=$((n + 1))
done
((n > 0)) || { echo "no scenarios in $dir"; exit 1; }
exit $status
