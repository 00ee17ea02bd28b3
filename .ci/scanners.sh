#!/usr/bin/env bash
# Real spam and malware scanners for tests and CI, offline:
#
#   eval "$(bash .ci/scanners.sh start)"   # start (or reuse) rspamd and clamd
#   bash .ci/scanners.sh env               # print the export lines again
#   bash .ci/scanners.sh stop              # stop the two this script started
#
# Installs nothing: it needs Debian's rspamd and clamav-daemon (.ci/run
# installs them). rspamd runs as _rspamd on the stock /etc/rspamd/rspamd.conf
# with LOCAL_CONFDIR pointing at .ci/scanners/rspamd (network modules off);
# clamd runs as clamav on .ci/scanners/clamd.conf with a signature database
# of one EICAR body signature written here (no freshclam). Everything they
# write goes below the state directory ($MAILWIKI_SCANNERS_DIR, default
# /tmp/mailwiki-scanners); rspamd's DBDIR is kept by stop, so the next start
# on this machine is warm (about 0.5 s instead of about 15 s).
#
# stdout carries only the export lines; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
state=${MAILWIKI_SCANNERS_DIR:-/tmp/mailwiki-scanners}
wait_seconds=${MAILWIKI_SCANNERS_WAIT:-120}
started_us=${EPOCHREALTIME/[.,]/}

say() { echo "scanners: $*" >&2; }
die() { say "$*"; exit 1; }

# port_taken PORT: something accepts connections on 127.0.0.1:PORT.
port_taken() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# pick_port PREFERRED: PREFERRED when free, else a free port above 20000.
pick_port() {
  local p=$1
  while port_taken "$p"; do p=$((20000 + RANDOM % 40000)); done
  echo "$p"
}

# alive PIDFILE NAME: the process in PIDFILE runs and is NAME.
alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$2" "/proc/$pid/comm" 2>/dev/null
}

rspamd_ping() { [[ $(curl -fsS --max-time 2 "$1/ping" 2>/dev/null) == pong* ]]; }

# rspamd_ready URL: it answers /ping and scans a small message.
rspamd_ready() {
  local answer
  rspamd_ping "$1" || return 1
  answer=$(printf 'From: a@example.org\r\nSubject: ready\r\n\r\nready\r\n' |
    curl -fsS --max-time 5 --data-binary @- "$1/checkv2" 2>/dev/null) || return 1
  [[ $answer == *'"action"'* ]]
}

# clamd_ping PORT: clamd answers zPING with PONG.
clamd_ping() {
  timeout 2 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$1"'
    printf "zPING\0" >&3
    IFS= read -r -d "" reply <&3
    [ "$reply" = PONG ]' 2>/dev/null
}

root_opts() { [ "$(id -u)" = 0 ]; }

start_rspamd() {
  local dir=$state/rspamd url
  if alive "$dir/master.pid" rspamd && [ -f "$dir/url" ]; then
    url=$(cat "$dir/url")
    if rspamd_ping "$url"; then say "rspamd already running at $url"; return; fi
  fi
  command -v rspamd >/dev/null || die "rspamd is not installed: apt-get install -y --no-install-recommends rspamd"
  mkdir -p "$dir/db" "$dir/run" "$dir/log"
  local user=()
  if root_opts; then
    chown -R _rspamd:_rspamd "$dir/db" "$dir/run" "$dir/log"
    user=(-u _rspamd -g _rspamd)
  fi
  local port ctl proxy
  port=$(pick_port 11333)
  ctl=$(pick_port 11334)
  proxy=$(pick_port 11332)
  url="http://127.0.0.1:$port"
  setsid rspamd -f "${user[@]}" -c /etc/rspamd/rspamd.conf \
    --var=LOCAL_CONFDIR="$here/scanners/rspamd" \
    --var=DBDIR="$dir/db" --var=RUNDIR="$dir/run" --var=LOGDIR="$dir/log" \
    --var=MAILWIKI_RSPAMD_PORT="$port" \
    --var=MAILWIKI_RSPAMD_CONTROLLER_PORT="$ctl" \
    --var=MAILWIKI_RSPAMD_PROXY_PORT="$proxy" \
    >>"$dir/log/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/master.pid"
  echo "$url" >"$dir/url"
  say "rspamd starting at $url (controller $ctl, proxy $proxy), log $dir/log"
}

