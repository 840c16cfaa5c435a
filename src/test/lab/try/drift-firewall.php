<?php
/* try-edge.sh: drift on the firewall, as pfSense's GUI saves it (Services > FRR > BGP > Advanced, "Disable
   eBGP Require Policy" cleared): config.xml written through write_config(), FRR regenerated and reloaded. */
require_once('config.inc');
require_once('/usr/local/pkg/frr.inc');
config_set_path('installedpackages/frrbgpadvanced/config/0/disableebgprequirepolicy', '');
write_config('admin: FRR BGP Advanced saved');
frr_generate_config();
