#!/usr/bin/env bash
# Sets everything up (packages, build) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cd "${LSCB_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
