#!/usr/bin/env bash
# Firewall scale benchmark of the no-op run (prints numbers; asserts nothing): `edge run playbooks/site.yml
# --tags pfsense` (the play "FRR on pfSense"; the site rules run too) against the lab that
# src/test/lab/try/try-edge.sh leaves up, with 1, 3 and 30 firewalls in a generated inventory. The lab has
# one emulated pfSense, so every firewall of the inventory is that one (same address, key and router id):
# what grows is edge's work, one SSH session and one config.xml read per firewall, in parallel up to
# --forks (EDGE_ARGS, e.g. EDGE_ARGS="--forks 10"). Prints wall and CPU median and min-max (edge's own, and
# the whole machine's: here the firewalls' sshd and php-cli share edge's cores, which real firewalls do
# not), the SSH sessions and commands of one run (counted by the firewall's sshd) and the exit codes
# (0 = nothing changed). Nothing is changed: the lab's site is converged already, and every firewall wants the same.
# Usage:
#   bash src/test/lab/try/try-edge.sh          # once
#   src/test/bench/firewall-scale.sh [N] [JAR] # defaults: 5 runs, target/edge.jar
set -euo pipefail
n=${1:-5}
jar=$(realpath "${2:-target/edge.jar}")
dir=${TRY_DIR:-/tmp/edge-try-${TRY_SLOT:-3}}
lab_inv=$dir/site/inventory
sshd_log=$dir/firewall/log/sshd.log
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
[ -d "$lab_inv" ] || { echo "no lab inventory at $lab_inv: run src/test/lab/try/try-edge.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
count() { grep -c "$1" "$sshd_log" 2>/dev/null || true; }
# CPU seconds the whole machine was busy so far (edge, and the emulated firewalls' sshd and php-cli)
busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{printf "%.3f\n", ($2+$3+$4+$7+$8+$9)/hz}' /proc/stat; }

# the lab firewall's variables (everything below its name in the lab's inventory), for every firewall
firewall_vars=$(sed -n '/^        pfsense:/,$p' "$lab_inv/hosts.yml" | tail -n +2)
nodes=$(sed -n '/^    k8s:/,/^    firewalls:/p' "$lab_inv/hosts.yml" | sed '$d')

printf '%-10s %-26s %-26s %-26s %s\n' firewalls "no-op wall" "edge cpu" "machine cpu" "remote work of one run"
for firewalls in 1 3 30; do
	inv=$work/inv-$firewalls
	mkdir -p "$inv"
	cp -r "$lab_inv/group_vars" "$inv/"
	{
		echo "all:"
		echo "  children:"
		echo "$nodes"
		echo "    firewalls:"
		echo "      hosts:"
		for ((i = 0; i < firewalls; i++)); do
			echo "        fw$i:"
			echo "$firewall_vars"
		done
	} >"$inv/hosts.yml"
	# shellcheck disable=SC2086 # EDGE_ARGS is a list of words
	java -jar "$jar" run -i "$inv" playbooks/site.yml --tags pfsense ${EDGE_ARGS:-} >"$work/warm.log" 2>&1 \
		|| { echo "the run with $firewalls firewalls failed:" >&2; tail -20 "$work/warm.log" >&2; exit 1; }
	walls=() cpus=() codes=() machine=()
	for ((r = 0; r < n; r++)); do
		b0=$(busy)
		s0=$(count 'Accepted publickey')
		c0=$(count 'Starting session: command')
		# shellcheck disable=SC2086
		timed java -jar "$jar" run -i "$inv" playbooks/site.yml --tags pfsense --detailed-exitcode ${EDGE_ARGS:-}
		s1=$(count 'Accepted publickey')
		c1=$(count 'Starting session: command')
		machine+=("$(awk -v a="$(busy)" -v b="$b0" 'BEGIN{printf "%.3f", a - b}')")
	done
	printf '%-10s %-26s %-26s %-26s %d SSH sessions, %d commands   exit codes %s\n' "$firewalls" \
		"$(printf '%s\n' "${walls[@]}" | stats)" "$(printf '%s\n' "${cpus[@]}" | stats)" \
		"$(printf '%s\n' "${machine[@]}" | stats)" $((s1 - s0)) $((c1 - c0)) "${codes[*]}"
done
