#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# modinfo and lsmod: license, description, parameters with descriptions and
# dependencies of every module; the virtio alias of virtio_scsi_rs.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan $(( $(wc -w <<<"$ALL_MODULES") * 3 + 3 ))

unload_all
for m in $ALL_MODULES; do
	info=$(modinfo "$m")
	check "$m: license GPL" grep -qx 'license: *GPL' <<<"$info"
	check "$m: has a description" grep -qE '^description: +[^ ]' <<<"$info"
	if [ $m = $CORE ]; then
		check "$m: depends on nothing" grep -qx 'depends: *' <<<"$info"
	else
		# (sr_mod_rs also depends on the kernel's cdrom)
		check "$m: depends on $CORE" grep -qE "^depends: *([a-z0-9_]+,)*$CORE(,[a-z0-9_]+)*\$" <<<"$info"
	fi
done

parms=$(modinfo -F parm $CORE)
echo "$parms" | sed 's/^/# parm: /'
# Each parameter line is NAME:DESCRIPTION (TYPE), the description non-empty.
check "every $CORE parameter has a description" \
	bash -c '[ -n "$0" ] && ! grep -vE "^[a-z_]+:.+ \([a-z]+\)$" <<<"$0" &&
		! grep -qE "^[a-z_]+: *\([a-z]+\)$" <<<"$0"' "$parms"
check "virtio_scsi_rs answers the virtio-scsi device alias" \
	bash -c 'modinfo -F alias virtio_scsi_rs | grep -qx "virtio:d00000008v\*"'

modprobe sd_mod_rs
modprobe sr_mod_rs
lsmod | sed 's/^/# /'
check "lsmod shows the core used by its two dependants" \
	bash -c "lsmod | grep -E '^$CORE +[0-9]+ +2 +' | grep -q sd_mod_rs"
unload_all
ktap_finished
