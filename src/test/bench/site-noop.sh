#!/usr/bin/env bash
# Whole-site no-op benchmark (prints numbers; asserts nothing): `edge run playbooks/site.yml` against the
# labs that src/test/lab/try/try-edge.sh leaves up (MetalLB's speakers, the emulated pfSense), everything
# converged, N runs each with fast start (the default) and with EDGE_FAST_START=0: wall and CPU
# (user+sys) median and min-max, and the exit code (0 = nothing changed). Usage:
#   bash src/test/lab/try/try-edge.sh      # once: brings the labs up and converges the site
#   src/test/bench/site-noop.sh [N] [JAR]  # defaults: 5 runs, target/edge.jar
set -euo pipefail
n=${1:-5}
jar=$(realpath "${2:-target/edge.jar}")
inv=${TRY_INVENTORY:-/tmp/edge-try-${TRY_SLOT:-3}/site/inventory}
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
[ -d "$inv" ] || { echo "no lab inventory at $inv: run src/test/lab/try/try-edge.sh first" >&2; exit 1; }
stats() { sort -n | awk '{ a[NR] = $1 } END { printf "%.2f s (%.2f-%.2f)", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
measure() { # label, env assignments...
	local label=$1 walls=() cpus=() codes=() t
	shift
	java -jar "$jar" run -i "$inv" playbooks/site.yml >/dev/null 2>&1 || true # warm the archive and the page cache
	for ((i = 0; i < n; i++)); do
		t=$(mktemp)
		env "$@" /usr/bin/time -f '%e %U %S' -o "$t" java -jar "$jar" run -i "$inv" playbooks/site.yml --detailed-exitcode \
			>/dev/null 2>&1 && codes+=(0) || codes+=($?)
		read -r w u s <"$t"
		rm -f "$t"
		walls+=("$w")
		cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
	done
	printf '%-28s wall %s   cpu %s   exit codes %s\n' "$label" "$(printf '%s\n' "${walls[@]}" | stats)" \
		"$(printf '%s\n' "${cpus[@]}" | stats)" "${codes[*]}"
}
measure "fast start (default)" EDGE_FAST_START=1
measure "one JVM (EDGE_FAST_START=0)" EDGE_FAST_START=0
