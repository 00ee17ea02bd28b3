#!/usr/bin/env bash
# Accept throughput of `mailwiki demo` for 20 KB messages over 20 parallel
# SMTP sessions, driven by Postfix's smtp-source, with Postfix's smtp-sink
# (accept and discard, no disk) measured in the same run as the ceiling.
#
#   bash bench/accept.sh [MESSAGES]        (default 4000)
#
# The demo runs with its default checks (rspamd and clamd when they answer
# on their default addresses) and --bench-limits-off (see bench/lib.sh).
# Needs: go, postfix (smtp-source, smtp-sink). Loopback only.
set -euo pipefail
msgs=${1:-4000}
source "$(dirname "$0")/lib.sh"
bench_init

ceiling=$(sink_rate 2625)

# mailwiki demo: durable (encrypted, fsynced, job committed) before each 250.
start_demo "$work/data" "$work/demo.log"
mw=$(rate 127.0.0.1:$smtp_port)
accepted=$(metric mailwiki_messages_accepted_total)
refused=$(metric mailwiki_messages_refused_total)

# River on SQLite under load: every accepted message must be published.
drain_start=$(date +%s.%N)
for _ in $(seq 1200); do
  done_n=$(( $(metric mailwiki_messages_published_total | cut -d. -f1) + 0 ))
  [ "$done_n" -ge "$msgs" ] && break
  sleep 0.5
done
drain_end=$(date +%s.%N)
failed=$(metric mailwiki_messages_failed_total)

grep '^checks: ' "$work/demo.log" || true
printf 'smtp-sink ceiling : %8.0f msg/s\n' "$ceiling"
printf 'mailwiki demo     : %8.0f msg/s  (accepted_total=%s of %s, 250s in the log %s, refused %s)\n' "$mw" "$accepted" "$msgs" \
  "$(accepted_in "$work/demo.log")" "$refused"
printf 'MAIL to 250       : %s\n' "$(took_stats "$work/demo.log")"
printf 'ratio             : %8.3f  (aim >= 0.2)\n' "$(awk -v a="$mw" -v b="$ceiling" 'BEGIN { print a / b }')"
printf 'published         : %s of %s (failed %s), all published %.1f s after the last 250\n' "$done_n" "$msgs" "$failed" \
  "$(awk -v a="$drain_start" -v b="$drain_end" 'BEGIN { print b - a }')"
