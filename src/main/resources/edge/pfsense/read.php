<?php
/*
 * edge: read what edge manages on pfSense, in one PHP process: the FRR package's config.xml
 * sections (read with pfSense's own config_get_path(), so CDATA and entities are already
 * decoded), the config revision, whether raw FRR config overrides are set, and the state of the
 * packages named in the input ({"packages": ["pfSense-pkg-frr"]}), and what is needed to tell
 * whether edge's last write of config.xml reached FRR (see "frr_generation" below). Writes nothing.
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
foreach ((array)($edge_in['packages'] ?? array()) as $name) {
	if (!is_string($name) || !preg_match('/^[A-Za-z0-9][A-Za-z0-9._+-]*$/', $name)) {
		continue;
	}
	list($rc, $out, $err) = edge_run(array('/usr/local/sbin/pkg', 'info', '-e', $name));
	$entry = edge_package_entry($name);
	$packages[$name] = array('installed' => ($rc === 0), 'registered' => ($entry !== null),
		'version' => (string)($entry['version'] ?? ''), 'pkg_status' => $rc, 'pkg_error' => trim((string)$err));
}

/* Whether edge's last write of config.xml was applied: apply.php calls write_config("edge: ...")
 * and then frr_generate_config(), which rewrites /var/etc/frr/frr.conf (and vtysh.conf). If that
 * program was killed in between (SSH cut, timeout, SIGTERM), config.xml already holds edge's values
 * while FRR runs the old ones: the generator's files are then older than edge's newest revision.
 * edge's revisions are the current one and those pfSense keeps in backup.cache (a later unrelated
 * save would otherwise hide edge's). Times are the firewall's own clock, in seconds. */
function edge_is_own_revision($description) {
	return is_string($description) && preg_match('/(^|: )edge: /', $description) === 1;
}
$last_edge_write = null;
$current = edge_get_array('revision');
if (edge_is_own_revision($current['description'] ?? null) && is_numeric($current['time'] ?? null)) {
	$last_edge_write = (int)$current['time'];
}
$cf_conf = function_exists('g_get') ? (string)g_get('cf_conf_path', '/cf/conf') : '/cf/conf';
$cache = @file_get_contents("{$cf_conf}/backup/backup.cache");
$cache = $cache === false ? false : @unserialize($cache, array('allowed_classes' => false));
if (is_array($cache)) {
	foreach ($cache as $time => $entry) {
		if (is_numeric($time) && is_array($entry) && edge_is_own_revision($entry['description'] ?? null)) {
			$last_edge_write = max((int)$last_edge_write, (int)$time);
		}
	}
}
$generated = null;
foreach (array('/var/etc/frr/frr.conf', '/var/etc/frr/vtysh.conf') as $f) {
	$t = @filemtime($f);
	if ($t !== false) {
		$generated = max((int)$generated, (int)$t);
	}
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
	'frr_generation' => array('last_edge_write' => $last_edge_write, 'generated' => $generated),
));
