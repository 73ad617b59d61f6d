#!/usr/bin/env bash
# Every scenario shipped in scenarios/ runs, gives a byte-identical trace at 1, 2 and 8
# threads (and so on every run: the file holds no timestamps), and gives the figures stored
# in tests/reference/<scenario>.json, within a relative 1e-9 (tests/reference/README.md):
# a drift that is the same at every thread count fails here too.
#   scenarios_deterministic.sh FOOTPRINT SCENARIOS_DIR
set -euo pipefail
fp=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
refs=$(cd "$here/.." && pwd)/reference
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
n=0
for s in "$dir"/*.yaml; do
  name=$(basename "$s" .yaml)
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
  rm -f "$tmp/$name".t*.h5
  n=$((n + 1))
done
((n > 0)) || { echo "no scenarios in $dir"; exit 1; }
exit $status
