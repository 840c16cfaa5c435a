#!/usr/bin/env bash
# Check-mode benchmark (prints numbers; asserts nothing): `edge run playbooks/site.yml --check` on a site
# that drifted on both sides, beside the no-op run of the same site before the drift. Against the labs
# that src/test/lab/try/try-edge.sh leaves up: first N no-op runs (exit 0), then the drift try-edge.sh
# demonstrates (the BGPPeer deleted in the cluster; "Disable eBGP Require Policy" cleared on the firewall
# the way pfSense's GUI saves it), then N check runs (exit 10: changes pending, nothing changed), and at
# the end one run that repairs the site. Usage:
#   bash src/test/lab/try/try-edge.sh            # once
#   src/test/bench/check-drifted.sh [N] [JAR]    # defaults: 7 runs, target/edge.jar
set -euo pipefail
n=${1:-7}
jar=$(realpath "${2:-target/edge.jar}")
dir=${TRY_DIR:-/tmp/edge-try-${TRY_SLOT:-3}}
inv=$dir/site/inventory
[ -f "$jar" ] || { echo "no $jar: run 'mvn -q -B package -DskipTests' first" >&2; exit 1; }
[ -d "$inv" ] || { echo "no lab inventory at $inv: run src/test/lab/try/try-edge.sh first" >&2; exit 1; }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
edge() { java -jar "$jar" run -i "$inv" "$@"; }
repair() { edge playbooks/site.yml >/dev/null 2>&1 || echo "repairing the site failed: run it by hand" >&2; }
trap repair EXIT

# the firewall's login, from the lab inventory
var() { sed -n "s/^ *$1: *\([^ ]*\).*/\1/p" "$inv/hosts.yml" | head -1; }
fw_host=$(var ansible_host)
fw_port=$(var ansible_port)
fw_key=$(var ansible_ssh_private_key_file)
fw_known=$(var edge_ssh_known_hosts)

measure() { # label, edge arguments...
	local label=$1
	shift
	walls=() cpus=() codes=()
	edge "$@" >/dev/null 2>&1 || true # warm the archive and the page cache
	for ((i = 0; i < n; i++)); do
		timed java -jar "$jar" run -i "$inv" "$@"
	done
	printf '%-34s wall %s   cpu %s   exit codes %s\n' "$label" "$(printf '%s\n' "${walls[@]}" | stats)" \
		"$(printf '%s\n' "${cpus[@]}" | stats)" "${codes[*]}"
}

measure "no-op (converged)" playbooks/site.yml --detailed-exitcode
edge "$(dirname "$0")/../lab/try/drift.yml" >/dev/null
ssh -p "$fw_port" -i "$fw_key" -o UserKnownHostsFile="$fw_known" -o StrictHostKeyChecking=yes -o BatchMode=yes \
	-o LogLevel=ERROR -T "root@$fw_host" /usr/local/bin/php >/dev/null <"$(dirname "$0")/../lab/try/drift-firewall.php"
measure "--check (drifted on both sides)" playbooks/site.yml --check --detailed-exitcode
