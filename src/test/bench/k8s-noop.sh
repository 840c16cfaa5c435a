#!/usr/bin/env bash
# Cost of a no-op run of edge's Kubernetes tasks (prints numbers; asserts nothing).
# Installs MetalLB v0.14.8 (the shared fixture, by file:// URL + sha256) and the issue's
# IPAddressPool/BGPAdvertisement/BGPPeer once, then runs the same playbook N more times with
# `java -jar edge.jar run --json` and prints, per run, the wall time and the API requests sent
# (by method; "mutating" must be 0), then median and min.
#
#   src/test/bench/k8s-noop.sh [N] [JAR]          (defaults: 7 runs, target/edge.jar)
#
# With KUBECONFIG set, that cluster is used (it must be allowed to run MetalLB in metallb-system).
# Otherwise a private instance of the k8s lab (src/test/lab/k8s) is started on 127.0.0.43:<free port>
# and stopped at the end (SIGTERM to its supervisor's PID, then the lab's own `down`). Needs python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
n=${1:-7}
jar=$(realpath "${2:-$root/target/edge.jar}")
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
fixture="$root/../shared/fixtures/metallb/metallb-native-v0.14.8.yaml"
[ -f "$fixture" ] || { echo "fixture not found: $fixture" >&2; exit 1; }
sha=$(cut -d' ' -f1 "$fixture.sha256")
work=$(mktemp -d)
labdir=""
sup=""
bin=""
cleanup() {
	if [ -n "$sup" ]; then
		kill -TERM "$sup" 2>/dev/null || true
		wait "$sup" 2>/dev/null || true
	fi
	if [ -n "$labdir" ]; then
		"$bin/edge-k8s-lab" down --dir "$labdir" >/dev/null 2>&1 || true
		rm -rf "$labdir"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

kubeconfig=${KUBECONFIG:-}
if [ -z "$kubeconfig" ]; then
	bin=$("$root/src/test/lab/k8s/build.sh" | sed -n 's/^bin: //p')
	labdir=$(mktemp -d /tmp/edge-k8s-bench-XXXXXX)
	"$bin/edge-k8s-lab" up --dir "$labdir" --bin "$bin" --listen 127.0.0.43:0 --metallb=true --exit-with-parent \
		>"$labdir/supervisor.log" 2>&1 </dev/null &
	sup=$!
	for _ in $(seq 1 900); do
		grep -q '"phase": "ready"' "$labdir/status.json" 2>/dev/null && break
		kill -0 "$sup" 2>/dev/null || { echo "k8s lab failed to start:" >&2; tail -20 "$labdir/supervisor.log" >&2; exit 1; }
		sleep 0.2
	done
	kubeconfig=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kubeconfig"])' "$labdir/status.json")
fi

mkdir -p "$work/inventory"
cat >"$work/inventory/hosts.yml" <<YAML
all:
  children:
    k8s:
      vars: {k8s_kubeconfig: "$kubeconfig"}
      hosts: {k8smaster1: , k8snode1: , k8snode2: }
YAML
cat >"$work/site.yml" <<YAML
- hosts: k8s
  tasks:
    - name: MetalLB manifest
      k8s_manifest:
        url: "file://$fixture"
        sha256: "$sha"
        wait: true
        wait_for: [Deployment, Service]
        wait_timeout: 180
    - name: MetalLB BGP resources
      k8s_resource:
        definition:
          - {apiVersion: metallb.io/v1beta1, kind: IPAddressPool, metadata: {name: metallb-pool, namespace: metallb-system},
             spec: {addresses: [192.168.32.0/24]}}
          - {apiVersion: metallb.io/v1beta1, kind: BGPAdvertisement, metadata: {name: metallb-advertisment, namespace: metallb-system},
             spec: {ipAddressPools: [metallb-pool], localPref: 100, communities: ["65535:65282"]}}
          - {apiVersion: metallb.io/v1beta2, kind: BGPPeer, metadata: {name: metallb-bgppeer-pfsense, namespace: metallb-system},
             spec: {myASN: 64500, peerASN: 64501, peerAddress: 192.168.4.1}}
YAML

requests() { # report.json -> "GET=.. PATCH dry-run=.. mutating=.. total=.."
	python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = {}
for p in r["plays"]:
    for t in p["tasks"]:
        for h in t["hosts"].values():
            if h["status"] == "skipped":
                continue
            for k, v in h.get("result", {}).get("api_requests", {}).items():
                s[k] = s.get(k, 0) + v
print(" ".join(f"{k}={v}" for k, v in sorted(s.items())), "changed_tasks=%d" % r.get("changed_tasks", -1))
PY
}

run() { # label -> prints one line; returns the wall time in ms on fd 3
	local t0 t1 rc
	t0=$(date +%s%N)
	set +e
	(cd "$work" && java -jar "$jar" run -i inventory site.yml --json "$work/report.json" >"$work/out.txt" 2>&1)
	rc=$?
	set -e
	t1=$(date +%s%N)
	local ms=$(( (t1 - t0) / 1000000 ))
	printf '%-8s exit %d  %6d ms  %s\n' "$1" "$rc" "$ms" "$(requests "$work/report.json")"
	[ "$rc" = 0 ] || { tail -20 "$work/out.txt" >&2; exit 1; }
	echo "$ms" >>"$work/times"
}

echo "edge k8s no-op benchmark: $(java -version 2>&1 | head -1); cluster: $kubeconfig"
run install
: >"$work/times"
for i in $(seq 1 "$n"); do run "no-op $i"; done
sort -n "$work/times" | awk '{a[NR]=$1} END {printf "no-op runs: n=%d  median %d ms  min %d ms (JVM start included)\n", NR, a[int((NR+1)/2)], a[1]}'
