#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scsi_mod_rs and the C mid-layer scsi_mod own the same names (bus scsi):
# each refuses to load while the other is loaded, with a clear message and
# no duplicate-sysfs warning.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 7

unload_all
modprobe $CORE
log_mark
run modprobe scsi_mod
check "the C scsi_mod is refused while $CORE is loaded" test $RC -ne 0
check "the kernel says why" bash -c "dmesg | tail -n +$((LOG_MARK + 1)) | grep -q 'scsi_mod_rs: refusing to load scsi_mod'"
check "scsi_mod is not loaded" bash -c '! test -e /sys/module/scsi_mod/refcnt'
rmmod $CORE
check "once $CORE is gone scsi_mod loads" modprobe scsi_mod
log_mark
run modprobe $CORE
check "$CORE is refused while scsi_mod is loaded" test $RC -ne 0
check "with a message naming scsi_mod" bash -c "dmesg | tail -n +$((LOG_MARK + 1)) | grep -q 'the C SCSI mid-layer (scsi_mod) is loaded'"
rmmod scsi_mod
check "after rmmod scsi_mod, $CORE loads again" bash -c "modprobe $CORE && rmmod $CORE"
ktap_finished
