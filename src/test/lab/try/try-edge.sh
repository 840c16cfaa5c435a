#!/bin/bash
# Try edge on this machine, in one command, without a cluster or a pfSense box: builds edge, brings
# up the project's labs (a real kube-apiserver with MetalLB v0.14.8 and its own speakers in network
# namespaces, an emulated pfSense with real OpenSSH, php-cli and FRR), and runs the project's
# unchanged playbooks/site.yml against them, step by step:
#   converge -> the BGP sessions and the route -> a client outside the cluster reaches the
#   LoadBalancer address -> a no-op rerun -> drift on the firewall and in the cluster ->
#   --check --diff (exit 10) -> one run puts it back.
# Root, on Debian 12. Everything happens on loopback and in namespaces this lab creates; the site's
# addresses (192.168.4.x, 192.168.32.x) exist only inside them. The labs stay up at the end (it says
# how to use and stop them); `try-edge.sh down` stops them.
#
#   bash src/test/lab/try/try-edge.sh [up|down]
# Environment: TRY_SLOT (0..3, default 3) picks the lab's loopback addresses and namespace names;
# EDGE_JAVA_CP, a class path to run edge from instead of building target/edge.jar (the test that
# drives this script uses its own).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)
LAB=$ROOT/src/test/lab
SLOT=${TRY_SLOT:-3}
export SPKLAB_SLOT=$SLOT SPKLAB_DIR=/tmp/edge-try-$SLOT SPKLAB_PREFIX=edgetry$SLOT- SPKLAB_LISTEN=127.0.0.$((45 + SLOT))
WORK=$SPKLAB_DIR/site
if [[ -n ${EDGE_JAVA_CP:-} ]]; then
	EDGE=(java -cp "$EDGE_JAVA_CP" edge.cli.Main)
else
	EDGE=(java -jar "$ROOT/target/edge.jar")
fi

if [[ -t 1 ]]; then B=$'\e[1m' N=$'\e[0m'; else B= N=; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
note() { printf '   %s\n' "$@"; }
run_edge() { # run_edge EXPECTED_EXIT ARGS...: shows the command, runs it, checks its exit code
	local want=$1 rc=0
	shift
	printf '%s$ edge %s%s\n' "$B" "$*" "$N"
	"${EDGE[@]}" "$@" || rc=$?
	if [[ $rc -ne $want ]]; then
		printf 'try-edge: edge exited %d, expected %d\n' "$rc" "$want" >&2
		exit 1
	fi
	printf '(exit %d)\n' "$rc"
}

if [[ ${1:-up} == down ]]; then
	bash "$LAB/speaker/speaker-lab.sh" down
	exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "try-edge: run as root (the labs create network namespaces and a second sshd)" >&2; exit 1; }

