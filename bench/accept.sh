#!/usr/bin/env bash
# Accept throughput of `mailwiki demo` for 20 KB messages over 20 parallel
# SMTP sessions, driven by Postfix's smtp-source, with Postfix's smtp-sink
# (accept and discard, no disk) measured in the same run as the ceiling.
#
#   bash bench/accept.sh [MESSAGES]        (default 4000)
#
# Needs: go, postfix (smtp-source, smtp-sink). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
msgs=${1:-4000}
sessions=20
size=20480
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/mailwiki" ./cmd/mailwiki

rate() { # host:port -> messages per second
  local start end
  start=$(date +%s.%N)
  smtp-source -s "$sessions" -l "$size" -m "$msgs" -f bench@example.org -t docs@demo.mailwiki.test "$1" >/dev/null
  end=$(date +%s.%N)
  awk -v m="$msgs" -v a="$start" -v b="$end" 'BEGIN { print m / (b - a) }'
}

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# Ceiling: smtp-sink accepts and discards.
smtp-sink -u nobody 127.0.0.1:2625 256 >/dev/null 2>&1 &
sink=$!
wait_port 2625
ceiling=$(rate 127.0.0.1:2625)
kill $sink; wait $sink 2>/dev/null || true

# mailwiki demo: durable (encrypted, fsynced, job committed) before each 250.
"$work/mailwiki" demo --data-dir "$work/data" --smtp-addr 127.0.0.1:2725 --http-addr 127.0.0.1:2780 \
  --sandbox-addr 127.0.0.1:2790 --no-sample >"$work/demo.log" 2>&1 &
wait_port 2725
sleep 3 # measure a running server, not its start-up (the spool fills its pool of empty files)
mw=$(rate 127.0.0.1:2725)
accepted=$(curl -s http://127.0.0.1:2780/metrics | awk '/^mailwiki_messages_accepted_total/ {print $2}')

# River on SQLite under load: every accepted message must be published.
metric() { curl -s http://127.0.0.1:2780/metrics | awk -v m="$1" '$1 == m {print $2}'; }
drain_start=$(date +%s.%N)
for _ in $(seq 1200); do
  done_n=$(( $(metric mailwiki_messages_published_total | cut -d. -f1) + 0 ))
  [ "$done_n" -ge "$msgs" ] && break
  sleep 0.5
done
drain_end=$(date +%s.%N)
failed=$(curl -s http://127.0.0.1:2780/metrics | awk '/^mailwiki_messages_failed_total/ {s += $2} END {print s + 0}')

printf 'smtp-sink ceiling : %8.0f msg/s\n' "$ceiling"
printf 'mailwiki demo     : %8.0f msg/s  (accepted_total=%s of %s)\n' "$mw" "$accepted" "$msgs"
printf 'ratio             : %8.3f  (aim >= 0.2)\n' "$(awk -v a="$mw" -v b="$ceiling" 'BEGIN { print a / b }')"
printf 'published         : %s of %s (failed %s), all published %.1f s after the last 250\n' "$done_n" "$msgs" "$failed" \
  "$(awk -v a="$drain_start" -v b="$drain_end" 'BEGIN { print b - a }')"
