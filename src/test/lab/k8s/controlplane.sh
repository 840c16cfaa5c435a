#!/usr/bin/env bash
# A Kubernetes control plane on this machine for trying edge by hand: the same lab the tests
# use (etcd + kube-apiserver built from Go modules, MetalLB's controller run as soon as
# MetalLB's manifest has been applied), published on a loopback address.
#
#   controlplane.sh up       build if needed (build.sh), start, print `export KUBECONFIG=...`
#   controlplane.sh down     stop everything it started (by PID) and delete the namespace
#   controlplane.sh status   show the supervisor's status.json and whether its PIDs are alive
#   controlplane.sh env      print the export line again
#
# Environment: EDGE_K8S_LAB_LISTEN (default 127.0.0.40:6443), EDGE_K8S_LAB_DIR (default
# <cache>/run), EDGE_K8S_LAB_METALLB=false to not run MetalLB's controller.
# Needs root (it creates a network namespace) and iproute2.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${EDGE_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-lab/k8s}"
DIR="${EDGE_K8S_LAB_DIR:-$CACHE/run}"
LISTEN="${EDGE_K8S_LAB_LISTEN:-127.0.0.40:6443}"
METALLB="${EDGE_K8S_LAB_METALLB:-true}"
MANIFEST="$(realpath -m "$HERE/../../../../../shared/fixtures/metallb/metallb-native-v0.14.8.yaml")"

supervisor_pid() {
  local f="$DIR/pids/supervisor.pid" pid
  [ -f "$f" ] || return 1
  pid="$(head -1 "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q edge-k8s-lab && echo "$pid"
}

phase() { [ -f "$DIR/status.json" ] || return 0; sed -n 's/^  "phase": "\(.*\)",$/\1/p' "$DIR/status.json" 2>/dev/null | head -1 || true; }

print_env() {
  echo "export KUBECONFIG=$DIR/kubeconfig"
}

case "${1:-}" in
up)
  if pid="$(supervisor_pid)"; then
    echo "controlplane.sh: already running (supervisor PID $pid, $DIR)" >&2
    print_env; exit 0
  fi
  [ "$(id -u)" = 0 ] || { echo "controlplane.sh: needs root (network namespace)" >&2; exit 1; }
  BIN="$("$HERE/build.sh" | sed -n 's/^bin: //p')"
  mkdir -p "$DIR"
  rm -f "$DIR/status.json"   # a stale one from a killed supervisor would read "ready"
  t0=$(date +%s%N)
  setsid "$BIN/edge-k8s-lab" up --dir "$DIR" --bin "$BIN" --listen "$LISTEN" --metallb="$METALLB" \
    > "$DIR/supervisor.log" 2>&1 < /dev/null &
  for _ in $(seq 1 1800); do
    p="$(phase)"
    [ "$p" = ready ] && break
    if [ "$p" = failed ] || ! kill -0 $! 2>/dev/null; then
      echo "controlplane.sh: start failed; $DIR/supervisor.log:" >&2; tail -20 "$DIR/supervisor.log" >&2; exit 1
    fi
    sleep 0.1
  done
  [ "$(phase)" = ready ] || { echo "controlplane.sh: not ready after 180s; see $DIR/supervisor.log" >&2; exit 1; }
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf 'controlplane.sh: ready in %d.%03ds (supervisor PID %s, logs in %s/logs)\n' \
    $((ms / 1000)) $((ms % 1000)) "$!" "$DIR" >&2
  cat >&2 <<MSG
  API server: https://$LISTEN   nodes: k8smaster1 k8snode1 k8snode2
  MetalLB: apply its manifest (edge does that; or kubectl apply --server-side -f $MANIFEST)
  and the lab runs MetalLB's controller and its webhooks within seconds.
  Stop with: $0 down
MSG
  print_env
  ;;
down)
  BIN="$("$HERE/build.sh" --print-bin)"
  if [ -d "$DIR" ] && [ -x "$BIN/edge-k8s-lab" ]; then
    "$BIN/edge-k8s-lab" down --dir "$DIR"
  fi
  echo "controlplane.sh: stopped" >&2
  ;;
status)
  if pid="$(supervisor_pid)"; then echo "running: supervisor PID $pid"; else echo "not running"; fi
  [ -f "$DIR/status.json" ] && cat "$DIR/status.json"
  for f in "$DIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    p="$(head -1 "$f")"
    if kill -0 "$p" 2>/dev/null; then s=alive; else s=dead; fi
    echo "$(basename "$f" .pid): PID $p $s"
  done
  ;;
env) print_env ;;
*) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
