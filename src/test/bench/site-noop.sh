#!/usr/bin/env bash
# Whole-site no-op benchmark (prints numbers; asserts nothing): `edge run playbooks/site.yml` against the
# labs that src/test/lab/try/try-edge.sh leaves up (MetalLB's speakers, the emulated pfSense), everything
# converged, N runs each with fast start (the default) and with EDGE_FAST_START=0. Per variant: wall and
# CPU (user+sys) median and min-max, the remote work of one run (SSH sessions and commands counted by the
# firewall's sshd, API requests by method from edge's --json report) and the exit codes (0 = nothing
# changed; --detailed-exitcode). Usage:
#   bash src/test/lab/try/try-edge.sh          # once: brings the labs up and converges the site
#   src/test/bench/site-noop.sh [N] [JAR]      # defaults: 7 runs, target/edge.jar
# Extra arguments for edge go in EDGE_ARGS (e.g. EDGE_ARGS="--check" for a check-mode run).
set -euo pipefail
n=${1:-7}
jar=$(realpath "${2:-target/edge.jar}")
dir=${TRY_DIR:-/tmp/edge-try-${TRY_SLOT:-3}}
inv=$dir/site/inventory
sshd_log=$dir/firewall/log/sshd.log
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
[ -d "$inv" ] || { echo "no lab inventory at $inv: run src/test/lab/try/try-edge.sh first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() { grep -c "$1" "$sshd_log" 2>/dev/null || true; }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# API requests of one run, by method, summed over its Kubernetes tasks
requests() {
	python3 - "$1" <<'PY'
import json, sys
total = {}
for play in json.load(open(sys.argv[1])).get("plays", []):
    for task in play.get("tasks", []):
        for h in task.get("hosts", {}).values():
            if h.get("status") == "skipped":
                continue  # a shared system's task: counted once, on the host that ran it
            for k, v in (h.get("result") or {}).get("api_requests", {}).items():
                total[k] = total.get(k, 0) + v
print(", ".join(f"{k} {v}" for k, v in sorted(total.items())) or "none")
PY
}
# shellcheck disable=SC2086 # EDGE_ARGS is a list of words
measure() { # label, env assignments...
	local label=$1 walls=() cpus=() codes=() s0 c0 s1 c1
	shift
	env "$@" java -jar "$jar" run -i "$inv" playbooks/site.yml >/dev/null 2>&1 || true # warm the archive and the page cache
	for ((i = 0; i < n; i++)); do
		s0=$(count 'Accepted publickey')
		c0=$(count 'Starting session: command')
		timed env "$@" java -jar "$jar" run -i "$inv" playbooks/site.yml --detailed-exitcode ${EDGE_ARGS:-} --json "$work/report.json"
		s1=$(count 'Accepted publickey')
		c1=$(count 'Starting session: command')
	done
	printf '%-28s wall %s   cpu %s   exit codes %s\n' "$label" "$(printf '%s\n' "${walls[@]}" | stats)" \
		"$(printf '%s\n' "${cpus[@]}" | stats)" "${codes[*]}"
	printf '%-28s last run: %d SSH session(s), %d command(s); API requests: %s\n' "" $((s1 - s0)) $((c1 - c0)) \
		"$(requests "$work/report.json")"
}
measure "fast start (default)" EDGE_FAST_START=1
measure "one JVM (EDGE_FAST_START=0)" EDGE_FAST_START=0
