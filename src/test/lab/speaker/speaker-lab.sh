#!/bin/bash
# The speaker lab: MetalLB's real speakers in one network namespace per Kubernetes node, peering
# with the firewall lab's FRR (zebra + bgpd, configured only through pfSense's config.xml and the
# FRR package's generator) in a namespace of its own, and a client on another subnet whose route
# to the LoadBalancer pool goes through that firewall. See README.md beside this script.
#
#   speaker-lab.sh install          what the lab needs (the firewall lab's apt packages, python3)
#   speaker-lab.sh up               create the namespaces, start the Kubernetes lab (with a speaker
#                                   per node namespace), the firewall, the listeners; print how to use it
#   speaker-lab.sh down             stop exactly what `up` started (by pid), delete its namespaces
#   speaker-lab.sh status           what runs, BGP neighbours, the firewall's route to the pool
#   speaker-lab.sh add-firewall     a second firewall on the LAN (192.168.4.2): another emulated pfSense
#                                   whose FRR runs in namespace <prefix>fw2; ssh on 127.0.0.(64+5*slot):2270+slot
#   speaker-lab.sh connect IP [PORT]  from the client namespace: one TCP connection, print the answer
#   speaker-lab.sh ns NAME CMD...   run CMD in a lab namespace (fw, client, lan or a node name)
#   speaker-lab.sh vtysh ARGS...    the firewall's vtysh (zebra + bgpd)
#
# Environment (read by `up`; the other commands read what `up` saved in $SPKLAB_DIR/lab.env):
#   SPKLAB_SLOT    firewall lab slot (default 2): firewall sshd 127.0.0.(60+5*slot):2260+slot
#   SPKLAB_DIR     state dir (default /tmp/edge-spklab-<slot>)
#   SPKLAB_PREFIX  namespace name prefix (default edgespk<slot>-)
#   SPKLAB_LISTEN  loopback address where the Kubernetes API server is published (default 127.0.0.44)
#   SPKLAB_NODES   name=ip ... registered as Nodes (default k8smaster1=192.168.4.11 k8snode1=.12 k8snode2=.13)
#   SPKLAB_SPARE   name=ip ... namespaces ready for "a node added", NOT registered (default k8snode3=192.168.4.14)
#   SPKLAB_POOLS   networks each node answers on (default 192.168.32.0/24 192.168.33.0/24)
#   SPKLAB_OWNER_PID  when set, a watchdog runs `down` as soon as that process is gone (test JVMs)
#   EDGE_K8S_LAB_BIN  the Kubernetes lab's binaries (default: src/test/lab/k8s/build.sh builds them)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
FWLAB="$HERE/../pfsense/lab.sh"
K8SBUILD="$HERE/../k8s/build.sh"

# The site's LAN and the client's subnet. They exist only inside the lab's namespaces.
LAN_PREFIX=24
FW_LAN_IP=192.168.4.1
FW2_LAN_IP=192.168.4.2
API_UPLINK_IP=192.168.4.10 # the Kubernetes lab namespace's leg on the LAN (its API server's advertise address is behind it)
API_ADVERTISE_IP=10.244.0.1
FW_CLIENT_IP=192.168.8.1
CLIENT_IP=192.168.8.2
CLIENT_PREFIX=24

