#!/usr/bin/env bash
# Benchmark: a no-op run of edge.jar against the pfSense firewall lab (the FRR site already
# converged): SSH sessions, remote commands and wall time per run, counted on the firewall's side
# (its sshd log), wall time including the JVM start. Prints numbers; asserts nothing.
#
#   src/test/bench/pfsense-noop.sh [RUNS]      (default 5; needs root, 'lab.sh install', and
#                                               target/edge.jar from 'mvn -DskipTests package')
# Environment: EDGE_JAR (default target/edge.jar), FWLAB_SLOT (default 3, so that it does not
# disturb tests on slot 0), FWLAB_DIR (default /tmp/edge-fwlab-bench).
set -euo pipefail
cd "$(dirname "$0")/../../.."
RUNS=${1:-5}
JAR=${EDGE_JAR:-target/edge.jar}
export FWLAB_SLOT=${FWLAB_SLOT:-3}
export FWLAB_DIR=${FWLAB_DIR:-/tmp/edge-fwlab-bench}
LAB=src/test/lab/pfsense/lab.sh
[ -f "$JAR" ] || { echo "no $JAR: run 'mvn -q -DskipTests package' first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/edge-bench.XXXXXX)
cleanup() { bash "$LAB" down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
bash "$LAB" up >"$WORK/lab-up.log" 2>&1 || { cat "$WORK/lab-up.log"; exit 1; }
# shellcheck disable=SC1091
. "$FWLAB_DIR/lab.env"
read -r N1 N2 N3 <<<"$NODE_IPS"

mkdir -p "$WORK/inventory"
cat >"$WORK/inventory/hosts.yml" <<YML
all:
  children:
    firewalls:
      hosts:
        fw1:
          ansible_host: $FW_IP
          ansible_port: $SSH_PORT
          ansible_ssh_private_key_file: $SSH_KEY
          edge_ssh_known_hosts: $KNOWN_HOSTS
YML
cat >"$WORK/site.yml" <<YML
- name: pfSense BGP for MetalLB
  hosts: firewalls
  tasks:
    - pfsense_package: {name: pfSense-pkg-frr}
    - pfsense_frr_global: {enable: true, router_id: $FW_IP, master_password: "bench-master-pw"}
    - pfsense_frr_bgp: {enable: true, asn: 64501, router_id: $FW_IP}
    - pfsense_frr_bgp_advanced: {disable_ebgp_require_policy: true}
    - pfsense_frr_bgp_neighbors:
        exclusive: true
        neighbors:
          - {address: $N1, remote_as: $NODE_AS, description: k8smaster1}
          - {address: $N2, remote_as: $NODE_AS, description: k8snode1}
          - {address: $N3, remote_as: $NODE_AS, description: k8snode2}
    - pfsense_bgp_verify: {routes_within: 192.168.32.0/24, timeout: 60, interval: 1}
YML

SSHD_LOG=$FWLAB_DIR/log/sshd.log
sessions() { grep -c '^Accepted publickey' "$SSHD_LOG" || true; }
commands() { grep -c '^Starting session: command' "$SSHD_LOG" || true; }
edge() { java -jar "$JAR" run -i "$WORK/inventory" "$WORK/site.yml" "$@"; }

t0=$(date +%s%N); s0=$(sessions); c0=$(commands)
edge >"$WORK/first.log" 2>&1 || { cat "$WORK/first.log"; echo "first run failed" >&2; exit 1; }
t1=$(date +%s%N)
echo "converging run (install + configure + verify): $(( $(sessions) - s0 )) session(s), $(( $(commands) - c0 )) commands, $(( (t1 - t0) / 1000000 )) ms"

times=()
for i in $(seq 1 "$RUNS"); do
	s0=$(sessions); c0=$(commands); t0=$(date +%s%N)
	rc=0; edge --detailed-exitcode >"$WORK/run.log" 2>&1 || rc=$?
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 )); times+=("$ms")
	echo "no-op run $i: exit $rc, $(( $(sessions) - s0 )) session(s), $(( $(commands) - c0 )) commands, $ms ms"
	[ "$rc" = 0 ] || { cat "$WORK/run.log"; echo "expected exit 0 (no changes)" >&2; exit 1; }
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
echo "no-op wall time (java -jar, JVM start included) over $RUNS runs, sorted ms: $sorted"
