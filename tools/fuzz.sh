#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 60s) and prints, per
# target, the executions and the result. A crasher fails the run and stays
# in the package's testdata/fuzz as a regression case.
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-60s}
targets=(model:FuzzClassify model:FuzzLockFile model:FuzzJudgeDigest audit:FuzzAuditLine sanitize:FuzzSanitize cli:FuzzConfig aws:FuzzListPage)
failed=0
printf '%-14s %-10s %12s  %s\n' TARGET PACKAGE EXECS RESULT
for t in "${targets[@]}"; do
  pkg=${t%%:*} fn=${t##*:}
  log=$(mktemp)
  go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$fuzztime" -fuzzminimizetime "${FUZZMINIMIZETIME:-10x}" "./$pkg" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  result=pass
  if [ $rc -ne 0 ]; then
    result="FAIL (see below)"
    failed=1
  fi
  printf '%-14s %-10s %12s  %s\n' "$fn" "$pkg" "${execs:-?}" "$result"
  [ $rc -ne 0 ] && tail -30 "$log"
  rm -f "$log"
done
exit $failed
