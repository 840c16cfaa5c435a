<?php
/*
 * edge: register an installed pfSense package in config.xml (menus, services, its install
 * hook), which is what the package's pkg post-install script does and what pfSense skips when
 * /var/run/php-fpm.pid is missing. Input: {"name": "pfSense-pkg-frr"}. Runs no shell.
 *
 * pfSense's /etc/rc.packages exits 0 even when install_package_xml() fails (and when it skips the
 * work because PHP-FPM is not running), so its exit status proves nothing: the result is whether
 * config.xml, read again from disk afterwards, holds the package's entry.
 */
require_once("config.inc");
require_once("util.inc");

$name = (string)($edge_in['name'] ?? '');
if (!preg_match('/^[A-Za-z0-9][A-Za-z0-9._+-]*$/', $name)) {
	edge_fail("invalid package name");
}
list($rc, $out, $err) = edge_run(array('/usr/local/bin/php', '-f', '/etc/rc.packages', $name, 'POST-INSTALL'));
$output = substr(trim($out . "\n" . $err), -2000);

/* rc.packages ran in another process and wrote config.xml there: read it again */
global $config;
$config = parse_config(true);
$entry = edge_package_entry($name);

$error = null;
if ($entry === null) {
	$why = array();
	if ($rc !== 0) {
		$why[] = "it exited with status {$rc}";
	}
	if (!file_exists('/var/run/php-fpm.pid')) {
		$why[] = "/var/run/php-fpm.pid is missing, and pfSense then skips registration until the next boot";
	}
	/* after a failure part way, pfSense's install_package_xml() removes the package again */
	list($pkg_rc, $pkg_out, $pkg_err) = edge_run(array('/usr/local/sbin/pkg', 'info', '-e', $name));
	if ($pkg_rc !== 0) {
		$why[] = "pfSense then removed the package (edge installs it again on the next run)";
	}
	$error = "registering {$name} (/etc/rc.packages {$name} POST-INSTALL) left no entry for it in config.xml"
		. " (installedpackages/package): pfSense's install_package_xml() failed"
		. (empty($why) ? "" : "; " . implode("; ", $why));
}
edge_out(array('ok' => ($entry !== null), 'status' => $rc, 'output' => $output, 'error' => $error));
