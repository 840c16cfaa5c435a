<?php
/*
 * edge: helpers shared by every program edge runs on pfSense. Sent over SSH on stdin (never on
 * the command line) and eval()d by a constant bootstrap (see PhpRunner.java); the task's data is
 * JSON in $GLOBALS["edge_input"], so nothing a user writes ever becomes PHP or shell source.
 * The result is ONE line "EDGE-JSON:{...}" on stdout; anything else pfSense prints is ignored.
 */

function edge_out($data) {
	$json = json_encode($data, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
	if ($json === false) {
		$json = '{"ok":false,"error":"cannot encode the result as JSON"}';
	}
	echo "\nEDGE-JSON:" . $json . "\n";
}

function edge_fail($message, $extra = array()) {
	edge_out(array('ok' => false, 'error' => $message) + $extra);
	exit(0);
}

/* A config value as edge compares it: absent/null == "", scalars as strings, arrays recursively
 * with sorted keys (pfSense's parser yields strings and arrays only). */
function edge_norm($v) {
	if ($v === null || $v === false) {
		return "";
	}
	if (is_array($v)) {
		$out = array();
		foreach ($v as $k => $x) {
			$out[(string)$k] = edge_norm($x);
		}
		ksort($out, SORT_STRING);
		return $out;
	}
	if ($v === true) {
		return "1";
	}
	return (string)$v;
}

/* Neighbors are matched by peer address (any spelling of the same IP), else by the word. */
function edge_peer_key($peer) {
	$peer = trim((string)$peer);
	$bin = @inet_pton($peer);
	if ($bin !== false) {
		return "ip:" . bin2hex($bin);
	}
	return "name:" . strtolower($peer);
}

/* An array at $path, or [] for absent / "" (pfSense parses <config></config> as ""). */
function edge_get_array($path) {
	$v = config_get_path($path);
	return is_array($v) ? $v : array();
}

/* Runs argv without a shell; returns array(exit status, stdout, stderr). */
function edge_run(array $argv) {
	$proc = @proc_open($argv, array(0 => array('file', '/dev/null', 'r'), 1 => array('pipe', 'w'), 2 => array('pipe', 'w')), $pipes);
	if (!is_resource($proc)) {
		return array(127, "", "cannot start " . $argv[0]);
	}
	$out = stream_get_contents($pipes[1]);
	$err = stream_get_contents($pipes[2]);
	fclose($pipes[1]);
	fclose($pipes[2]);
	return array(proc_close($proc), $out, $err);
}

/* The addresses of the Established BGP neighbours that refuse routes under RFC 8212 ("eBGP requires
 * policy": FRR's peerState "Policy"), as FRR reports them (only well-formed IP addresses). */
function edge_policy_refusing_peers() {
	list($rc, $out, $err) = edge_run(array('/usr/local/bin/vtysh', '-c', 'show bgp ipv4 unicast summary json'));
	$j = json_decode((string)$out, true);
	if ($rc !== 0 || !is_array($j)) {
		return array();
	}
	$peers = $j['peers'] ?? ($j['ipv4Unicast']['peers'] ?? array());
	$refusing = array();
	foreach ((array)$peers as $ip => $p) {
		if (filter_var($ip, FILTER_VALIDATE_IP) !== false && is_array($p)
		    && ($p['state'] ?? '') === 'Established' && ($p['peerState'] ?? '') === 'Policy') {
			$refusing[] = $ip;
		}
	}
	return $refusing;
}

/* config.xml's registration entry (installedpackages/package[]) of a pkg name such as
 * pfSense-pkg-frr, matched the way pfSense's get_package_id() does (internal_name, else name), or
 * null. Reads the global $config: re-parse it first when another process may have written it. */
function edge_package_entry($pkg_name) {
	$internal = preg_replace('/^pfSense-pkg-/', '', (string)$pkg_name);
	foreach (edge_get_array('installedpackages/package') as $p) {
		if (!is_array($p)) {
			continue;
		}
		$iname = (isset($p['internal_name']) && $p['internal_name'] != "") ? $p['internal_name'] : ($p['name'] ?? '');
		if (strcasecmp((string)$iname, $internal) == 0 || strcasecmp((string)($p['name'] ?? ''), $internal) == 0) {
			return $p;
		}
	}
	return null;
}

function edge_product_version() {
	$v = @file_get_contents("/etc/version");
	return $v === false ? "" : trim($v);
}

function edge_require_pfsense_27() {
	if (!function_exists('config_get_path') || !function_exists('config_set_path')) {
		edge_fail("this firewall's pfSense (" . edge_product_version() . ") has no config_get_path(): edge needs pfSense CE 2.7.0 or later (or Plus 23.01 or later)");
	}
}

$edge_in = json_decode((string)($GLOBALS["edge_input"] ?? ""), true);
if (!is_array($edge_in)) {
	$edge_in = array();
}
