#!/usr/bin/env bash
# The ingest benchmark, side by side with NATS JetStream, on this machine.
#
#   tests/bench/run.sh [--reps N] [--quick] [--mix csc|all]
#
# Installs what it needs when missing (the project's Debian packages,
# nats-server, libnats-dev), builds Release into build-bench/ (only the hub
# and the two benchmark programs), then runs, back to back and alternating
# which goes first, N times each (default 3):
#
#   throughput      lscb-hub P connections x W batches of B in flight, 10%
#                   re-sends   vs  JetStream async (4000 pending), 10% repeated ids
#   one-in-flight   lscb-hub W=1, batch of 1  vs  JetStream sync  vs  raw
#                   ZeroMQ DEALER->ROUTER echo with one in flight, the echo
#                   in another process (as the hub is: the target's reference)
#                   and in a thread of the client's process
#   latency-20k     both at a fixed 20,000 events/s offered: ack latency
#   latency-20k-feed  lscb-hub alone, the same with a live-feed subscriber to
#                   every topic (the hub computes only topics someone wants)
#
# and prints a markdown table of the medians with the ratios. The events are
# children's services' (--mix csc, the default) or also the police's and
# A&E's (--mix all: missing episodes, domestic abuse and injuries, which the
# hub links), the same for both systems. Every server
# listens on 127.0.0.1 only and is stopped at the end of its run; every run
# is bounded in events and time. Raw JSON lines: build-bench/bench-results.jsonl.
# Settings (environment): BENCH_EVENTS (throughput events, default 200000),
# BENCH_RTT_EVENTS (one in flight, 20000), BENCH_RATE_EVENTS (100000),
# HUB_P / HUB_W / HUB_B (throughput: connections, window, batch; 2 / 64 / 64),
# HUB_RATE_P / HUB_RATE_B (latency-20k: connections, batch; 2 / 10),
# LSCB_HUB_BIN (a hub binary to measure instead of building one),
# LSCB_BENCH_BUILD_DIR (build folder, default build-bench).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

REPS=3
QUICK=0
MIX=csc
while (($#)); do
  case "$1" in
    --reps) REPS="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --mix) MIX="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--reps N] [--quick] [--mix csc|all]" >&2; exit 2 ;;
  esac
done

EVENTS="${BENCH_EVENTS:-200000}"
RTT_EVENTS="${BENCH_RTT_EVENTS:-20000}"
RATE_EVENTS="${BENCH_RATE_EVENTS:-100000}"
if ((QUICK)); then EVENTS=50000; RTT_EVENTS=5000; RATE_EVENTS=40000; REPS=1; fi
HUB_P="${HUB_P:-2}"
HUB_W="${HUB_W:-64}"
HUB_B="${HUB_B:-64}"
HUB_RATE_P="${HUB_RATE_P:-2}"
HUB_RATE_B="${HUB_RATE_B:-10}"
RATE=20000

# --- what it needs
PACKAGES=()
if [ -f scripts/setup.sh ]; then  # the project's own list, kept in one place
  eval "$(sed -n '/^PACKAGES=(/,/^)/p' scripts/setup.sh)"
