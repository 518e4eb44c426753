#!/usr/bin/env bash
# A private Docker daemon for the docker executor: its own socket, data root and exec root, so it
# neither needs nor disturbs a system daemon. Images built into it (python -m codeio.execution.image)
# stay in its data root, so later runs on the same machine find them.
#
#   sandbox/dockerd.sh start    # prints the DOCKER_HOST to export
#   sandbox/dockerd.sh status   # exit status 0 when it is running
#   sandbox/dockerd.sh stop
set -euo pipefail

SOCK="${CODEIO_DOCKER_SOCK:-/tmp/codeio-dockerd.sock}"
DATA="${CODEIO_DOCKER_DATA:-/var/lib/codeio-docker}"
EXEC="${CODEIO_DOCKER_EXEC:-/tmp/codeio-docker-exec}"
PIDFILE="${CODEIO_DOCKER_PIDFILE:-/tmp/codeio-dockerd.pid}"
LOG="${CODEIO_DOCKER_LOG:-/tmp/codeio-dockerd.log}"

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && [ -S "$SOCK" ]
}

launch() {
  rm -rf "$EXEC"
  mkdir -p "$DATA" "$EXEC"
  # jobs run with --network none: no bridge, no iptables rules on the host
  nohup dockerd --host "unix://$SOCK" --data-root "$DATA" --exec-root "$EXEC" --pidfile "$PIDFILE" \
    --iptables=false --bridge=none >"$LOG" 2>&1 &
  for _ in $(seq 1 60); do
    if running && docker -H "unix://$SOCK" version >/dev/null 2>&1; then return 0; fi
    if grep -q "failed to start daemon" "$LOG" 2>/dev/null; then return 1; fi
    sleep 0.5
  done
  return 1
}

set_aside_metadata() {
  # A daemon killed with SIGKILL can leave its metadata databases unreadable ("invalid database");
  # they hold container, volume and network records only, so set them aside (images stay).
  for db in "$DATA/volumes/metadata.db" "$DATA/network/files/local-kv.db" \
            "$DATA/containerd/daemon/io.containerd.metadata.v1.bolt/meta.db" "$DATA"/buildkit/*.db; do
    [ -f "$db" ] && mv "$db" "$db.unreadable-$(date +%s)"
  done
  return 0
}

case "${1:-}" in
  start)
    if ! running; then
      if ! launch; then
        if grep -q "invalid database" "$LOG" 2>/dev/null && set_aside_metadata && launch; then
          :
        else
          echo "dockerd did not start (see $LOG)" >&2
          grep "failed to start daemon" "$LOG" >&2 || tail -n 5 "$LOG" >&2 || true
          exit 1
        fi
      fi
    fi
    echo "unix://$SOCK"
    ;;
  status)
    running
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid="$(cat "$PIDFILE")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    ;;
  *)
    echo "usage: $0 start|status|stop" >&2
    exit 2
    ;;
esac
