#!/usr/bin/env bash
# Sets everything up and runs the main job on embedded defaults: a hub with
# its store in ./demo-data, the sample children's-services feed imported,
# and the Board's indicator snapshot printed. Run it again: the second import
# is recognised as duplicates and the figures do not change.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BIN="${LSCB_BUILD_DIR:-build}"

DEMO=demo-data
mkdir -p "$DEMO"
# The agencies' shared linkage secret: made once, readable only by its owner.
if [ ! -f "$DEMO/linkage.secret" ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > "$DEMO/linkage.secret")
fi

"$BIN/hub/lscb-hub" --data-dir "$DEMO/hub" 2> "$DEMO/hub.log" &
HUB=$!
trap 'kill -TERM $HUB 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q ready "$DEMO/hub.log" 2>/dev/null && break
  if ! kill -0 $HUB 2>/dev/null; then cat "$DEMO/hub.log"; exit 1; fi
  sleep 0.1
done
echo "== hub: $(grep -o 'ready.*' "$DEMO/hub.log")"

echo "== lscb import --format csc-events data/samples/csc-events-sample.csv"
"$BIN/cli/lscb" import --format csc-events --linkage-secret-file "$DEMO/linkage.secret" \
  data/samples/csc-events-sample.csv

echo
echo "== lscb snapshot --board london --period FY2007-08 --format table"
"$BIN/cli/lscb" snapshot --board london --period FY2007-08 --format table
echo
echo "== lscb snapshot --board Greenwich --period 2007-Q3 (CSV, first rows)"
"$BIN/cli/lscb" snapshot --board Greenwich --period 2007-Q3 | head -12

kill -TERM $HUB
wait $HUB || true
trap - EXIT
echo
echo "== hub stopped: $(grep -o 'stopped.*' "$DEMO/hub.log")"