start_clamd() {
  local dir=$state/clamav port
  if alive "$dir/clamd.pid" clamd && [ -f "$dir/port" ]; then
    port=$(cat "$dir/port")
    if clamd_ping "$port"; then say "clamd already running on 127.0.0.1:$port"; return; fi
  fi
  command -v clamd >/dev/null || die "clamd is not installed: apt-get install -y --no-install-recommends clamav-daemon"
  mkdir -p "$dir/db"
  # EICAR as an .ndb body signature (name:target:offset:hex, see
  # https://docs.clamav.net/manual/Signatures/BodySignatures.html), any
  # file type, anywhere. Hex, so that this script is no EICAR file itself.
  local eicar=58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a
  echo "Eicar-Test-Signature:0:*:$eicar" >"$dir/db/mailwiki-eicar.ndb"
  port=$(pick_port 3310)
  sed -e "s|@STATE@|$state|g" -e "s|@PORT@|$port|g" "$here/scanners/clamd.conf" >"$dir/clamd.conf"
  rm -f "$dir/clamd.sock"
  if root_opts; then chown -R clamav:clamav "$dir"; else sed -i '/^User /d' "$dir/clamd.conf"; fi
  setsid clamd -c "$dir/clamd.conf" >>"$dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/clamd.pid"
  echo "$port" >"$dir/port"
  say "clamd starting on 127.0.0.1:$port and $dir/clamd.sock, log $dir/clamd.log"
}

# wait_for WHAT CHECK ARG PIDFILE NAME: until CHECK ARG succeeds, the
# process dies or the time is up.
wait_for() {
  local what=$1 check=$2 arg=$3 pidfile=$4 name=$5 t0=$SECONDS
  until "$check" "$arg"; do
    alive "$pidfile" "$name" || die "$what exited; see its log under $state"
    [ $((SECONDS - t0)) -lt "$wait_seconds" ] || die "$what did not answer within ${wait_seconds}s; see its log under $state"
    sleep 0.2
  done
  say "$what answers, $(((${EPOCHREALTIME/[.,]/} - started_us) / 1000)) ms after this script started"
}

print_env() {
  [ -f "$state/rspamd/url" ] && [ -f "$state/clamav/port" ] || die "not started: bash .ci/scanners.sh start"
  echo "export MAILWIKI_TEST_RSPAMD_URL=$(cat "$state/rspamd/url")"
  echo "export MAILWIKI_TEST_CLAMD_ADDR=127.0.0.1:$(cat "$state/clamav/port")"
  echo "export MAILWIKI_TEST_CLAMD_SOCKET=$state/clamav/clamd.sock"
}

stop_one() {
  local pidfile=$1 name=$2 pid i
  if alive "$pidfile" "$name"; then
    pid=$(cat "$pidfile")
    kill "$pid"
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    say "stopped $name ($pid)"
  fi
  rm -f "$pidfile"
}

case ${1:-} in
start)
  mkdir -p "$state"
  start_rspamd
  start_clamd
  wait_for clamd clamd_ping "$(cat "$state/clamav/port")" "$state/clamav/clamd.pid" clamd
  wait_for rspamd rspamd_ready "$(cat "$state/rspamd/url")" "$state/rspamd/master.pid" rspamd
  print_env
  ;;
env) print_env ;;
stop)
  stop_one "$state/rspamd/master.pid" rspamd
  stop_one "$state/clamav/clamd.pid" clamd
  rm -f "$state/rspamd/url" "$state/clamav/port"
  ;;
*) die "usage: bash .ci/scanners.sh start|stop|env" ;;
esac
