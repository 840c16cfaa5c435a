#!/bin/bash
# Firewall lab for edge's tests: an emulated pfSense reachable over a real OpenSSH server,
# plus real FRR BGP speakers standing in for MetalLB nodes. Loopback only (127.0.0.0/8).
#
#   lab.sh install                 apt packages the lab needs (idempotent, no services started)
#   lab.sh up                      start a FRESH lab (fresh config.xml, no FRR package, speakers up)
#   lab.sh down                    stop exactly the processes this lab started; keep logs
#   lab.sh status                  what runs, addresses, counters
#   lab.sh wait [N] [TIMEOUT]      wait until the firewall bgpd has N Established peers with prefixes
#   lab.sh add-speaker IP [PFX..]  start one more speaker (a node added)
#   lab.sh del-speaker IP          stop one speaker
#   lab.sh cut [--all]             cut every open SSH connection (--all: also kill what the sessions run)
#   lab.sh exec CMD...             run CMD inside the firewall (its mount namespace and root)
#   lab.sh vtysh ARGS...           the firewall bgpd's vtysh (e.g. vtysh -c 'show bgp summary json')
#   lab.sh clean                   down + remove the state dir (also the generated keys)
#
# Everything is documented in README.md beside this script. Environment (read by `up`; the other
# commands read the values `up` saved in $FWLAB_DIR/lab.env):
#   FWLAB_SLOT      0..3 (default 0): picks addresses 127.0.0.(60+5*slot) .. +4, ssh port 2260+slot
#   FWLAB_DIR       state dir (default /tmp/edge-fwlab-<slot>)
#   FWLAB_FW_IP     firewall address (default 127.0.0.(60+5*slot))
#   FWLAB_NODE_IPS  speaker addresses (default the next three)
#   FWLAB_SSH_PORT  (default 2260+slot)   FWLAB_BGP_PORT  firewall bgpd port (default 1179)
#   FWLAB_NODE_AS   (default 64500)       FWLAB_PREFIXES  announced /32s (default 192.168.32.10/32)
#   FWLAB_COMMUNITY (default 65535:65282 = no-advertise)
#   FWLAB_NETNS     a network namespace (it must exist) where the firewall's FRR runs as on pfSense:
#                   zebra + bgpd, configuration applied by `vtysh -b` on a start and by frr-reload.py
#                   on a reload, routes installed in that namespace's kernel. No FRR speakers are
#                   started then (FWLAB_NODE_IPS defaults to none): the speaker lab runs MetalLB's.
#                   Unset: one bgpd without zebra on FWLAB_FW_IP (the loopback lab).
set -euo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$LAB_SRC/$(basename "${BASH_SOURCE[0]}")"
APT_PACKAGES="openssh-server openssh-client php-cli php-xml frr frr-pythontools util-linux procps iproute2 openssl"
BGPD=/usr/lib/frr/bgpd