fi
if ((${#PACKAGES[@]} == 0)); then
  PACKAGES=(cmake ninja-build g++ pkg-config libzmq3-dev cppzmq-dev libprotobuf-dev protobuf-compiler
            librocksdb-dev libspdlog-dev libfmt-dev libsodium-dev libxxhash-dev libgoogle-perftools-dev libtomlplusplus-dev libcli11-dev
            nlohmann-json3-dev libgtest-dev libgmock-dev)
fi
PACKAGES+=(nats-server libnats-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
NATS_SERVER="$(command -v nats-server || echo /usr/sbin/nats-server)"
# Debian's package enables a system service; it is not what we measure, and
# ours runs on its own port and folder, so it is left as it is.

# --- build (Release, only what is measured)
BUILD="${LSCB_BENCH_BUILD_DIR:-build-bench}"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLSCB_BUILD_TESTS=ON -DLSCB_BUILD_BENCH=ON >/dev/null
if [ -n "${LSCB_HUB_BIN:-}" ]; then  # measure a hub built elsewhere (e.g. before and after a change)
  ninja -C "$BUILD" lscb-bench lscb-bench-nats >/dev/null
  HUB="$LSCB_HUB_BIN"
else
  ninja -C "$BUILD" lscb-hub lscb-bench lscb-bench-nats >/dev/null
  HUB="$BUILD/hub/lscb-hub"
fi
BENCH="$BUILD/tests/bench/lscb-bench"
NATS="$BUILD/tests/bench/lscb-bench-nats"
OUT="$BUILD/bench-results.jsonl"
: >"$OUT"

run() {  # run LABEL COMMAND...: one JSON line into $OUT, a short line on stderr
  local label="$1"; shift
  local line
  if ! line="$(timeout 300 "$@" --json --label "$label")"; then
    echo "run failed: $*" >&2
    echo "$line" >&2
  fi
  [ -n "$line" ] && echo "$line" >>"$OUT"
  echo "  $label: $(echo "$line" | grep -o '"system":"[^"]*"') $(echo "$line" | grep -o '"\(events\|msgs\)_per_s":[0-9.]*') $(echo "$line" | grep -o '"p99_ms":[0-9.]*')" >&2
}

hub_tp()   { run throughput "$BENCH" ingest --mix "$MIX" --hub-bin "$HUB" --events "$EVENTS" --resend 0.1 \
               --connections "$HUB_P" --window "$HUB_W" --batch "$HUB_B"; }
js_tp()    { run throughput "$NATS" --mix "$MIX" --nats-server "$NATS_SERVER" --events "$EVENTS" --resend 0.1 \
               --mode async --max-pending 4000; }
hub_one()  { run one-in-flight "$BENCH" ingest --mix "$MIX" --hub-bin "$HUB" --events "$RTT_EVENTS" --resend 0.1 \
               --connections 1 --window 1 --batch 1; }
js_one()   { run one-in-flight "$NATS" --mix "$MIX" --nats-server "$NATS_SERVER" --events "$RTT_EVENTS" --resend 0.1 --mode sync; }
zmq_one()  { run one-in-flight "$BENCH" zmq-rtt --messages "$RTT_EVENTS" --window 1 --bytes 300 --echo-in process; }
zmq_thr()  { run one-in-flight "$BENCH" zmq-rtt --messages "$RTT_EVENTS" --window 1 --bytes 300 --echo-in thread; }
hub_rate() { run latency-20k "$BENCH" ingest --mix "$MIX" --hub-bin "$HUB" --events "$RATE_EVENTS" --resend 0.1 \
               --connections "$HUB_RATE_P" --window 1000 --batch "$HUB_RATE_B" --rate "$RATE"; }
hub_feed() { run latency-20k-feed "$BENCH" ingest --mix "$MIX" --hub-bin "$HUB" --events "$RATE_EVENTS" --resend 0.1 \
               --connections "$HUB_RATE_P" --window 1000 --batch "$HUB_RATE_B" --rate "$RATE" --subscribe; }
js_rate()  { run latency-20k "$NATS" --mix "$MIX" --nats-server "$NATS_SERVER" --events "$RATE_EVENTS" --resend 0.1 \
               --mode async --max-pending 4000 --rate "$RATE"; }

start=$(date +%s)
for ((i = 1; i <= REPS; i++)); do
  echo "round $i of $REPS" >&2
  if ((i % 2)); then
    hub_tp; js_tp; hub_one; js_one; zmq_one; zmq_thr; hub_rate; js_rate; hub_feed
  else
    js_tp; hub_tp; zmq_thr; zmq_one; js_one; hub_one; js_rate; hub_rate; hub_feed
  fi
done
echo "done in $(($(date +%s) - start)) s" >&2

echo
echo "Machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') memory, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "Medians of $REPS run(s); events of ~300 B, mix $MIX; hub and JetStream stores on $(df -P "${TMPDIR:-/tmp}" | awk 'NR==2 {print $1}')."
echo
"$BENCH" report "$OUT"
