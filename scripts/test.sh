#!/usr/bin/env bash
# Sets everything up (packages, build) and runs the whole test suite: each
# fuzz target briefly (clang, ASan + UBSan), then every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ "${LSCB_FUZZ_SECONDS:-10}" != 0 ]; then
  tests/fuzz/run.sh "${LSCB_FUZZ_SECONDS:-10}"
fi
cd "${LSCB_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
