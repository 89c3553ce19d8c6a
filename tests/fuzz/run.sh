#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz and
# runs each for a bounded time from its seed corpus (tests/fuzz/corpus/).
#
#   tests/fuzz/run.sh [SECONDS]     # per target; default 60
#
# New inputs found go to build-fuzz/tests/fuzz/corpus/<target>, crashes to
# build-fuzz/tests/fuzz/artifacts/<target>-crash-... (reproduce with
# build-fuzz/tests/fuzz/<target> FILE). Exit status: 0 when no target found
# a crash, a leak, a time-out or undefined behaviour; 1 otherwise.
# Environment: LSCB_FUZZ_BUILD_DIR (default <repo>/build-fuzz),
# LSCB_FUZZ_TARGETS (default: all), LSCB_FUZZ_JOBS (ninja -j, default 2).
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${LSCB_FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets="${LSCB_FUZZ_TARGETS:-envelope_fuzzer ingest_fuzzer xlsx_fuzzer xlsx_parts_fuzzer adapter_csc_events_fuzzer \
adapter_police_events_fuzzer adapter_police_counts_fuzzer adapter_ae_attendances_fuzzer adapter_lscb_return_fuzzer}"

if ! command -v clang++ >/dev/null; then
  echo "clang++ is needed: apt-get install clang libclang-rt-14-dev" >&2
  exit 2
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLSCB_FUZZ=ON -DLSCB_FUZZ_SECONDS="$seconds" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
# shellcheck disable=SC2086
ninja -C "$build" -j "${LSCB_FUZZ_JOBS:-2}" $targets

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
out="$build/tests/fuzz"
failed=0
printf '%-32s %10s %8s %s\n' target execs corpus result
for t in $targets; do
  mkdir -p "$out/corpus/$t" "$out/artifacts"
  log="$out/$t.log"
  set +e
  "$out/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  corpus="$(find "$out/corpus/$t" -type f | wc -l)"
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc; see $log)"
    failed=1
  fi
  printf '%-32s %10s %8s %s\n' "$t" "${execs:-?}" "$corpus" "$result"
done
exit "$failed"
