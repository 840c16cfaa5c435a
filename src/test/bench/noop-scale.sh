#!/usr/bin/env bash
# Scale benchmark of the no-op run (prints numbers; asserts nothing): `edge run playbooks/site.yml
# --skip-tags verify` against the labs that src/test/lab/try/try-edge.sh leaves up, with 1, 3, 30 and 300
# Kubernetes nodes in a generated inventory and the lab's one firewall. For each size the site is first
# converged (not timed: the firewall gets one BGP neighbour per node), then run N times with nothing to
# change: wall and CPU median and min-max, and the exit codes (0 = nothing changed). The nodes' addresses
# are configuration only (BGP neighbours of the firewall inside the lab's network namespace; the verify
# play, which would compare them with the cluster's 3 real nodes, is left out). At the end the lab's own
# 3-node site is converged again. Usage:
#   bash src/test/lab/try/try-edge.sh          # once
#   src/test/bench/noop-scale.sh [N] [JAR]     # defaults: 5 runs, target/edge.jar
set -euo pipefail
n=${1:-5}
jar=$(realpath "${2:-target/edge.jar}")
dir=${TRY_DIR:-/tmp/edge-try-${TRY_SLOT:-3}}
lab_inv=$dir/site/inventory
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
[ -d "$lab_inv" ] || { echo "no lab inventory at $lab_inv: run src/test/lab/try/try-edge.sh first" >&2; exit 1; }
work=$(mktemp -d)
restore() {
	java -jar "$jar" run -i "$lab_inv" playbooks/site.yml --skip-tags verify >"$work/restore.log" 2>&1 \
		|| { echo "restoring the lab's 3-node site failed:" >&2; tail -20 "$work/restore.log" >&2; }
	rm -rf "$work"
}
trap restore EXIT
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# the firewall's entry of the lab's inventory (connection variables, router id), as it is
firewall=$(sed -n '/^    firewalls:/,$p' "$lab_inv/hosts.yml")

printf '%-6s %-26s %s\n' nodes "no-op wall" "cpu"
for nodes in 1 3 30 300; do
	inv=$work/inv-$nodes
	scale_inventory "$inv" "$lab_inv/group_vars" "$nodes" "$firewall"
	java -jar "$jar" run -i "$inv" playbooks/site.yml --skip-tags verify >"$work/converge-$nodes.log" 2>&1 \
		|| { echo "converging $nodes nodes failed:" >&2; tail -20 "$work/converge-$nodes.log" >&2; exit 1; }
	walls=() cpus=() codes=()
	for ((r = 0; r < n; r++)); do
		timed java -jar "$jar" run -i "$inv" playbooks/site.yml --skip-tags verify --detailed-exitcode
	done
	printf '%-6s %-26s %s   exit codes %s\n' "$nodes" "$(printf '%s\n' "${walls[@]}" | stats)" \
		"$(printf '%s\n' "${cpus[@]}" | stats)" "${codes[*]}"
done
