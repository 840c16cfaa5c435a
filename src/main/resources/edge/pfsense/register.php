<?php
/*
 * edge: register an installed pfSense package in config.xml (menus, services, its install
 * hook), which is what the package's pkg post-install script does and what pfSense skips when
 * /var/run/php-fpm.pid is missing. Input: {"name": "pfSense-pkg-frr"}. Runs no shell.
 */
$name = (string)($edge_in['name'] ?? '');
if (!preg_match('/^[A-Za-z0-9][A-Za-z0-9._+-]*$/', $name)) {
	edge_fail("invalid package name");
}
list($rc, $out, $err) = edge_run(array('/usr/local/bin/php', '-f', '/etc/rc.packages', $name, 'POST-INSTALL'));
edge_out(array('ok' => ($rc === 0), 'status' => $rc, 'output' => substr(trim($out . "\n" . $err), -2000),
	'error' => $rc === 0 ? null : "registering {$name} (/etc/rc.packages {$name} POST-INSTALL) failed with status {$rc}"));