log() { printf 'fwlab: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# settings

load_settings() {
	local slot=${FWLAB_SLOT:-0}
	[[ $slot =~ ^[0-3]$ ]] || die "FWLAB_SLOT must be 0..3"
	D=${FWLAB_DIR:-/tmp/edge-fwlab-$slot}
	if [[ -f $D/lab.env && ${1:-} != fresh ]]; then
		# shellcheck disable=SC1091
		. "$D/lab.env"
		return
	fi
	local base=$((60 + 5 * slot))
	FW_IP=${FWLAB_FW_IP:-127.0.0.$base}
	NETNS=${FWLAB_NETNS:-}
	if [[ -n $NETNS ]]; then
		NODE_IPS=${FWLAB_NODE_IPS:-}
	else
		NODE_IPS=${FWLAB_NODE_IPS:-"127.0.0.$((base + 1)) 127.0.0.$((base + 2)) 127.0.0.$((base + 3))"}
	fi
	SSH_PORT=${FWLAB_SSH_PORT:-$((2260 + slot))}
	BGP_PORT=${FWLAB_BGP_PORT:-1179}
	NODE_AS=${FWLAB_NODE_AS:-64500}
	PREFIXES=${FWLAB_PREFIXES:-192.168.32.10/32}
	COMMUNITY=${FWLAB_COMMUNITY:-65535:65282}
}

check_loopback() {
	local ip
	for ip in "$@"; do
		[[ $ip =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] &&
			((BASH_REMATCH[1] <= 255 && BASH_REMATCH[2] <= 255 && BASH_REMATCH[3] <= 255)) ||
			die "address $ip is not in 127.0.0.0/8 (loopback only)"
	done
}

save_settings() {
	cat >"$D/lab.env" <<EOF
# written by lab.sh up; read by the other lab.sh commands and by FirewallLab.java
D='$D'
FW_IP='$FW_IP'
NODE_IPS='$NODE_IPS'
SSH_PORT='$SSH_PORT'
BGP_PORT='$BGP_PORT'
NODE_AS='$NODE_AS'
PREFIXES='$PREFIXES'
COMMUNITY='$COMMUNITY'
NETNS='$NETNS'
SSH_KEY='$D/ssh/id_ed25519'
KNOWN_HOSTS='$D/ssh/known_hosts'
KNOWN_HOSTS_WRONG='$D/ssh/known_hosts.wrong'
ADMIN_PASSWORD_FILE='$D/ssh/admin.password'
CONFIG_XML='$D/fw/cf/conf/config.xml'
BACKUP_DIR='$D/fw/cf/conf/backup'
FRR_CONF='$D/fw/var-etc-frr/frr.conf'
FW_VTY='$D/fw/frr-run'
EVENTS_DIR='$D/log'
EOF
}

# ---------------------------------------------------------------------------------------------
# process bookkeeping (starttime, running, record, alive): ../lib/pids.sh
# shellcheck source=../lib/pids.sh
. "$LAB_SRC/../lib/pids.sh"

# a bgpd's own pid file -> pid, if that process is a bgpd whose command line names our state dir
bgpd_from_pidfile() {
	local pid
	[[ -f $1 ]] || return 1
	pid=$(tr -dc '0-9' <"$1")
	[[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$D/" || return 1
	echo "$pid"
}

stop_pids() { # stop_pids PID... : TERM, wait up to $STOP_WAIT tenths of a second, then KILL
	local pid left i
	[[ $# -gt 0 ]] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for i in $(seq "${STOP_WAIT:-30}"); do
		left=()
		for pid in "$@"; do [[ -d /proc/$pid ]] && left+=("$pid"); done
		[[ ${#left[@]} -eq 0 ]] && return 0
		sleep 0.1
	done
	kill -KILL "${left[@]}" 2>/dev/null || true
}

# pids of all processes inside the firewall's mount namespace (all started by this lab's sshd)
fw_ns_pids() {
	local ref ns p
	ref=$(alive sshd || bgpd_from_pidfile "$D/fw/frr-run/bgpd.pid" || true)
	[[ -n $ref ]] || return 0
	ns=$(readlink "/proc/$ref/ns/mnt" 2>/dev/null) || return 0
	[[ $ns != "$(readlink /proc/self/ns/mnt)" ]] || return 0 # never the host namespace
	for p in /proc/[0-9]*; do
		[[ "$(readlink "$p/ns/mnt" 2>/dev/null)" == "$ns" ]] && echo "${p#/proc/}"
	done
	return 0
}

port_in_use() { ss -Hltn "src $1:$2" 2>/dev/null | grep -q .; }

# ---------------------------------------------------------------------------------------------
# install

cmd_install() {
	[[ $(id -u) -eq 0 ]] || die "install needs root"
	local missing=() p
	for p in $APT_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		log "install: all packages present ($APT_PACKAGES)"
		return 0
	fi
	log "install: apt-get install ${missing[*]}"
	local made_policy=
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		# keep the postinst scripts from starting the system sshd / frr
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	local rc=0
	{ DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } || rc=$?
	[[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
	[[ $rc -eq 0 ]] || die "apt-get failed ($rc)"
	log "install: done"
}

check_prereqs() {
	[[ $(id -u) -eq 0 ]] || die "the lab needs root (mount namespace, sshd); run as root"
	local b
	for b in /usr/sbin/sshd /usr/bin/ssh-keygen /usr/bin/php "$BGPD" /usr/bin/vtysh /usr/bin/unshare \
		/usr/bin/nsenter /usr/sbin/chroot /usr/bin/openssl /usr/bin/ss; do
		[[ -x $b ]] || die "missing $b: run '$SELF install'"
	done
	php -r 'exit(function_exists("xml_parser_create") ? 0 : 1);' || die "php-xml missing: run '$SELF install'"
	if [[ -n $NETNS ]]; then
		for b in /usr/lib/frr/zebra /usr/lib/frr/frr-reload.py; do
			[[ -x $b ]] || die "missing $b: run '$SELF install'"
		done
		[[ -e /run/netns/$NETNS ]] || die "network namespace $NETNS does not exist (FWLAB_NETNS)"
	fi
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
	grep -qw overlay /proc/filesystems || die "kernel has no overlayfs"
}

# ---------------------------------------------------------------------------------------------
# up

make_keys() {
	mkdir -p "$D/ssh"
	chmod 700 "$D/ssh"
	# Host keys like pfSense's (RSA 4096 + Ed25519); kept across up/down so known_hosts stays valid.
	[[ -f $D/ssh/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C fwlab-host -f "$D/ssh/ssh_host_ed25519_key"
	[[ -f $D/ssh/ssh_host_rsa_key ]] || ssh-keygen -q -t rsa -b 4096 -N '' -C fwlab-host -f "$D/ssh/ssh_host_rsa_key"
	[[ -f $D/ssh/impostor_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C fwlab-impostor -f "$D/ssh/impostor_ed25519_key"
	[[ -f $D/ssh/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C edge-test -f "$D/ssh/id_ed25519"
	[[ -f $D/ssh/admin.password ]] || openssl rand -hex 12 >"$D/ssh/admin.password"
	cp "$D/ssh/id_ed25519.pub" "$D/ssh/authorized_keys"
	local hp="[$FW_IP]:$SSH_PORT"
	[[ $SSH_PORT == 22 ]] && hp=$FW_IP
	{
		echo "$hp $(cut -d' ' -f1,2 "$D/ssh/ssh_host_ed25519_key.pub")"
		echo "$hp $(cut -d' ' -f1,2 "$D/ssh/ssh_host_rsa_key.pub")"
	} >"$D/ssh/known_hosts"
	echo "$hp $(cut -d' ' -f1,2 "$D/ssh/impostor_ed25519_key.pub")" >"$D/ssh/known_hosts.wrong"
}

write_sshd_config() {
	# Mirrors what pfSense 2.7's /etc/sshd generates (algorithms, PermitRootLogin yes, password or key),
	# plus what a second sshd on a shared machine needs (own address/port, keys, pid file, no PAM).
	cat >"$D/ssh/sshd_config" <<EOF
ListenAddress $FW_IP:$SSH_PORT
HostKey $D/ssh/ssh_host_rsa_key
HostKey $D/ssh/ssh_host_ed25519_key
PidFile $D/run/sshd.own.pid
AuthorizedKeysFile $D/ssh/authorized_keys
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitEmptyPasswords no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
VersionAddendum none
KexAlgorithms curve25519-sha256@libssh.org,diffie-hellman-group-exchange-sha256
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-512,hmac-sha2-256,umac-128@openssh.com
MaxStartups 50:30:100
MaxSessions 50
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
}

# The firewall's root file system: the host's / as a read-only lower layer, this lab's files
# (fwroot/, pfSense paths) copied into the writable upper layer. Mounted only inside the sshd's
# private mount namespace, so the host file system gets nothing.
prepare_fw_root() {
	local F=$D/fw U=$D/fw/upper
	rm -rf "$F"
	mkdir -p "$U" "$F/work" "$F/merged" "$F/tmp" "$F/frr-run" "$F/var-etc-frr" "$F/cf/conf/backup" "$D/log" "$D/run"
	chmod 1777 "$F/tmp"
	cp -a "$LAB_SRC/fwroot/." "$U/"
	find "$U" -name .keep -delete
	cp "$LAB_SRC/config/config.xml" "$F/cf/conf/config.xml"
	# pfSense paths that are symlinks or generated
	ln -s /cf/conf "$U/conf"
	mkdir -p "$U/var/etc" "$U/var/db/pkg/fwlab" "$U/var/log" "$U/root"
	# the fake pkg's database: what a pfSense box has installed (see fwroot/.../pkg-repo)
	local repo=$U/usr/local/share/fwlab/pkg-repo name
	while read -r name; do
		[[ -n $name ]] && grep "^$name|" "$repo/catalog" | cut -d'|' -f2 >"$U/var/db/pkg/fwlab/$name"
	done <"$repo/preinstalled"
	touch "$U/var/db/pkg/fwlab/.seeded"
	cat >"$U/etc/fwlab.env" <<EOF
FWLAB_DIR=$D
FWLAB_FW_IP=$FW_IP
FWLAB_BGP_PORT=$BGP_PORT
FWLAB_NETNS=$NETNS
EOF
	# users: root gets /bin/sh like on pfSense, admin (uid 0) gets /etc/rc.initial; same password
	local pwhash
	pwhash=$(openssl passwd -6 -stdin <"$D/ssh/admin.password")
	awk -F: 'BEGIN { OFS = ":" } $1 == "root" { $7 = "/bin/sh" } { print }' /etc/passwd >"$U/etc/passwd"
	echo 'admin:x:0:0:System Administrator:/root:/etc/rc.initial' >>"$U/etc/passwd"
	awk -F: -v h="$pwhash" '{ print $1 ":" (($1 == "root" || $1 == "admin") ? h : "*") ":19000:0:99999:7:::" }' "$U/etc/passwd" >"$U/etc/shadow"
	chmod 640 "$U/etc/shadow"
	cp /etc/group "$U/etc/group"
	: >"$D/log/events.log"
}

# runs inside `unshare -m`: build the firewall root and exec sshd chrooted into it
ns_init() {
	D=$1
	local netns=${2:-}
	local F=$D/fw M=$D/fw/merged
	mount --make-rprivate /
	mount -t overlay fwlab-root -o "lowerdir=/,upperdir=$F/upper,workdir=$F/work" "$M"
	mount --rbind /dev "$M/dev"
	mount --make-rslave "$M/dev"
	mount -t proc proc "$M/proc"
	mount --rbind /sys "$M/sys" 2>/dev/null || true
	mount -t tmpfs -o mode=755 fwlab-run "$M/run"
	mkdir -p "$M/run/sshd" "$M/run/frr" "$M/var/run/frr"
	chmod 755 "$M/run/sshd"
	echo 1 >"$M/run/php-fpm.pid" # rc.packages exits silently without it, as on pfSense
	mount --bind "$F/tmp" "$M/tmp"
	mkdir -p "$M/cf" "$M/var/etc/frr" "$M$D"
	mount --bind "$D" "$M$D" # same path inside: logs, vty socket, hooks shared with the host
	mount --bind "$F/cf" "$M/cf"
	mount --bind "$F/var-etc-frr" "$M/var/etc/frr"
	if [[ -n $netns ]]; then
		# The firewall's FRR joins this network namespace (nsenter --net=/run/netns/NAME in rc.d/frr).
		# Its handle is a bind mount on the host's /run/netns, copied into this mount namespace by
		# unshare; the firewall's own /run is a fresh tmpfs, so bind it there by name.
		mkdir -p "$M/run/netns"
		touch "$M/run/netns/$netns"
		mount --bind "/run/netns/$netns" "$M/run/netns/$netns"
	fi
	# Checked here, not on the host: sshd -t needs its privilege separation directory (/run/sshd), which
	# exists only on this namespace's own /run (the host's may lack it: nothing started the ssh service).
	chroot "$M" /usr/sbin/sshd -t -f "$D/ssh/sshd_config" || { echo "fwlab: ERROR: sshd_config invalid" >&2; exit 1; }
	exec chroot "$M" /usr/sbin/sshd -D -f "$D/ssh/sshd_config" -E "$D/log/sshd.log"
}

speaker_conf() { # speaker_conf IP PREFIX... -> bgpd config of a MetalLB-like FRR speaker
	local ip=$1 p n
	shift
	n=${ip##*.}
	echo "frr defaults traditional"
	echo "hostname node-$ip"
	for p in "$@"; do echo "ip prefix-list LB-POOL permit $p"; done
	cat <<EOF
route-map FW-OUT permit 10
 match ip address prefix-list LB-POOL
 set community $COMMUNITY additive
 set ip next-hop 198.51.100.$n
route-map FW-IN deny 10
router bgp $NODE_AS
 bgp router-id $ip
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 neighbor $FW_IP remote-as external
 neighbor $FW_IP port $BGP_PORT
 neighbor $FW_IP update-source $ip
 neighbor $FW_IP disable-connected-check
 neighbor $FW_IP timers connect 1
 address-family ipv4 unicast
EOF
	for p in "$@"; do echo "  network $p"; done
	cat <<EOF
  neighbor $FW_IP activate
  neighbor $FW_IP route-map FW-IN in
  neighbor $FW_IP route-map FW-OUT out
 exit-address-family
EOF
}

start_speaker() { # start_speaker IP [PREFIX...]
	local ip=$1 S
	shift
	[[ $# -gt 0 ]] || set -- $PREFIXES
	check_loopback "$ip"
	S=$D/speakers/$ip
	if bgpd_from_pidfile "$S/bgpd.pid" >/dev/null; then
		log "speaker $ip already runs"
		return 0
	fi
	rm -rf "$S"
	mkdir -p "$S"
	speaker_conf "$ip" "$@" >"$S/bgpd.conf"
	: >"$S/vtysh.conf"
	"$BGPD" -d -f "$S/bgpd.conf" -i "$S/bgpd.pid" --vty_socket "$S" -Z -S -l "$ip" -p 0 -P 0 \
		--log "file:$S/bgpd.log" --log-level informational
	local i
	for i in $(seq 50); do
		[[ -S $S/bgpd.vty ]] && bgpd_from_pidfile "$S/bgpd.pid" >/dev/null && break
		sleep 0.1
	done
	bgpd_from_pidfile "$S/bgpd.pid" >/dev/null || die "speaker $ip did not start (see $S/bgpd.log)"
	echo "$(date +%s.%N) speaker-start $ip $*" >>"$D/log/events.log"
}

stop_speaker() {
	local S=$D/speakers/$1 pid
	pid=$(bgpd_from_pidfile "$S/bgpd.pid" || true)
	[[ -n $pid ]] && stop_pids "$pid"
	rm -f "$S/bgpd.pid"
	[[ -n $pid ]] && echo "$(date +%s.%N) speaker-stop $1" >>"$D/log/events.log"
	return 0
}

cmd_up() {
	load_settings fresh
	check_loopback "$FW_IP" $NODE_IPS
	if [[ -f $D/lab.env ]] && (. "$D/lab.env"; D=$D; alive sshd >/dev/null); then
		log "already up ($D); use '$SELF down' first for a fresh lab"
		return 0
	fi
	check_prereqs
	port_in_use "$FW_IP" "$SSH_PORT" && die "$FW_IP:$SSH_PORT is in use"
	port_in_use "$FW_IP" "$BGP_PORT" && die "$FW_IP:$BGP_PORT is in use"
	local t0=$SECONDS
	mkdir -p "$D"
	chmod 700 "$D"
	rm -rf "$D/run" "$D/speakers" "$D/log"
	mkdir -p "$D/run" "$D/log"
	trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "up failed, tearing down what it started"; cmd_down_quiet; fi' EXIT
	make_keys
	write_sshd_config
	save_settings
	prepare_fw_root
	if [[ -n $NETNS ]]; then
		# zebra drops root for the frr user: it must reach its socket directory $D/fw/frr-run
		chmod 711 "$D" "$D/fw"
	fi
	setsid unshare -m --propagation private -- /bin/bash "$SELF" __ns_init "$D" "$NETNS" </dev/null >>"$D/log/ns-init.log" 2>&1 &
	record sshd $!
	local i
	for i in $(seq 100); do
		port_in_use "$FW_IP" "$SSH_PORT" && break
		alive sshd >/dev/null || die "firewall sshd died: $(tail -n 3 "$D/log/ns-init.log" | tr '\n' ' ')(see $D/log/ns-init.log, $D/log/sshd.log)"
		sleep 0.05
	done
	port_in_use "$FW_IP" "$SSH_PORT" || die "firewall sshd does not listen on $FW_IP:$SSH_PORT"
	local ip
	for ip in $NODE_IPS; do start_speaker "$ip"; done
	trap - EXIT
	echo "$(date +%s.%N) up" >>"$D/log/events.log"
	log "up in $((SECONDS - t0)) s: firewall ssh root@$FW_IP -p $SSH_PORT (key $D/ssh/id_ed25519), bgp $FW_IP:$BGP_PORT, speakers $NODE_IPS (AS $NODE_AS)"
}

# ---------------------------------------------------------------------------------------------
# down / status / helpers

cmd_down_quiet() {
	local pids=() ip pid f
	if [[ -d $D/speakers ]]; then
		for f in "$D"/speakers/*/bgpd.pid; do
			[[ -e $f ]] || continue
			pid=$(bgpd_from_pidfile "$f" || true)
			[[ -n $pid ]] && pids+=("$pid")
		done
	fi
	mapfile -t -O "${#pids[@]}" pids < <(fw_ns_pids)
	pid=$(alive sshd || true)
	[[ -n $pid ]] && pids+=("$pid")
	for f in "$D/fw/frr-run/bgpd.pid" "$D/fw/frr-run/zebra.pid"; do
		pid=$(bgpd_from_pidfile "$f" || true)
		[[ -n $pid ]] && pids+=("$pid")
	done
	# unique
	mapfile -t pids < <(printf '%s\n' "${pids[@]}" | sort -u | grep . || true)
	stop_pids "${pids[@]}"
	rm -f "$D/run/"*.pid "$D"/speakers/*/bgpd.pid "$D/fw/frr-run/bgpd.pid" "$D/fw/frr-run/zebra.pid" 2>/dev/null || true
	[[ -d $D/log ]] && echo "$(date +%s.%N) down ${#pids[@]} processes" >>"$D/log/events.log"
	return 0
}

cmd_down() {
	load_settings
	[[ -d $D ]] || { log "nothing to stop ($D does not exist)"; return 0; }
	local t0=$SECONDS
	cmd_down_quiet
	log "down in $((SECONDS - t0)) s ($D kept; '$SELF clean' removes it)"
}

cmd_clean() {
	load_settings
	[[ -d $D ]] || return 0
	cmd_down_quiet
	rm -rf "$D"
	log "removed $D"
}

fw_vtysh() { /usr/bin/vtysh --vty_socket "$D/fw/frr-run" --config_dir "$D/fw/frr-run" "$@"; }

cmd_status() {
	load_settings
	[[ -f $D/lab.env ]] || { echo "state: absent ($D)"; return 1; }
	local pid ip
	pid=$(alive sshd || true)
	echo "state dir: $D"
	echo "firewall: ssh root@$FW_IP -p $SSH_PORT, sshd pid ${pid:-none}"
	pid=$(bgpd_from_pidfile "$D/fw/frr-run/bgpd.pid" || true)
	if [[ -n ${NETNS:-} ]]; then
		echo "firewall bgpd: ${pid:-not running} (network namespace $NETNS, port 179)"
		pid=$(bgpd_from_pidfile "$D/fw/frr-run/zebra.pid" || true)
		echo "firewall zebra: ${pid:-not running}"
	else
		echo "firewall bgpd: ${pid:-not running} (listens $FW_IP:$BGP_PORT)"
	fi
	for ip in $NODE_IPS $(ls "$D/speakers" 2>/dev/null); do echo "$ip"; done | sort -u | while read -r ip; do
		pid=$(bgpd_from_pidfile "$D/speakers/$ip/bgpd.pid" || true)
		echo "speaker $ip: ${pid:-not running}"
	done
	echo "config.xml revisions: backups=$(ls "$D/fw/cf/conf/backup" 2>/dev/null | grep -c '^config-' || true)"
	echo "write_config calls: $(grep -c . "$D/log/write_config.log" 2>/dev/null || echo 0)"
	echo "frr_generate_config calls: $(grep -c . "$D/log/frr_generate_config.log" 2>/dev/null || echo 0)"
	echo "frr service actions: $(grep -c . "$D/log/frr_service.log" 2>/dev/null || echo 0)"
	[[ -n $(alive sshd || true) ]]
}

# wait until N peers are Established with pfxRcd > 0 (default: all configured speakers)
cmd_wait() {
	load_settings
	local want=${1:-} timeout=${2:-30} t0=$SECONDS out n
	[[ -n $want ]] || want=$(ls "$D/speakers" 2>/dev/null | wc -l)
	while ((SECONDS - t0 < timeout)); do
		out=$(fw_vtysh -c 'show bgp ipv4 unicast summary json' 2>/dev/null || true)
		n=$(printf '%s' "$out" | php -r '$j = json_decode(stream_get_contents(STDIN), true); $n = 0;
			foreach (($j["peers"] ?? []) as $p) { if (($p["state"] ?? "") == "Established" && ($p["pfxRcd"] ?? 0) > 0) { $n++; } }
			echo $n;' 2>/dev/null || echo 0)
		if ((n >= want)); then
			log "wait: $n peers Established with prefixes after $((SECONDS - t0)) s"
			return 0
		fi
		sleep 0.5
	done
	log "wait: timeout after ${timeout}s ($n of $want peers Established with prefixes)"
	return 1
}

cmd_cut() {
	load_settings
	local listener p kids=() all=${1:-}
	listener=$(alive sshd || true)
	[[ -n $listener ]] || die "firewall sshd is not running"
	for p in /proc/[0-9]*; do
		[[ "$(awk '{ sub(/^.*\) /, ""); print $2 }' "$p/stat" 2>/dev/null)" == "$listener" ]] && kids+=("${p#/proc/}")
	done
	if [[ $all == --all ]]; then
		# also everything the sessions run (their process trees), but not daemons that detached
		local k more
		more=("${kids[@]}")
		while [[ ${#more[@]} -gt 0 ]]; do
			local next=()
			for k in "${more[@]}"; do
				for p in /proc/[0-9]*; do
					[[ "$(awk '{ sub(/^.*\) /, ""); print $2 }' "$p/stat" 2>/dev/null)" == "$k" ]] && next+=("${p#/proc/}")
				done
			done
			kids+=("${next[@]}")
			more=("${next[@]}")
		done
	fi
	[[ ${#kids[@]} -gt 0 ]] && kill -KILL "${kids[@]}" 2>/dev/null || true
	echo "$(date +%s.%N) cut ${#kids[@]} ${all}" >>"$D/log/events.log"
	log "cut: killed ${#kids[@]} processes"
}

cmd_exec() {
	load_settings
	local pid
	pid=$(alive sshd || true)
	[[ -n $pid ]] || die "firewall sshd is not running"
	exec nsenter -t "$pid" -m -r -w -- "$@"
}

case ${1:-} in
install) cmd_install ;;
up) cmd_up ;;
down) cmd_down ;;
clean) cmd_clean ;;
status) cmd_status ;;
wait) shift; cmd_wait "$@" ;;
add-speaker) shift; load_settings; [[ $# -ge 1 ]] || die "usage: add-speaker IP [PREFIX...]"; start_speaker "$@" ;;
del-speaker) shift; load_settings; [[ $# -eq 1 ]] || die "usage: del-speaker IP"; stop_speaker "$1" ;;
cut) shift; cmd_cut "$@" ;;
exec) shift; cmd_exec "$@" ;;
vtysh) shift; load_settings; fw_vtysh "$@" ;;
__ns_init) ns_init "$2" "${3:-}" ;;
*) sed -n '2,27p' "$SELF" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
