#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading: the core alone scans nothing; every dependant pulls in
# the core through modprobe; the core is pinned by its dependants; registering
# does not pin a driver; a dependant without the core fails with Unknown symbol.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 15

unload_all
log_mark
modprobe $CORE
check "modprobe $CORE loads the core alone" is_loaded $CORE
check "the core registers bus scsi" test -d /sys/bus/scsi/devices
check "loaded alone the core has no devices and no hosts" \
	test -z "$(ls /sys/bus/scsi/devices)"
check "the core logs its interface version" \
	bash -c "dmesg | tail -n +$((LOG_MARK + 1)) | grep -q 'scsi_mod_rs: SCSI mid-layer loaded, interface version 2'"
rmmod $CORE
check "rmmod of the idle core succeeds and removes bus scsi" \
	bash -c "! test -e /sys/module/$CORE && ! test -e /sys/bus/scsi"

ok=1
for m in $DEPENDANTS; do
	modprobe "$m" || { echo "# modprobe $m failed"; ok=0; }
	is_loaded $CORE || { echo "# $m did not pull in $CORE"; ok=0; }
	[ -e "/sys/module/$CORE/holders/$m" ] || { echo "# $CORE is not held by $m"; ok=0; }
	unload_all || { echo "# could not unload after $m"; ok=0; }
done
check "modprobe of each dependant pulls in the core and is its holder" test $ok = 1

modprobe sd_mod_rs
run rmmod $CORE
check "rmmod of the core is refused while a dependant is loaded" test $RC -ne 0
echo "# rmmod said: $ERR"
check "the refusal says the module is in use" bash -c "grep -qi 'in use' <<<\"\$0\"" "$ERR"
check "registering did not pin sd_mod_rs (refcnt 0)" test "$(cat /sys/module/sd_mod_rs/refcnt)" = 0

ok=1
for m in $UPPERS $LOWERS; do modprobe "$m" || ok=0; done
for d in sd sr st; do
	[ "$(readlink -f /sys/bus/scsi/drivers/$d/module)" = "/sys/module/${d}_mod_rs" ] ||
		[ "$(readlink -f /sys/bus/scsi/drivers/$d/module)" = "/sys/module/${d}_rs" ] ||
		{ echo "# /sys/bus/scsi/drivers/$d missing or not linked to its module"; ok=0; }
done
check "sd, sr and st are drivers on bus scsi, linked to their modules" test $ok = 1
check "sg is an interface, not a bus driver" test ! -e /sys/bus/scsi/drivers/sg
check "every dependant unloads while idle, then the core" unload_all

ko=$(modinfo -n sd_mod_rs)
log_mark
run insmod "$ko"
check "insmod of a dependant without the core fails" test $RC -ne 0
check "the kernel names the unknown symbol" \
	bash -c "dmesg | tail -n +$((LOG_MARK + 1)) | grep -q 'sd_mod_rs: Unknown symbol scsi_rs_'"
check "nothing is left loaded" unload_all

ktap_finished
