<?php
/*
 * edge: read what edge manages on pfSense, in one PHP process: the FRR package's config.xml
 * sections (read with pfSense's own config_get_path(), so CDATA and entities are already
 * decoded), the config revision, whether raw FRR config overrides are set, and the state of the
 * packages named in the input ({"packages": ["pfSense-pkg-frr"]}). Writes nothing.
 */
require_once("config.inc");
require_once("util.inc");
edge_require_pfsense_27();

$sections = array();
foreach (array('frr', 'frrbgp', 'frrbgpadvanced') as $s) {
	$v = config_get_path("installedpackages/{$s}/config/0");
	/* (object) so that an empty section is {} rather than [] in JSON */
	$sections[$s] = (object)(is_array($v) ? $v : array());
}

$neighbors = array();
foreach (edge_get_array('installedpackages/frrbgpneighbors/config') as $i => $n) {
	if (is_array($n)) {
		$neighbors[] = (object)$n;
	}
}

/* Raw config replaces the generated frr.conf (frr) or its BGP part (bgpd): edge refuses to
 * manage FRR while they are set, because its changes would have no effect. */
$raw = config_get_path('installedpackages/frrglobalraw/config/0');
$raw_set = array();
if (is_array($raw)) {
	foreach (array('frr', 'bgpd') as $k) {
		/* the package's own test: !empty() on the stored (base64) text */
		if (!empty($raw[$k])) {
			$raw_set[] = $k;
		}
	}
}

$packages = array();
$registered_pkgs = edge_get_array('installedpackages/package');
foreach ((array)($edge_in['packages'] ?? array()) as $name) {
	if (!is_string($name) || !preg_match('/^[A-Za-z0-9][A-Za-z0-9._+-]*$/', $name)) {
		continue;
	}
	list($rc, $out, $err) = edge_run(array('/usr/local/sbin/pkg', 'info', '-e', $name));
	$internal = preg_replace('/^pfSense-pkg-/', '', $name);
	$registered = false;
	$version = "";
	foreach ($registered_pkgs as $p) {
		if (!is_array($p)) {
			continue;
		}
		$iname = (isset($p['internal_name']) && $p['internal_name'] != "") ? $p['internal_name'] : ($p['name'] ?? '');
		if (strcasecmp((string)$iname, $internal) == 0 || strcasecmp((string)($p['name'] ?? ''), $internal) == 0) {
			$registered = true;
			$version = (string)($p['version'] ?? '');
		}
	}
	$packages[$name] = array('installed' => ($rc === 0), 'registered' => $registered, 'version' => $version,
		'pkg_status' => $rc, 'pkg_error' => trim((string)$err));
}

edge_out(array(
	'ok' => true,
	'product_version' => edge_product_version(),
	'config_version' => (string)config_get_path('version', ''),
	'revision' => (object)edge_get_array('revision'),
	'sections' => $sections,
	'neighbors' => $neighbors,
	'raw_overrides' => $raw_set,
	'frr_inc' => file_exists('/usr/local/pkg/frr.inc'),
	'packages' => (object)$packages,
));