say "1. What edge and its labs need (Debian packages; Maven builds edge; Go builds the Kubernetes lab, once)"
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v go >/dev/null || need+=(golang-go)
if [[ ${#need[@]} -gt 0 ]]; then
	DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
bash "$LAB/speaker/speaker-lab.sh" install
[[ -n ${EDGE_JAVA_CP:-} ]] || (cd "$ROOT" && mvn -q -B -ntp package -DskipTests)
"$LAB/k8s/build.sh"

say "2. The labs: kube-apiserver + MetalLB's controller, one namespace per node with MetalLB's speaker, the firewall, a client"
bash "$LAB/speaker/speaker-lab.sh" down >/dev/null 2>&1 || true
bash "$LAB/speaker/speaker-lab.sh" up
# shellcheck disable=SC1091
. "$SPKLAB_DIR/lab.env"
# shellcheck disable=SC1091
FW_ENV=$( . "$FWLAB_DIR/lab.env"; printf '%s\n' "$FW_IP" "$SSH_PORT" "$SSH_KEY" "$KNOWN_HOSTS")
mapfile -t fw <<<"$FW_ENV"

say "3. A lab inventory: the project's group_vars, with the lab's addresses and credentials on top"
rm -rf "$WORK" && mkdir -p "$WORK/inventory" "$WORK/secrets"
{
	echo "all:"
	echo "  children:"
	echo "    k8s:"
	echo "      hosts:"
	for n in $NODES; do echo "        ${n%%=*}: {ansible_host: ${n#*=}}"; done
	echo "    firewalls:"
	echo "      hosts:"
	echo "        pfsense:"
	echo "          ansible_host: ${fw[0]}        # the emulated pfSense's sshd, on loopback"
	echo "          ansible_port: ${fw[1]}"
	echo "          ansible_ssh_private_key_file: ${fw[2]}"
	echo "          edge_ssh_known_hosts: ${fw[3]}"
	echo "          frr_router_id: $FW_LAN_IP        # its address on the nodes' LAN (inside the lab)"
} >"$WORK/inventory/hosts.yml"
for g in all k8s firewalls; do
	mkdir -p "$WORK/inventory/group_vars/$g"
	cp "$ROOT/inventory/group_vars/$g.yml" "$WORK/inventory/group_vars/$g/site.yml"
done
manifest=$(cd "$ROOT/.." && pwd)/shared/fixtures/metallb/metallb-native-v0.14.8.yaml
if [[ -f $manifest ]]; then
	# the same bytes as the site's URL (sha256-pinned): no download needed
	echo "metallb_manifest_url: \"file://$manifest\"" >"$WORK/inventory/group_vars/all/zz-lab.yml"
fi
echo "k8s_kubeconfig: $KUBECONFIG_FILE" >"$WORK/inventory/group_vars/k8s/zz-lab.yml"
openssl rand -hex 12 >"$WORK/secrets/frr-master-password"
chmod 600 "$WORK/secrets/frr-master-password"
echo "frr_master_password: \"{{ lookup('file', '$WORK/secrets/frr-master-password') }}\"" >"$WORK/inventory/group_vars/firewalls/zz-lab.yml"
cp "$HERE/demo-service.yml" "$HERE/drift.yml" "$WORK/"
INV=(-i "$WORK/inventory")
note "$WORK/inventory/hosts.yml:" && sed 's/^/     /' "$WORK/inventory/hosts.yml"

say "4. Validate: every input checked, nothing contacted"
run_edge 0 validate "${INV[@]}" "$ROOT/playbooks/site.yml"

say "5. Converge: MetalLB, its BGP resources, FRR on the firewall, then the verification"
run_edge 0 run "${INV[@]}" "$ROOT/playbooks/site.yml"

say "6. A LoadBalancer Service (an app's stand-in: a listener in each node namespace plays kube-proxy)"
run_edge 0 run "${INV[@]}" "$WORK/demo-service.yml"
note "the verify play now checks the address MetalLB assigned: received from every node, installed (ECMP)"
run_edge 0 run "${INV[@]}" "$ROOT/playbooks/site.yml" --tags verify
lb=$(bash "$LAB/speaker/speaker-lab.sh" vtysh -c 'show ip route bgp json' | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sorted(r)[0].split("/")[0] if r else "")')
note "from the client (192.168.8.2, another subnet, routed through the firewall) to $lb:80:"
bash "$LAB/speaker/speaker-lab.sh" connect "$lb" 80 | sed 's/^/     answered: /'

say "7. Run it again: nothing drifted, nothing changes (exit 0 with --detailed-exitcode)"
run_edge 0 run "${INV[@]}" "$ROOT/playbooks/site.yml" --detailed-exitcode

say "8. Drift: someone clears 'Disable eBGP Require Policy' in pfSense's GUI, and deletes the BGPPeer"
# what the GUI's Save does: config.xml written through write_config(), FRR regenerated (and reloaded in place)
ssh -p "${fw[1]}" -i "${fw[2]}" -o UserKnownHostsFile="${fw[3]}" -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR \
	-T "root@${fw[0]}" /usr/local/bin/php >/dev/null <"$HERE/drift-firewall.php"
run_edge 0 run "${INV[@]}" "$WORK/drift.yml"
note "--check --diff shows both, changes nothing, and exits 10 with --detailed-exitcode:"
run_edge 10 run "${INV[@]}" "$ROOT/playbooks/site.yml" --check --diff --detailed-exitcode

say "9. One run puts it back (exit 10: something changed)"
run_edge 10 run "${INV[@]}" "$ROOT/playbooks/site.yml" --diff --detailed-exitcode
bash "$LAB/speaker/speaker-lab.sh" connect "$lb" 80 | sed 's/^/     the client again: answered: /'

say "Done. The labs are still up:"
note "edge:         ${EDGE[*]} run -i $WORK/inventory $ROOT/playbooks/site.yml [--check --diff]" \
	"Kubernetes:   KUBECONFIG=$KUBECONFIG_FILE (any kubectl; edge needs none)" \
	"the firewall: ssh -i ${fw[2]} -p ${fw[1]} -o UserKnownHostsFile=${fw[3]} root@${fw[0]}" \
	"its FRR:      SPKLAB_DIR=$SPKLAB_DIR bash $LAB/speaker/speaker-lab.sh vtysh -c 'show bgp summary'" \
	"the client:   SPKLAB_DIR=$SPKLAB_DIR bash $LAB/speaker/speaker-lab.sh connect $lb 80" \
	"stop them:    bash $0 down"
