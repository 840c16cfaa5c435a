<?php
/*
 * edge: apply the changes staged for one firewall, the way pfSense's own pages do, in one PHP
 * process:
 *   1. compare-and-set: every value edge changes must still be what edge read earlier in the run
 *      (else nothing is written: "config.xml changed concurrently");
 *   2. merge the new values into the existing arrays with config_set_path() (fields edge does not
 *      manage, and neighbors it does not touch, stay as they are);
 *   3. ONE write_config("edge: <summary>") (pfSense's backup, revision, lock, atomic rename);
 *   4. frr_generate_config() once (the FRR package's own generator; it reloads or restarts FRR).
 * Input: {"summary": "...",
 *         "sections": {"frrbgp": {"asnum": {"from": "64999", "to": "64501"}}, ...},
 *         "neighbors": [{"op": "create", "peer": P, "fields": {...}},
 *                       {"op": "update", "peer": P, "fields": {F: {"from": X, "to": Y}}},
 *                       {"op": "delete", "peer": P, "record": {...as read...}}]}
 * Values are strings; a "to" of null removes the field.
 * With "regenerate": true and nothing to change, steps 1-3 are skipped: only frr_generate_config()
 * runs (edge's previous write reached config.xml but not FRR; see read.php).
 * With "reset_policy_refused": true (the change lifts RFC 8212's "eBGP requires policy"), the
 * sessions that refuse routes for that reason before the change ("Policy") are hard-reset once the
 * new configuration is live (step 5): FRR reloads in place, and a speaker without route refresh
 * (MetalLB's) never sends again the routes that were refused, until its session starts anew.
 */
require_once("config.inc");
require_once("util.inc");
edge_require_pfsense_27();

$sections = (array)($edge_in['sections'] ?? array());
$ops = (array)($edge_in['neighbors'] ?? array());
$summary = (string)($edge_in['summary'] ?? 'FRR configuration');
$regenerate = !empty($edge_in['regenerate']);
$write = !empty($sections) || !empty($ops);
if (!$write && !$regenerate) {
	edge_fail("nothing to apply");
}

$raw = config_get_path('installedpackages/frrglobalraw/config/0');
if (is_array($raw) && (!empty($raw['frr']) || !empty($raw['bgpd']))) {
	edge_fail("FRR raw configuration (Services > FRR > Global Settings > Raw Config) is set on this firewall; it replaces what the FRR package generates, so edge will not change FRR settings. Clear it first.");
}
if (!file_exists('/usr/local/pkg/frr.inc')) {
	edge_fail("the FRR package is not installed (no /usr/local/pkg/frr.inc); install pfSense-pkg-frr first (task pfsense_package) - nothing was written");
}

/* 0. the sessions that refuse routes under RFC 8212 now, before anything changes */
$refusing = !empty($edge_in['reset_policy_refused']) ? edge_policy_refusing_peers() : array();

$conflicts = array();

/* 1. compare-and-set, before anything is changed */
foreach ($sections as $s => $fields) {
	if (!preg_match('/^frr[a-z]*$/', (string)$s)) {
		edge_fail("invalid section name");
	}
	$cur = config_get_path("installedpackages/{$s}/config/0");
	$cur = is_array($cur) ? $cur : array();
	foreach ((array)$fields as $f => $chg) {
		$now = edge_norm($cur[$f] ?? null);
		if ($now !== edge_norm($chg['from'] ?? null)) {
			$conflicts[] = "{$s}.{$f}";
		}
	}
}

