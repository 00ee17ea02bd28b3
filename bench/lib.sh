# Helpers shared by bench/accept.sh and bench/door.sh; sourced, not run.
#
# The caller sets msgs (messages per measurement) before calling rate, and
# then calls bench_init once. Loopback only.
sessions=20
size=20480
sender=bench@example.org
recipient=docs@demo.mailwiki.test

# bench_init: to the repository's root, a work directory ($work, removed on
# exit with every background job) and the binary built from this tree
# ($work/mailwiki).
bench_init() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  work=$(mktemp -d)
  trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
  go build -o "$work/mailwiki" ./cmd/mailwiki
}

# rate HOST:PORT [LOG]: sends $msgs messages of $size bytes over $sessions
# parallel sessions with smtp-source and prints messages per second. What
# smtp-source says (warnings, a fatal refusal) goes to LOG (default
# $work/source.log); a failed smtp-source is reported on stderr, and the
# rate is then meaningless: count the accepted messages.
rate() {
  local start end log=${2:-$work/source.log}
  start=$(date +%s.%N)
  smtp-source -s "$sessions" -l "$size" -m "$msgs" -f "$sender" -t "$recipient" "$1" >"$log" 2>&1 ||
    echo "smtp-source against $1 failed: $(tail -n 1 "$log")" >&2
  end=$(date +%s.%N)
  awk -v m="$msgs" -v a="$start" -v b="$end" 'BEGIN { print m / (b - a) }'
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (so that wait_port
# cannot mistake someone else's server for ours).
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# sink_rate PORT: the ceiling, smtp-sink accepting and discarding (no disk).
sink_rate() {
  local sink r
  port_free "$1" || { echo "port $1 is taken" >&2; return 1; }
  smtp-sink -u nobody 127.0.0.1:"$1" 256 >/dev/null 2>&1 &
  sink=$!
  wait_port "$1"
  r=$(rate 127.0.0.1:"$1" "$work/sink.log")
  kill $sink
  wait $sink 2>/dev/null || true
  echo "$r"
}

# Ports of the demo: SMTP, HTTP (metrics), sandbox.
smtp_port=2725
http_port=2780
sandbox_port=2790

# start_demo DATA_DIR LOG [DEMO FLAGS...]: starts `mailwiki demo` without the
# sample message and with the per-client SMTP limits off (one smtp-source
# address sends everything: the defaults, 120 messages and 60 connections a
# minute per IP, would refuse nearly all of it), and waits until it runs and
# has filled its spool's pool of empty files. $demo is its process id.
start_demo() {
  local dir=$1 log=$2 p
  shift 2
  for p in $smtp_port $http_port $sandbox_port; do
    port_free "$p" || { echo "port $p is taken" >&2; return 1; }
  done
  "$work/mailwiki" demo --data-dir "$dir" --smtp-addr 127.0.0.1:$smtp_port --http-addr 127.0.0.1:$http_port \
    --sandbox-addr 127.0.0.1:$sandbox_port --no-sample --bench-limits-off "$@" >"$log" 2>&1 &
  demo=$!
  wait_port $smtp_port || { stop_demo; echo "the demo did not start:" >&2; cat "$log" >&2; return 1; }
  sleep 3 # measure a running server, not its start-up (the spool fills its pool of empty files)
}

# stop_demo: Ctrl-C, then wait for it.
stop_demo() {
  kill -INT "$demo" 2>/dev/null || true
  wait "$demo" 2>/dev/null || true
}

# metric NAME: the demo's metric NAME summed over its labels (0 when absent).
metric() { curl -s http://127.0.0.1:$http_port/metrics | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {print s + 0}'; }

# accepted_in LOG: how many messages the demo's log says it accepted (each
# a 250 after the message was made durable).
accepted_in() { grep -c '"msg":"message accepted"' "$1" || true; }

# took_stats LOG: the SMTP time of the accepted messages from the demo's
# log ("took", from MAIL to the 250): p50, p90, max, and how many took 5 s or
# more (5 s is Go's DNS retry timeout: a lost query to the resolver).
took_stats() {
  grep '"msg":"message accepted"' "$1" | sed -n 's/.*"took":\([0-9]*\).*/\1/p' | sort -n | awk '
    { v[NR] = $1 / 1e6; if ($1 >= 5e9) slow++ }
    END { if (NR) printf "p50 %.0f ms, p90 %.0f ms, max %.0f ms, %d of %d took 5 s or more\n", v[int((NR + 1) / 2)], v[int((NR * 9 + 9) / 10)], v[NR], slow, NR }'
}
