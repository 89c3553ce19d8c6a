#!/usr/bin/env bash
# Sets everything up and runs the main job on embedded defaults: a hub with
# its store in ./demo-data, the sample feeds of every agency imported
# (children's services, the Met Police central feed and its counts, A&E, the
# Board's spreadsheet return) for three London boroughs, and the Board's
# indicator snapshot printed. Run it again: every re-sent record is
# recognised and the figures do not change.
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

import() {
  local format=$1 file=$2
  printf '== lscb import --format %-15s %-40s ' "$format" "$file"
  "$BIN/cli/lscb" import --no-progress --format "$format" --linkage-secret-file "$DEMO/linkage.secret" "$file"
}
import csc-events     data/samples/csc-events-sample.csv
import police-events  data/samples/police-events-sample.csv
import ae-attendances data/samples/ae-attendances-sample.csv
import police-counts  data/samples/police-counts-sample.csv
import lscb-return    data/samples/lscb-return-sample.xlsx

echo
echo "== lscb snapshot --board london --period FY2007-08 --format table"
"$BIN/cli/lscb" snapshot --board london --period FY2007-08 --format table
echo
echo "== lscb snapshot --board Greenwich --period 2007-Q3 (CSV: linked incidents and data-quality flags)"
"$BIN/cli/lscb" snapshot --board Greenwich --period 2007-Q3 |
  grep -E '^board|MIS_EPISODES,all,,|DA_CHILD|DQ_|MAPPA_OFFENDERS,all,,|,(both|return),' | head -20

kill -TERM $HUB
wait $HUB || true
trap - EXIT
echo
echo "== hub stopped: $(grep -o 'stopped.*' "$DEMO/hub.log")"
