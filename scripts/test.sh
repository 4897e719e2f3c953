#!/usr/bin/env bash
# The test command (npm test). Installs what the tests need when it is missing, type-checks,
# then runs every suite with node's test runner. `npm test unit` runs test/unit only;
# `npm run test:ansible` (suite ansible-rollout) the Ansible roles end to end on three
# booted hosts (test/ansible/rollout.slow.ts, several minutes: not part of "all").
set -euo pipefail
cd "$(dirname "$0")/.."

suite="${1:-all}"
if [ "$suite" != unit ]; then
  bash scripts/install-test-deps.sh
fi

echo "== type-check (tsc --strict)"
npx tsc -p tsconfig.json --noEmit

echo "== build"
node scripts/build.mjs

case "$suite" in
  unit) dirs="test/unit" ;;
  all) dirs="test/unit test/sim test/compat test/system test/packaging test/faults test/ansible" ;;
  ansible-rollout) dirs="" ;;
  *) dirs="test/$suite" ;;
esac
if [ "$suite" = ansible-rollout ]; then
  files=test/ansible/rollout.slow.ts
else
  files=$(find $dirs -name "*.test.ts" 2>/dev/null | sort || true)
fi
if [ -z "$files" ]; then echo "no test files under $dirs" >&2; exit 1; fi
# One file at a time: the compat suites start servers on fixed loopback ports.
# --test-force-exit: a test that failed with a client or server still running must not
# hold the whole run open; --test-timeout bounds any one test at 10 minutes.
# The second reporter records each file's wall time (scripts/test-times.mjs); printed sorted
# at the end, with the total.
export TEST_TIMES_FILE=$(mktemp)
# A lane that runs past LANE_BOUND_s is stopped with what it was running printed (each test
# file is a process of its own, named by its path), so that a hang fails the run with its
# name instead of holding CI past its 90 minutes with nothing printed.
LANE_BOUND_s=${ZKTS_LANE_BOUND_s:-1800}
# Runs a lane's files in a session of its own (setsid execs in place: $! is the runner and
# its process group), its output to $log; a watchdog stops the group past the bound.
run_lane() {
  local name=$1 log=$2; shift 2
  setsid node --import tsx --test --test-concurrency=1 --test-force-exit --test-timeout=600000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./scripts/test-times.mjs --test-reporter-destination=stdout "$@" > "$log" 2>&1 &
  local runner=$!
  # The watchdog's sleep must not outlive it, nor hold the caller's stdout: `npm test | tail`
  # would otherwise wait the whole bound after the tests ended.
  (
    sleep "$LANE_BOUND_s" &
    local sleeper=$!
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    wait "$sleeper"
    kill -0 "$runner" 2>/dev/null || exit 0
    {
      local procs
      procs=$(ps -eo pid,pgid,etimes,args | awk -v g="$runner" 'NR == 1 || $2 == g')
      echo "== the $name lane ran past its bound of $LANE_BOUND_s s (ZKTS_LANE_BOUND_s) in $(grep -v -- '--test-reporter' <<< "$procs" | grep -oE '[^ ]*test/[^ ]*\.test\.ts' | sort -u | tr '\n' ' ')"
      echo "$procs"
    } >> "$log"
    kill -TERM -- "-$runner" 2>/dev/null; sleep 15; kill -KILL -- "-$runner" 2>/dev/null
  ) > /dev/null 2>&1 &
  local watchdog=$!
  local rc=0
  wait "$runner" || rc=$?
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  return $rc
}
# Three lanes run beside each other, because no file of one shares an address or a port with
# a file of another: the ensemble files (127.0.5-17, .40, .41, .44.11-13, .51, .54); the
# files whose servers live in network namespaces of their own (the fault runs, the booted
# hosts) together with those on loopback ranges of their own (TLS and SASL .46/.50/.52,
# quotas .44.1-2, the load benchmark's .53, snapshots .47, the ACL cache .3.10-12); and the
# rest. The run's wall time is what keeps npm test inside its 15 minutes on CI's 2 cores.
# Each lane's output is printed once it ends, so that none interleaves; the failures of all
# lanes are repeated at the very end, where a log cut to its tail still shows them.
ENSEMBLE='^test/compat/ensemble/|^test/system/ensemble|^test/system/migration\.test\.ts$|^test/compat/(differential|real-clients)/ensemble\.test\.ts$'
OWN='^test/(faults|ansible)/|^test/packaging/service-host\.test\.ts$|^test/compat/(tls|sasl)/|^test/system/(admin-auth|tls-key-stores|bench-load|write-path-allocation)\.test\.ts$|^test/compat/quotas\.test\.ts$|^test/compat/storage/(fuzzy-snapshot|acl-cache)\.test\.ts$'
ensemble=$(printf '%s\n' $files | grep -E "$ENSEMBLE" || true)
own=$(printf '%s\n' $files | grep -vE "$ENSEMBLE" | grep -E "$OWN" || true)
main=$(printf '%s\n' $files | grep -vE "$ENSEMBLE|$OWN" || true)
rc=0
lanes=()
for lane in main own ensemble; do
  lane_files=${!lane}
  [ -n "$lane_files" ] || continue
  log=$(mktemp)
  run_lane "$lane" "$log" $lane_files &
  lanes+=("$lane:$!:$log")
done
summary=()
# Each failed lane's "failing tests" block (the spec reporter's, with every assertion's
# message), cut to FAILURE_LINES_PER_LANE lines: repeated at the end, where a log cut to its
# tail keeps it.
FAILURE_LINES_PER_LANE=60
failures=()
for l in "${lanes[@]}"; do
  IFS=: read -r name pid log <<< "$l"
  lane_rc=0
  wait "$pid" || lane_rc=$?
  echo "== the $name lane: $(printf '%s ' ${!name})"
  cat "$log"
  [ $lane_rc -eq 0 ] || rc=$lane_rc
  counts=$(grep -E '^ℹ (pass|fail) ' "$log" | tr '\n' ' ' || true)
  summary+=("the $name lane: exit $lane_rc; ${counts:-no totals (stopped?)}")
  while IFS= read -r failed; do summary+=("  $failed"); done \
    < <(grep -E '^\s*✖ |ran past its bound' "$log" | grep -v '^\s*✖ failing tests:' | sort -u | head -n 40 || true)
  if [ $lane_rc -ne 0 ]; then
    failures+=("-- the $name lane:")
    while IFS= read -r line; do failures+=("$line"); done \
      < <(sed -n '/^✖ failing tests:/,$p' "$log" | sed 1d | grep -v '^\s*at ' | head -n $FAILURE_LINES_PER_LANE || true)
  fi
  rm -f "$log"
done
# The longest files only: the tail of the log is what a reader of a CI failure sees.
TIMES_SHOWN=25
echo "== time per test file, the $TIMES_SHOWN longest (s; the lanes ran beside each other)"
sort -rn "$TEST_TIMES_FILE" | awk -F'\t' -v shown=$TIMES_SHOWN '{ total += $1; if (NR <= shown) printf "%7.1f  %s\n", $1, $2 } END { printf "%7.1f  in all, %d files\n", total, NR }'
rm -f "$TEST_TIMES_FILE"
if [ ${#failures[@]} -gt 0 ]; then
  echo "== what failed (each lane's first $FAILURE_LINES_PER_LANE lines, stack frames left out)"
  printf '%s\n' "${failures[@]}"
fi
echo "== the lanes"
printf '%s\n' "${summary[@]}"
exit $rc