log() { printf 'spklab: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

load_settings() {
	if [[ ${1:-} != fresh ]]; then
		local d=${SPKLAB_DIR:-/tmp/edge-spklab-${SPKLAB_SLOT:-2}}
		if [[ -f $d/lab.env ]]; then
			# shellcheck disable=SC1091
			. "$d/lab.env"
			return
		fi
	fi
	SLOT=${SPKLAB_SLOT:-2}
	[[ $SLOT =~ ^[0-3]$ ]] || die "SPKLAB_SLOT must be 0..3"
	D=${SPKLAB_DIR:-/tmp/edge-spklab-$SLOT}
	P=${SPKLAB_PREFIX:-edgespk$SLOT-}
	LISTEN=${SPKLAB_LISTEN:-127.0.0.44}
	NODES=${SPKLAB_NODES:-"k8smaster1=192.168.4.11 k8snode1=192.168.4.12 k8snode2=192.168.4.13"}
	SPARE=${SPKLAB_SPARE:-"k8snode3=192.168.4.14"}
	POOLS=${SPKLAB_POOLS:-"192.168.32.0/24 192.168.33.0/24"}
	[[ $LISTEN =~ ^127\. ]] || die "SPKLAB_LISTEN must be a 127.0.0.0/8 address"
}

save_settings() {
	cat >"$D/lab.env" <<EOF
# written by speaker-lab.sh up; read by the other commands and by SpeakerLab.java
D='$D'
SLOT='$SLOT'
P='$P'
LISTEN='$LISTEN'
NODES='$NODES'
SPARE='$SPARE'
POOLS='$POOLS'
NS_LAN='${P}lan'
NS_FW='${P}fw'
NS_CLIENT='${P}client'
FW_LAN_IP='$FW_LAN_IP'
FW2_LAN_IP='$FW2_LAN_IP'
FW_CLIENT_IP='$FW_CLIENT_IP'
CLIENT_IP='$CLIENT_IP'
API_UPLINK_IP='$API_UPLINK_IP'
K8S_DIR='$D/k8s'
KUBECONFIG_FILE='$D/k8s/kubeconfig'
FWLAB_DIR='$D/firewall'
FWLAB2_DIR='$D/firewall2'
EOF
}

# ---------------------------------------------------------------------------------------------
# processes: recorded in $D/run/NAME.pid (../lib/pids.sh); stopped only while the same process runs

# shellcheck source=../lib/pids.sh
. "$HERE/../lib/pids.sh"
stop_recorded() { # NAME...: TERM, up to 5 s, then KILL
	local n pid pids=() i
	for n in "$@"; do
		pid=$(alive "$n" || true)
		[[ -n $pid ]] && pids+=("$pid")
	done
	if [[ ${#pids[@]} -gt 0 ]]; then
		kill -TERM "${pids[@]}" 2>/dev/null || true
		for i in $(seq 50); do
			local left=()
			for pid in "${pids[@]}"; do running "$pid" && left+=("$pid"); done
			[[ ${#left[@]} -eq 0 ]] && break
			sleep 0.1
		done
		[[ ${#left[@]} -gt 0 ]] && kill -KILL "${left[@]}" 2>/dev/null || true
	fi
	for n in "$@"; do rm -f "$D/run/$n.pid"; done
}

# ---------------------------------------------------------------------------------------------
# namespaces

ns_of() { # ns_of NAME -> namespace name (fw, client, lan, or a node name)
	case $1 in
	fw) echo "${P}fw" ;;
	client) echo "${P}client" ;;
	lan) echo "${P}lan" ;;
	*) echo "$P$1" ;;
	esac
}

add_ns() {
	ip netns add "$1"
	echo "$1" >>"$D/netns.list"
	ip -n "$1" link set lo up
}

# A node: its namespace, eth0 with the node IP on the LAN bridge, the routes a node has (the firewall
# as default gateway, the API server through the uplink), the pool as local addresses, the listener.
add_node_ns() { # NAME IP
	local name=$1 ip=$2 ns=$P$1 pool
	add_ns "$ns"
	ip -n "${P}lan" link add "$name" type veth peer name eth0 netns "$ns"
	ip -n "${P}lan" link set "$name" master br0 up
	ip -n "$ns" addr add "$ip/$LAN_PREFIX" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$FW_LAN_IP"
	ip -n "$ns" route add "$API_ADVERTISE_IP/32" via "$API_UPLINK_IP"
	for pool in $POOLS; do ip -n "$ns" route add local "$pool" dev lo; done
	setsid ip netns exec "$ns" python3 "$HERE/lb-listener.py" --node "$name" --port 80 \
		</dev/null >>"$D/log/listener-$name.log" 2>&1 &
	record "listener-$name" $!
}

cmd_install() {
	"$FWLAB" install
	# python3 runs the stand-in listeners (frr-pythontools, installed above, depends on it anyway)
	command -v python3 >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3; }
}

cmd_up() {
	load_settings fresh
	[[ $(id -u) -eq 0 ]] || die "the lab needs root (network namespaces)"
	local b
	for b in ip nsenter python3 setsid; do command -v "$b" >/dev/null || die "missing $b: run '$SELF install'"; done
	if [[ -f $D/lab.env ]] && alive supervisor >/dev/null; then
		log "already up ($D); '$SELF down' first"
		return 0
	fi
	local BIN
	if [[ -n ${EDGE_K8S_LAB_BIN:-} ]]; then BIN=$EDGE_K8S_LAB_BIN; else BIN=$("$K8SBUILD" | sed -n 's/^bin: //p'); fi
	[[ -x $BIN/metallb-speaker && -x $BIN/edge-k8s-lab ]] || die "no metallb-speaker/edge-k8s-lab in $BIN: run $K8SBUILD"
	[[ -d $D ]] && cmd_down_quiet # leftovers of a lab that was not stopped
	local t0
	t0=$(date +%s%N)
	rm -rf "$D/run" "$D/log" "$D/k8s"
	mkdir -p "$D/run" "$D/log" "$D/k8s"
	: >"$D/netns.list"
	save_settings
	trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "up failed, stopping what it started"; cmd_down_quiet; fi' EXIT

	# the LAN: a bridge in a namespace of its own
	add_ns "${P}lan"
	ip -n "${P}lan" link add br0 type bridge
	ip -n "${P}lan" link set br0 up
	# the firewall: LAN leg, client leg, forwarding; L4 hashing so that connections spread over the ECMP paths
	add_ns "${P}fw"
	ip -n "${P}lan" link add fw type veth peer name eth0 netns "${P}fw"
	ip -n "${P}lan" link set fw master br0 up
	ip -n "${P}fw" addr add "$FW_LAN_IP/$LAN_PREFIX" dev eth0
	ip -n "${P}fw" link set eth0 up
	add_ns "${P}client"
	ip -n "${P}fw" link add eth1 type veth peer name eth0 netns "${P}client"
	ip -n "${P}fw" addr add "$FW_CLIENT_IP/$CLIENT_PREFIX" dev eth1
	ip -n "${P}fw" link set eth1 up
	ip netns exec "${P}fw" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
	ip -n "${P}client" addr add "$CLIENT_IP/$CLIENT_PREFIX" dev eth0
	ip -n "${P}client" link set eth0 up
	ip -n "${P}client" route add default via "$FW_CLIENT_IP"
	# the nodes (registered and spare)
	local kv specs=""
	for kv in $NODES $SPARE; do add_node_ns "${kv%%=*}" "${kv#*=}"; done
	for kv in $NODES; do specs+="${specs:+,}$kv"; done

	# the Kubernetes lab, with a speaker for every Node whose namespace ${P}<node> exists
	setsid "$BIN/edge-k8s-lab" up --dir "$D/k8s" --bin "$BIN" --listen "$LISTEN:0" --nodes "$specs" \
		--speaker-netns-prefix "$P" </dev/null >"$D/log/k8s-supervisor.log" 2>&1 &
	record supervisor $!
	local i phase=""
	for i in $(seq 1800); do
		phase=$(sed -n 's/^  "phase": "\(.*\)",$/\1/p' "$D/k8s/status.json" 2>/dev/null | head -1 || true)
		[[ $phase == ready ]] && break
		if [[ $phase == failed ]] || ! alive supervisor >/dev/null; then
			die "Kubernetes lab failed: $(tail -5 "$D/log/k8s-supervisor.log")"
		fi
		sleep 0.1
	done
	[[ $phase == ready ]] || die "Kubernetes lab not ready after 180 s ($D/log/k8s-supervisor.log)"
	# the uplink: the Kubernetes lab's namespace joins the LAN, so that speakers reach the API server
	# at its advertise address (named in the serving certificate) through $API_UPLINK_IP
	local k8sns
	k8sns=$(cat "$D/k8s/netns")
	ip -n "${P}lan" link add k8sapi type veth peer name lan0 netns "$k8sns"
	ip -n "${P}lan" link set k8sapi master br0 up
	ip -n "$k8sns" addr add "$API_UPLINK_IP/$LAN_PREFIX" dev lan0
	ip -n "$k8sns" link set lan0 up

	# the firewall: pfSense emulation over SSH on 127.0.0.x, its FRR in ${P}fw
	FWLAB_SLOT=$SLOT FWLAB_DIR=$D/firewall FWLAB_NETNS="${P}fw" "$FWLAB" up 2>>"$D/log/firewall-lab.log" ||
		die "firewall lab failed: $(tail -5 "$D/log/firewall-lab.log")"

	if [[ -n ${SPKLAB_OWNER_PID:-} ]]; then
		setsid /bin/bash "$SELF" __watchdog "$D" "$SPKLAB_OWNER_PID" </dev/null >>"$D/log/watchdog.log" 2>&1 &
		record watchdog $!
	fi
	trap - EXIT
	local ms=$((($(date +%s%N) - t0) / 1000000))
	echo "$ms" >"$D/up.ms"
	log "up in $((ms / 1000)).$(printf %03d $((ms % 1000))) s ($D)"
	local SSH_PORT FW_IP
	SSH_PORT=$(sed -n "s/^SSH_PORT='\(.*\)'$/\1/p" "$D/firewall/lab.env")
	FW_IP=$(sed -n "s/^FW_IP='\(.*\)'$/\1/p" "$D/firewall/lab.env")
	cat >&2 <<MSG
  Kubernetes API: export KUBECONFIG=$D/k8s/kubeconfig   (MetalLB's controller and speakers start once its manifest is applied)
  firewall:       ssh -i $D/firewall/ssh/id_ed25519 -o UserKnownHostsFile=$D/firewall/ssh/known_hosts -p $SSH_PORT root@$FW_IP
                  LAN $FW_LAN_IP (router id / BGPPeer peerAddress), client side $FW_CLIENT_IP
  nodes:          $NODES   spare (no Node object yet): $SPARE
  client:         $CLIENT_IP  ->  $SELF connect <LB IP>
  stop with:      $SELF down
MSG
}

# A second firewall on the same LAN (the inventory's one more line; MetalLB gets a second BGPPeer):
# the firewall lab again, its FRR in namespace ${P}fw2 at $FW2_LAN_IP. Its sshd takes the slot's
# fifth loopback address (a spare speaker's in the loopback lab, unused here) and port 2270+slot.
cmd_add_firewall() {
	load_settings
	alive supervisor >/dev/null || die "the lab is not up ($D)"
	if [[ -e /run/netns/${P}fw2 ]]; then
		log "the second firewall is already up"
		return 0
	fi
	add_ns "${P}fw2"
	ip -n "${P}lan" link add fw2 type veth peer name eth0 netns "${P}fw2"
	ip -n "${P}lan" link set fw2 master br0 up
	ip -n "${P}fw2" addr add "$FW2_LAN_IP/$LAN_PREFIX" dev eth0
	ip -n "${P}fw2" link set eth0 up
	ip netns exec "${P}fw2" sysctl -q -w net.ipv4.ip_forward=1
	FWLAB_SLOT=$SLOT FWLAB_DIR=$D/firewall2 FWLAB_NETNS="${P}fw2" FWLAB_FW_IP=127.0.0.$((64 + 5 * SLOT)) \
		FWLAB_SSH_PORT=$((2270 + SLOT)) "$FWLAB" up 2>>"$D/log/firewall2-lab.log" ||
		die "second firewall failed: $(tail -5 "$D/log/firewall2-lab.log")"
	log "second firewall up: LAN $FW2_LAN_IP, ssh root@127.0.0.$((64 + 5 * SLOT)) -p $((2270 + SLOT)) (state $D/firewall2)"
}

cmd_down_quiet() {
	# the watchdog first (unless it is the one calling), then what speaks, then the control plane
	[[ ${SPKLAB_IS_WATCHDOG:-} == 1 ]] || stop_recorded watchdog
	local f names=()
	for f in "$D"/run/listener-*.pid; do
		[[ -e $f ]] || continue
		f=${f##*/}
		names+=("${f%.pid}")
	done
	[[ ${#names[@]} -gt 0 ]] && stop_recorded "${names[@]}"
	local fwdir
	for fwdir in "$D/firewall" "$D/firewall2"; do
		if [[ -f $fwdir/lab.env ]]; then
			FWLAB_DIR=$fwdir "$FWLAB" down 2>>"$D/log/firewall-lab.log" || true
		fi
	done
	# the supervisor stops the speakers, the controller, kube-apiserver and etcd by pid and deletes its namespace
	local bin
	bin=$( (tr '\0' '\n' <"/proc/$(alive supervisor || echo 0)/cmdline" | head -1) 2>/dev/null || true)
	if [[ -z $bin ]]; then bin=${EDGE_K8S_LAB_BIN:-$("$K8SBUILD" --print-bin)}/edge-k8s-lab; fi
	if [[ -d $D/k8s && -x $bin ]]; then "$bin" down --dir "$D/k8s" 2>>"$D/log/k8s-supervisor.log" || true; fi
	stop_recorded supervisor
	local ns
	if [[ -f $D/netns.list ]]; then
		while read -r ns; do
			[[ $ns == "$P"* && -e /run/netns/$ns ]] && ip netns del "$ns"
		done <"$D/netns.list"
		: >"$D/netns.list"
	fi
	return 0
}

cmd_down() {
	load_settings
	[[ -d $D ]] || { log "nothing to stop ($D does not exist)"; return 0; }
	local t0
	t0=$(date +%s%N)
	cmd_down_quiet
	log "down in $((($(date +%s%N) - t0) / 1000000)) ms ($D kept for its logs)"
}

# Runs `down` once the process that asked for the lab (a test JVM) is gone, even if it was killed.
watchdog() {
	local owner=$2
	while kill -0 "$owner" 2>/dev/null; do sleep 1; done
	log "owner $owner is gone: stopping the lab"
	SPKLAB_DIR=$1 load_settings
	SPKLAB_IS_WATCHDOG=1 cmd_down_quiet
	rm -f "$D/run/watchdog.pid"
}

cmd_status() {
	load_settings
	[[ -f $D/lab.env ]] || { echo "state: absent ($D)"; return 1; }
	local f n pid
	echo "state dir: $D"
	for f in "$D"/run/*.pid; do
		[[ -e $f ]] || continue
		n=${f##*/}
		n=${n%.pid}
		pid=$(alive "$n" || true)
		echo "$n: ${pid:-dead}"
	done
	echo "namespaces: $(grep -c . "$D/netns.list" 2>/dev/null || echo 0) ($(tr '\n' ' ' <"$D/netns.list" 2>/dev/null))"
	if [[ -f $D/k8s/status.json ]]; then
		echo "speakers (from $D/k8s/status.json):"
		python3 -c 'import json, sys
for node, s in sorted(json.load(open(sys.argv[1])).get("speakers", {}).items()):
    print("  %s: %s pid %s restarts %s (%s, %s)" % (node, s["phase"], s.get("pid", "-"), s["restarts"], s["netns"], s["ip"]))' \
			"$D/k8s/status.json" || true
	fi
	[[ -f $D/firewall/lab.env ]] && FWLAB_DIR=$D/firewall "$FWLAB" status || true
	fw_vtysh -c 'show bgp ipv4 unicast summary' 2>/dev/null || true
	ip -n "${P}fw" route show proto bgp 2>/dev/null || true
	alive supervisor >/dev/null
}

fw_vtysh() { FWLAB_DIR=$D/firewall "$FWLAB" vtysh "$@"; }

cmd_connect() { # IP [PORT]: one connection from the client, prints the listener's line
	load_settings
	local ip=$1 port=${2:-80}
	ip netns exec "${P}client" timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && head -1 <&3' "$ip" "$port"
}

case ${1:-} in
install) cmd_install ;;
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
add-firewall) cmd_add_firewall ;;
connect) shift; [[ $# -ge 1 ]] || die "usage: connect IP [PORT]"; cmd_connect "$@" ;;
ns) shift; load_settings; [[ $# -ge 2 ]] || die "usage: ns NAME CMD..."; n=$(ns_of "$1"); shift; exec ip netns exec "$n" "$@" ;;
vtysh) shift; load_settings; fw_vtysh "$@" ;;
__watchdog) watchdog "$2" "$3" ;;
*) sed -n '2,30p' "$SELF" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
