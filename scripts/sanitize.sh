#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc) in build-asan and runs the test suite with CTest.
#
#   scripts/sanitize.sh [CTEST ARGUMENTS...]     e.g. scripts/sanitize.sh -R security
#
# A leak, a use after free, an overflow or undefined behaviour stops the
# test that hit it (halt_on_error) and fails the run. Environment:
# LSCB_ASAN_BUILD_DIR (default <repo>/build-asan), LSCB_ASAN_JOBS (ninja -j,
# default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LSCB_ASAN_BUILD_DIR:-$root/build-asan}"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSCB_FUZZ=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
ninja -C "$build" -j "${LSCB_ASAN_JOBS:-2}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if [ -f "$root/scripts/lsan.supp" ]; then
  export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}"
fi
ctest --test-dir "$build" --output-on-failure "$@"
