#!/usr/bin/env bash
# What the door's message checks cost in accepted messages/second: 20 KB
# messages over 20 parallel SMTP sessions (Postfix's smtp-source, plain SMTP:
# the demo offers STARTTLS, smtp-source does not use it), in the same run:
#
#   1. smtp-sink: accept and discard, no disk (the protocol ceiling);
#   2. `mailwiki demo --rspamd-url "" --clamd-addr ""`: the checks off as far
#      as they go: the built-in check (GTUBE, EICAR, header problems) and
#      sender authentication (SPF, DKIM, DMARC) against the system resolver
#      still run;
#   3. `mailwiki demo` with the real rspamd and clamd of .ci/scanners.sh.
#
#   bash bench/door.sh [MESSAGES] [ROUNDS]        (default 2000 1)
#
# Each round measures the three in that order, each demo on a fresh data
# directory; the last lines give the medians over the rounds. Every demo runs
# with --bench-limits-off (bench/lib.sh). A demo's rate counts only when
# every message was accepted (250, counted in its log).
# Needs: go, postfix (smtp-source, smtp-sink), rspamd and clamav-daemon
# (.ci/scanners.sh starts them when they do not answer). Loopback only.
set -euo pipefail
msgs=${1:-2000}
rounds=${2:-1}
source "$(dirname "$0")/lib.sh"
bench_init

# The scanners: the running ones, else started (and left running, as
# .ci/scanners.sh does for tests).
if ! env_lines=$(bash .ci/scanners.sh env 2>/dev/null) || ! eval "$env_lines" ||
  ! curl -fsS --max-time 2 "$MAILWIKI_TEST_RSPAMD_URL/ping" >/dev/null 2>&1; then
  eval "$(bash .ci/scanners.sh start)"
fi
rspamd=$MAILWIKI_TEST_RSPAMD_URL
clamd=$MAILWIKI_TEST_CLAMD_ADDR

# demo_rate NAME [DEMO FLAGS...]: accepted messages/second of a fresh demo;
# fails unless the checks it reports match what NAME asked for and every
# message was accepted.
demo_rate() {
  local name=$1 log=$work/$1-$round.log r ok
  shift
  start_demo "$work/data-$name-$round" "$log" "$@" || return 1
  case $name in
  off) grep -q '^checks: spam: built-in' "$log" && grep -q '^checks: malware: built-in' "$log" ;;
  scanners) grep -q "^checks: spam: rspamd at $rspamd\$" "$log" && grep -q "^checks: malware: clamd at $clamd\$" "$log" ;;
  esac || {
    stop_demo
    echo "demo ($name) does not use the checks asked for:" >&2
    grep '^checks: ' "$log" >&2
    return 1
  }
  r=$(rate 127.0.0.1:$smtp_port "$work/source-$name-$round.log")
  ok=$(accepted_in "$log")
  echo "$round $name: $(took_stats "$log")" >>"$work/took"
  refused=$(metric mailwiki_messages_refused_total)
  stop_demo
  if [ "$ok" -ne "$msgs" ]; then
    echo "demo ($name): $ok of $msgs accepted (refused $refused); smtp-source said: $(tail -n 2 "$work/source-$name-$round.log")" >&2
    return 1
  fi
  echo "$r"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo "checks off: --rspamd-url \"\" --clamd-addr \"\": still the built-in check, and sender authentication (SPF, DKIM, DMARC)"
echo "            against the system resolver ($(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)), answers cached (msgauth.Cache)"
echo "scanners:   --rspamd-url $rspamd --clamd-addr $clamd"
echo "$msgs messages of $size bytes, $sessions sessions, $rounds round(s)"
printf '%-5s %10s %10s %10s %10s %10s %10s\n' round sink off scanners off/sink scan/sink scan/off
for round in $(seq "$rounds"); do
  sink=$(sink_rate 2625)
  off=$(demo_rate off --rspamd-url "" --clamd-addr "")
  scan=$(demo_rate scanners --rspamd-url "$rspamd" --clamd-addr "$clamd")
  printf '%-5s %10.0f %10.0f %10.0f %10s %10s %10s\n' "$round" "$sink" "$off" "$scan" \
    "$(ratio "$off" "$sink")" "$(ratio "$scan" "$sink")" "$(ratio "$scan" "$off")"
  echo "$sink $off $scan" >>"$work/rates"
done
s=$(awk '{print $1}' "$work/rates" | median)
o=$(awk '{print $2}' "$work/rates" | median)
c=$(awk '{print $3}' "$work/rates" | median)
printf '%-5s %10.0f %10.0f %10.0f %10s %10s %10s  (msg/s; every demo message accepted, 250)\n' median "$s" "$o" "$c" \
  "$(ratio "$o" "$s")" "$(ratio "$c" "$s")" "$(ratio "$c" "$o")"
echo "time from MAIL to 250 per message (the demo's log):"
sed 's/^/  round /' "$work/took"
