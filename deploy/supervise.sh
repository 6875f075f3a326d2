#!/usr/bin/env bash
# Keeps one process running where systemd is not PID 1 (containers, CI), as the units' Restart=always does:
#   deploy/supervise.sh NAME RUN_DIR LOG_FILE -- COMMAND [ARG...]
# Starts COMMAND, and whenever it exits restarts it after 1 s, 2 s, 4 s ... up to 30 s (back to 1 s once it has
# run for a minute). Each restart is one line in LOG_FILE and counted in RUN_DIR/NAME.restarts; RUN_DIR/NAME.child
# holds the running process's pid and start time, RUN_DIR/NAME.last-exit how the previous one ended.
# SIGTERM or SIGINT stops the process (SIGTERM, then SIGKILL after 30 s) and the supervisor.
set -uo pipefail
name=$1 run=$2 log=$3
shift 3
[ "${1:-}" = "--" ] && shift

stopping=0
child=0
stop() {
  stopping=1
  if [ "$child" -gt 0 ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$child" 2>/dev/null
  fi
}
trap stop TERM INT

note() { printf '%s supervise[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$*" >>"$log"; }

restarts=0
echo 0 >"$run/$name.restarts"
backoff=1
while [ "$stopping" -eq 0 ]; do
  started=$(date +%s)
  "$@" >>"$log" 2>&1 &
  child=$!
  echo "$child $started" >"$run/$name.child"
  # wait returns early when a signal arrives; wait again for the child's own end.
  wait "$child"
  code=$?
  while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done
  rm -f "$run/$name.child"
  [ "$stopping" -eq 1 ] && break
  ran=$(($(date +%s) - started))
  if [ "$code" -gt 128 ]; then how="killed by signal $((code - 128))"; else how="exited with code $code"; fi
  [ "$ran" -ge 60 ] && backoff=1
  restarts=$((restarts + 1))
  echo "$restarts" >"$run/$name.restarts"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $how after ${ran} s" >"$run/$name.last-exit"
  note "$name $how after ${ran} s; restart $restarts in ${backoff} s"
  sleep "$backoff" &
  wait $! || true
  backoff=$((backoff * 2))
  [ "$backoff" -gt 30 ] && backoff=30
done
note "$name stopped"
