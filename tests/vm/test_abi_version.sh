#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A module built against another version of the core's interface is refused
# at load time with EINVAL and a message naming both versions; nothing of it
# stays and the core goes on working.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 10

unload_all
modprobe $CORE
for v in old:0 new:3; do
	m=scsi_rs_abi_${v%:*}
	ver=${v#*:}
	log_mark
	run modprobe $m
	echo "# modprobe $m: $ERR"
	check "$m (interface version $ver) is refused" test $RC -ne 0
	check "$m: the error is Invalid argument" grep -q 'Invalid argument' <<<"$ERR"
	check "$m: the kernel message names both versions" \
		bash -c "dmesg | tail -n +$((LOG_MARK + 1)) | grep -q \"$m: upper-level driver built against interface version $ver (.*); this core implements version 2\""
	check "$m: nothing of it is left loaded" bash -c "! test -e /sys/module/$m"
done
check "the core still registers a current driver afterwards" modprobe sd_mod_rs
check "and everything unloads" unload_all
ktap_finished
