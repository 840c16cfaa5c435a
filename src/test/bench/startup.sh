#!/usr/bin/env bash
# Start-up benchmark (prints numbers; asserts nothing): wall time of `edge --version` and of
# `edge validate` on a sample site, median and min of N runs each. Usage:
#   src/test/bench/startup.sh [N] [JAR]      (defaults: 9 runs, target/edge.jar)
set -euo pipefail
n=${1:-9}
jar=${2:-target/edge.jar}
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
jar=$(realpath "$jar")
site=$(mktemp -d)
export EDGE_FRR_MASTER_PASSWORD=${EDGE_FRR_MASTER_PASSWORD:-bench-only-not-used} # validate checks that the secret resolves
trap 'rm -rf "$site"' EXIT
if [ -d inventory ] && [ -f playbooks/site.yml ]; then
	cp -r inventory playbooks "$site"/
else
	mkdir -p "$site/inventory/group_vars" "$site/playbooks"
	cat >"$site/inventory/hosts.yml" <<'YAML'
all:
  children:
    k8s:
      hosts:
        k8smaster1: {ansible_host: 192.168.4.11}
        k8snode[1:2]:
    firewalls:
      hosts:
        fw1: {ansible_host: 192.168.4.1}
YAML
	printf 'pool: 192.168.32.0/24\ncluster_asn: 64500\nfirewall_asn: 64501\n' >"$site/inventory/group_vars/all.yml"
	cat >"$site/playbooks/site.yml" <<'YAML'
- hosts: all
  tasks:
    - debug: msg="{{ pool }} {{ groups['k8s'] | join(',') }}"
    - assert: {that: ["cluster_asn != firewall_asn"]}
    - wait_for: {port: 179, timeout: 1}
      when: false
YAML
fi
cd "$site"

measure() { # label, command...
	local label=$1; shift
	local times=()
	for _ in $(seq "$n"); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo "$label: command failed: $*" >&2; exit 1; }
		t1=$(date +%s%N)
		times+=($(( (t1 - t0) / 1000000 )))
	done
	local sorted
	sorted=$(printf '%s\n' "${times[@]}" | sort -n)
	printf '%-28s median %5d ms   min %5d ms   (n=%d)\n' "$label" \
		"$(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p")" "$(echo "$sorted" | head -1)" "$n"
}

echo "edge start-up on $(nproc) cores, $(java -version 2>&1 | head -1)"
measure "edge --version" java -jar "$jar" --version
measure "edge validate site.yml" java -jar "$jar" validate -i inventory playbooks/site.yml
measure "edge validate (C1 only)" java -XX:TieredStopAtLevel=1 -jar "$jar" validate -i inventory playbooks/site.yml
