#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, then every stage below,
# each with a time budget. Ends with one closing line "N passed, N failed"
# (tests counted across every ctest run; a stage that fails to build or
# runs out of time counts as one failure).
#
#   stage                  what                                       budget
#   setup                  scripts/setup.sh (Debian packages)          15 min
#   hosted-asan            build + all hosted tests, ASan+UBSan   12 + 10 min
#   hosted-tsan            build + concurrency tests, TSan        12 + 10 min
#   baremetal-amd64        build + boot in QEMU, read the verdict       6 min
#   baremetal-riscv64      build + boot in QEMU, read the verdict       6 min
#   bench                  build hosted-release, run umach-bench once   8 min
#                          as a smoke run (no ratio is asserted)
#   headers                no Mach header from outside include/         1 min
#
# Usage: scripts/test.sh [STAGE...]   (default: all stages)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

all_stages=(hosted-asan hosted-tsan baremetal-amd64 baremetal-riscv64 bench headers)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=("${all_stages[@]}")

total_passed=0
total_failed=0
summary=()

note() { printf '\n=== %s ===\n' "$*"; }

# Runs "$@" with a budget in seconds; returns its status (124 on timeout).
budget() {
  local seconds=$1; shift
  timeout --foreground -k 10 "$seconds" "$@"
}

# Counts a ctest log's closing line into the totals.
count_ctest() {
  local log=$1 stage=$2 line total failed
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
  if [ -z "$line" ]; then
    summary+=("$stage: no test ran")
    total_failed=$((total_failed + 1))
    return
  fi
  failed=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  total_passed=$((total_passed + total - failed))
  total_failed=$((total_failed + failed))
  summary+=("$stage: $((total - failed)) passed, $failed failed")
}

stage_preset() {
  local preset=$1 build_budget=$2 test_budget=$3
  note "$preset: configure and build"
  if ! budget "$build_budget" bash -c "cmake --preset '$preset' >/dev/null && cmake --build --preset '$preset'"; then
    summary+=("$preset: build failed or exceeded ${build_budget}s")
    total_failed=$((total_failed + 1))
    return
  fi
  note "$preset: tests"
  local log="build/$preset/ctest.log"
  budget "$test_budget" ctest --preset "$preset" -j2 2>&1 | tee "$log"
  count_ctest "$log" "$preset"
}

start=$(date +%s)
note "setup"
if ! budget 900 bash scripts/setup.sh; then
  echo "test: set-up failed"
  echo "0 passed, 1 failed"
  exit 1
fi

for s in "${stages[@]}"; do
  case "$s" in
    hosted-asan) stage_preset hosted-asan 720 600 ;;
    hosted-tsan) stage_preset hosted-tsan 720 600 ;;
    baremetal-amd64) stage_preset baremetal-amd64 240 120 ;;
    baremetal-riscv64) stage_preset baremetal-riscv64 240 120 ;;
    bench)
      note "bench: build hosted-release and run umach-bench once (smoke)"
      if budget 480 bash -c "cmake --preset hosted-release >/dev/null && cmake --build --preset hosted-release --target umach-bench && build/hosted-release/bench/umach-bench --benchmark_min_time=0.01"; then
        total_passed=$((total_passed + 1)); summary+=("bench: smoke run passed")
      else
        total_failed=$((total_failed + 1)); summary+=("bench: smoke run FAILED")
      fi ;;
    headers)
      note "headers"
      if budget 60 bash scripts/check-headers.sh; then
        total_passed=$((total_passed + 1)); summary+=("headers: passed")
      else
        total_failed=$((total_failed + 1)); summary+=("headers: FAILED")
      fi ;;
    *) echo "test: unknown stage '$s' (stages: ${all_stages[*]})"; exit 2 ;;
  esac
done

note "summary ($(( $(date +%s) - start ))s)"
printf '  %s\n' "${summary[@]}"
echo "${total_passed} passed, ${total_failed} failed"
[ "$total_failed" -eq 0 ]