$list = edge_get_array('installedpackages/frrbgpneighbors/config');
$index = array();
foreach ($list as $i => $n) {
	if (is_array($n) && isset($n['peer'])) {
		$index[edge_peer_key($n['peer'])][] = $i;
	}
}
foreach ($ops as $op) {
	$peer = (string)($op['peer'] ?? '');
	$matches = $index[edge_peer_key($peer)] ?? array();
	switch ($op['op'] ?? '') {
	case 'create':
		if (count($matches) != 0) {
			$conflicts[] = "frrbgpneighbors[{$peer}] (added since edge read it)";
		}
		break;
	case 'update':
		if (count($matches) != 1) {
			$conflicts[] = "frrbgpneighbors[{$peer}] (" . (count($matches) == 0 ? "removed" : "duplicated") . " since edge read it)";
			break;
		}
		$cur = $list[$matches[0]];
		foreach ((array)($op['fields'] ?? array()) as $f => $chg) {
			if (edge_norm($cur[$f] ?? null) !== edge_norm($chg['from'] ?? null)) {
				$conflicts[] = "frrbgpneighbors[{$peer}].{$f}";
			}
		}
		break;
	case 'delete':
		if (count($matches) != 1 || edge_norm($list[$matches[0]]) !== edge_norm($op["record"] ?? array())) {
			$conflicts[] = "frrbgpneighbors[{$peer}]";
		}
		break;
	default:
		edge_fail("invalid neighbor operation");
	}
}
if (!empty($conflicts)) {
	edge_fail("config.xml changed concurrently (someone saved FRR settings since edge read them at the start of this run): "
		. implode(", ", $conflicts) . "; nothing was written, run edge again", array('conflicts' => $conflicts));
}

/* 2. merge */
$before = edge_get_array('revision');
foreach ($sections as $s => $fields) {
	$cur = config_get_path("installedpackages/{$s}/config/0");
	$cur = is_array($cur) ? $cur : array();
	foreach ((array)$fields as $f => $chg) {
		if (!array_key_exists('to', $chg) || $chg['to'] === null) {
			unset($cur[$f]);
		} else {
			$cur[$f] = (string)$chg['to'];
		}
	}
	config_set_path("installedpackages/{$s}/config/0", $cur);
}
if (!empty($ops)) {
	$deleted = array();
	foreach ($ops as $op) {
		$peer = (string)$op['peer'];
		$matches = $index[edge_peer_key($peer)] ?? array();
		if ($op['op'] == 'update') {
			foreach ((array)($op['fields'] ?? array()) as $f => $chg) {
				if (!array_key_exists('to', $chg) || $chg['to'] === null) {
					unset($list[$matches[0]][$f]);
				} else {
					$list[$matches[0]][$f] = (string)$chg['to'];
				}
			}
		} elseif ($op['op'] == 'delete') {
			$deleted[$matches[0]] = true;
		}
	}
	$new = array();
	foreach ($list as $i => $n) {
		if (!isset($deleted[$i])) {
			$new[] = $n;
		}
	}
	foreach ($ops as $op) {
		if ($op['op'] == 'create') {
			$fields = array();
			foreach ((array)($op['fields'] ?? array()) as $f => $v) {
				$fields[(string)$f] = (string)$v;
			}
			$new[] = $fields;
		}
	}
	if (empty($new)) {
		/* an empty list would be written as <config></config>, read back as one "" entry */
		config_del_path('installedpackages/frrbgpneighbors/config');
	} else {
		config_set_path('installedpackages/frrbgpneighbors/config', $new);
	}
}

/* 3. one write, with pfSense's backup and revision */
if ($write) {
	$ret = write_config("edge: " . $summary);
	if ($ret === false || $ret === -1) {
		edge_fail("write_config() failed: pfSense could not save config.xml (see the system log); FRR was not regenerated");
	}
}

/* 4. regenerate FRR's configuration once; the package reloads or restarts FRR in the background */
require_once("/usr/local/pkg/frr.inc");
frr_generate_config();

/* 5. once the new configuration is live (those sessions no longer refuse), reset exactly them */
$reset = array();
$still = $refusing;
$deadline = microtime(true) + 30;
while (!empty($still) && microtime(true) < $deadline) {
	usleep(300000);
	$still = array_values(array_intersect($refusing, edge_policy_refusing_peers()));
}
foreach (array_diff($refusing, $still) as $peer) {
	edge_run(array('/usr/local/bin/vtysh', '-c', 'clear bgp ' . $peer));
	$reset[] = $peer;
}

edge_out(array(
	'ok' => true,
	'written' => $write,
	'regenerated' => true,
	'sessions_reset' => array_values($reset),
	'sessions_still_refusing' => array_values($still),
	'revision_before' => (object)$before,
	'revision' => (object)edge_get_array('revision'),
));
