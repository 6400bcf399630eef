#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the scsi-rs kselftests; sourced by each test script.
# Results are KTAP, through the kernel's own ktap_helpers.sh.

for d in "${BASE_DIR:-}" /kselftest_base /kselftest /usr/lib/kselftest; do
	if [ -r "$d/kselftest/ktap_helpers.sh" ]; then
		. "$d/kselftest/ktap_helpers.sh"
		break
	elif [ -r "$d/ktap_helpers.sh" ]; then
		. "$d/ktap_helpers.sh"
		break
	fi
done
type ktap_test_pass >/dev/null 2>&1 || { echo "Bail out! ktap_helpers.sh not found"; exit 1; }

# Every module of the stack, the core first.
CORE=scsi_mod_rs
UPPERS="sd_mod_rs sr_mod_rs st_rs sg_rs"
LOWERS="virtio_scsi_rs aha1542_rs aha152x_rs qlogicfas_rs scsi_emu_rs"
DEPENDANTS="$UPPERS $LOWERS"
ALL_MODULES="$CORE $DEPENDANTS"

is_loaded() { [ -d "/sys/module/$1" ] && [ -e "/sys/module/$1/refcnt" ]; }

# Unload everything of ours, dependants first; true if nothing is left.
unload_all() {
	local m try
	# udev opens new and changed disks (blkid, scsi_id): let it finish.
	udevadm settle 2>/dev/null
	for m in $DEPENDANTS scsi_rs_abi_old scsi_rs_abi_new; do
		for try in 1 2 3; do
			is_loaded "$m" || break
			rmmod "$m" 2>/dev/null && break
			udevadm settle 2>/dev/null
			sleep 1
		done
	done
	is_loaded $CORE && rmmod $CORE 2>/dev/null
	for m in $ALL_MODULES; do
		is_loaded "$m" && return 1
	done
	return 0
}

# The kernel log since the mark set by log_mark.
# The ring buffer is cleared (the console log keeps everything): counting
# lines breaks once the buffer is full and wraps.
log_mark() {
	dmesg -c >/dev/null 2>&1
	LOG_MARK=0
}
log_since() { dmesg | tail -n +"$((LOG_MARK + 1))"; }

# Run a command, keep its stderr and status in $ERR and $RC.
run() {
	ERR=$( { "$@" 2>&1 1>/dev/null; } 2>&1 )
	RC=$?
	return $RC
}

# Assert helpers: check DESCRIPTION COMMAND...
check() {
	local desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# kmemleak: forget what is known, or report what leaked since.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_available() { [ -w $KMEMLEAK ]; }
kmemleak_clear() { kmemleak_available && echo clear >$KMEMLEAK; }
# Scans until objects are old enough to be reported (5 s minimum age), then
# prints the leaks, if any, that involve our modules or the scsi bus.
kmemleak_report() {
	kmemleak_available || return 0
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	cat $KMEMLEAK
}

# Wait up to $1 seconds for a command to succeed.
wait_for() {
	local t=$(($1 * 10))
	shift
	while ! "$@" 2>/dev/null; do
		t=$((t - 1))
		[ $t -le 0 ] && return 1
		sleep 0.1
	done
	return 0
}

# The H:C:T:L devices of QEMU's virtio-scsi controller in the VM: the disk
# (scsi-id 0, 256 MiB, serial RSDISK0001) and the CD (scsi-id 1).
# hctl_of T: the H:C:T:L of LUN 0 of target T; node_of T: its block node.
hctl_of() { ls /sys/bus/scsi/devices/ 2>/dev/null | grep -m1 ":0:$1:0\$"; }
node_of() {
	local h
	h=$(hctl_of "$1") || return 1
	ls "/sys/bus/scsi/devices/$h/block/" 2>/dev/null | head -n1 | grep .
}
disk_hctl() { hctl_of 0; }
disk_node() { node_of 0; }

# FAILSLAB (the debug kernel): fail every slab allocation made under one
# function, in any task, until failslab_off. failslab_in FUNC is false if
# the kernel has no failslab or no such function; failslab_injected says
# how many allocations have failed since.
FAILSLAB=/sys/kernel/debug/failslab
FAILSLAB_TIMES=1000000
# sym_range FUNC: "0xSTART 0xEND" of a function in /proc/kallsyms.
sym_range() {
	local start end
	start=$(awk -v f="$1" '$3 == f { print $1; exit }' /proc/kallsyms)
	[ -n "$start" ] || return 1
	end=$(sort /proc/kallsyms | awk -v s="$start" 'f && $1 != s { print $1; exit } $1 == s { f = 1 }')
	[ -n "$end" ] || return 1
	echo "0x$start 0x$end"
}
failslab_in() {
	local r
	[ -d $FAILSLAB ] || return 1
	r=$(sym_range "$1") || return 1
	set -- $r
	echo 0 >$FAILSLAB/probability
	echo 0 >$FAILSLAB/verbose
	echo 0 >$FAILSLAB/space
	echo 1 >$FAILSLAB/interval
	echo N >$FAILSLAB/task-filter
	echo N >$FAILSLAB/ignore-gfp-wait
	echo 0 >$FAILSLAB/reject-start
	echo 0 >$FAILSLAB/reject-end
	echo 16 >$FAILSLAB/stacktrace-depth
	echo "$1" >$FAILSLAB/require-start
	echo "$2" >$FAILSLAB/require-end
	echo $FAILSLAB_TIMES >$FAILSLAB/times
	echo 100 >$FAILSLAB/probability
}
failslab_injected() { echo $((FAILSLAB_TIMES - $(cat $FAILSLAB/times))); }
failslab_off() {
	[ -d $FAILSLAB ] || return 0
	echo 0 >$FAILSLAB/probability
	echo 0 >$FAILSLAB/require-start
	echo 0xffffffffffffffff >$FAILSLAB/require-end
	echo 0 >$FAILSLAB/stacktrace-depth
}
