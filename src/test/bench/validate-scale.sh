#!/usr/bin/env bash
# Scale benchmark (prints numbers; asserts nothing): `edge validate` of the project's playbooks/site.yml
# with 1, 3, 30 and 300 Kubernetes nodes and 1 firewall in a generated inventory (addresses are never
# contacted: validate contacts nothing). Median and min-max of N runs each. Usage:
#   src/test/bench/validate-scale.sh [N] [JAR]      (defaults: 5 runs, target/edge.jar)
set -euo pipefail
n=${1:-5}
jar=$(realpath "${2:-target/edge.jar}")
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
project=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export EDGE_FRR_MASTER_PASSWORD=bench-only-not-used
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

printf '%-6s %-10s %s\n' nodes median min-max
for nodes in 1 3 30 300; do
	inv=$work/inv-$nodes
	scale_inventory "$inv" "$project/inventory/group_vars" "$nodes" "$(printf '    firewalls:\n      hosts:\n        pfsense: {ansible_host: 192.168.4.1}')"
	times=()
	for ((r = 0; r < n; r++)); do
		s=$(date +%s.%N)
		java -jar "$jar" validate -i "$inv" "$project/playbooks/site.yml" >/dev/null
		e=$(date +%s.%N)
		times+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')")
	done
	sorted=$(printf '%s\n' "${times[@]}" | sort -n)
	median=$(echo "$sorted" | sed -n "$(((n + 1) / 2))p")
	printf '%-6s %-10s %s-%s\n' "$nodes" "${median}s" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)"
done
