#!/usr/bin/env bash
# The engine's PHOLD processes, on each standard configuration, the same number of
# events as the single-core reference ../shared/bench/phold_heap_baseline.cpp within 1 %
# (the random streams differ, so the counts agree statistically, not exactly; the
# standard deviation of the count is below 0.05 % on all four configurations).
#   phold_vs_baseline.sh FOOTPRINT SHARED_DIR
set -euo pipefail
fp=$1
baseline=$2/bench/phold-baseline
if [[ ! -x $baseline ]]; then
  echo "phold_vs_baseline: $baseline not found: skipped"
  exit 77
fi
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p"; }
status=0
for cfg in "1024 1 20000" "1024 16 600" "16384 1 600" "16384 16 20"; do
  read -r n m end <<<"$cfg"
  pb=$("$baseline" "$n" "$m" "$end" | field processed)
  pe=$("$fp" bench phold --lps "$n" --start-events "$m" --end "$end" --threads 2 | field processed)
  if awk -v a="$pe" -v b="$pb" 'BEGIN { d = (a - b) / b; if (d < 0) d = -d; exit !(d <= 0.01) }'; then
    echo "ok ${n}x${m} end $end: engine $pe, baseline $pb"
  else
    echo "FAIL ${n}x${m} end $end: engine $pe, baseline $pb differ by more than 1 %"
    status=1
  fi
done
exit $status
