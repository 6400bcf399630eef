#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A module whose initialisation fails returns an error and leaves no trace:
# bad parameters, and allocation failures injected by FAILSLAB at every point
# of the load of the core and of a dependant. No oops, nothing loaded,
# nothing registered, nothing leaked.
. "$(dirname "$0")/lib.sh"

FS=/sys/kernel/debug/failslab

ktap_print_header
ktap_set_plan 13

unload_all
kmemleak_clear
run modprobe $CORE scan=bogus
check "scan=bogus: the core refuses to load" test $RC -ne 0
check "scan=bogus: the error is Invalid argument" grep -q 'Invalid argument' <<<"$ERR"
check "scan=bogus: nothing left (no module, no bus)" bash -c "! test -e /sys/module/$CORE/refcnt && ! test -e /sys/bus/scsi"
run modprobe $CORE max_luns=0
check "max_luns=0: the core refuses to load" test $RC -ne 0

# Fail allocations of the module's init, one per load: the kernel's fault
# injection fails the Nth slab allocation of the loading task
# (/proc/self/fail-nth, through the fail_load helper), and the stack-trace
# filter counts only allocations made under do_init_module(): the module's
# init function and everything it calls (registrations, the virtio probe,
# the attach of an existing device), not the module loader's own
# bookkeeping. A first load with no failure counts them (N); then the
# first 16 fail in turn (the early error paths of an init), and of the
# rest every Kth from a seeded offset, K chosen so that a sweep makes at
# most MAX_LOADS loads (a load takes over a second on the debug kernel, and
# st_rs's init with a tape present makes over 500 allocations). With N at
# most MAX_LOADS every allocation fails once. FAILSLAB_SEED picks the
# offset; it is printed, so a failing run can be repeated.
# (Allocations nested more than 32 frames deep are not counted: the filter
# sees no deeper.)
# Some of the kernel's own error paths are broken under injection, and a
# failure is kept out of them with the filter's reject range (one function
# at a time, set before each sweep):
# - bus_register() in 6.12 unregisters a lockdep key it has not registered
#   yet (a WARN with lockdep on) when it fails after kset_register();
# - register_irq_proc() ignores a failed proc_create() of one of the files of
#   /proc/irq/N, and unregister_irq_proc() then WARNs that the file is missing
#   when the adapter frees its MSI-X vectors.
# Neither is the modules' bug.
failslab_reject() {
	local r
	r=$(sym_range "$1") || return 0
	set -- "$1" $r
	echo "$2" >$FS/reject-start
	echo "$3" >$FS/reject-end
	echo "# failures kept out of $1 ($2-$3)"
}
failslab_setup() {
	local r
	# Nothing fails by probability: only the Nth allocation of fail-nth.
	echo 0 >$FS/probability
	echo 0 >$FS/verbose
	echo N >$FS/ignore-gfp-wait
	echo 32 >$FS/stacktrace-depth
	r=$(sym_range do_init_module) || return 1
	set -- $r
	echo "$1" >$FS/require-start
	echo "$2" >$FS/require-end
	echo "# allocations counted under do_init_module ($1-$2)"
}

MAX_LOADS=${MAX_LOADS:-40}
FAILSLAB_SEED=${FAILSLAB_SEED:-$(( $(date +%s) % 1000 ))}
echo "# FAILSLAB_SEED=$FAILSLAB_SEED MAX_LOADS=$MAX_LOADS"

# which_nth TOTAL: the allocations to fail, one per line.
which_nth() {
	local total=$1 first=16 k off
	if [ "$total" -le "$MAX_LOADS" ]; then
		seq 1 "$total"
		return
	fi
	seq 1 $first
	k=$(( (total - first + MAX_LOADS - first - 1) / (MAX_LOADS - first) ))
	off=$(( FAILSLAB_SEED % k ))
	seq $((first + 1 + off)) "$k" "$total"
}

# sweep NAME CHECK-GONE MODULE.ko [PARAMS]: count the allocations of the
# module's init, then fail them (which_nth). A load must either fail with
# the injected failure and leave nothing behind (CHECK-GONE true), or
# succeed (the failure was absorbed: an optional part, such as a uevent, the
# attach of one device or the probe of an adapter, did without); then UNDO
# must unload it completely.
sweep() {
	local name=$1 gone=$2 ko=$3 params=${4-}
	local out rc left total n fails=0 absorbed=0 loads=0 bad=0 nths
	out=$(fail_load 1000000 "$ko" "$params")
	rc=$?
	left=$(sed -n 's/.*(\([0-9]*\) left).*/\1/p' <<<"$out")
	if [ $rc != 0 ] || [ -z "$left" ]; then
		echo "# $name: load without injection: $out"
		return 1
	fi
	eval "$UNDO"
	total=$((1000000 - left))
	nths=$(which_nth $total)
	echo "# $name: its init makes $total allocations; failing $(wc -l <<<"$nths") of them, one per load"
	for n in $nths; do
		out=$(fail_load $n "$ko" "$params")
		rc=$?
		case $rc in
		2)
			fails=$((fails + 1))
			if ! eval "$gone"; then
				echo "# $name: failing allocation $n ($out) left something behind"
				bad=$((bad + 1))
				eval "$UNDO"
			fi
			;;
		0 | 1)
			[ $rc = 1 ] && absorbed=$((absorbed + 1)) || loads=$((loads + 1))
			eval "$UNDO"
			if ! eval "$gone"; then
				echo "# $name: after a load with allocation $n failed ($out), the unload left something behind"
				bad=$((bad + 1))
			fi
			;;
		*)
			echo "# $name: allocation $n: $out"
			bad=$((bad + 1))
			eval "$UNDO"
			;;
		esac
	done
	echo "# $name: $fails loads failed cleanly, $absorbed absorbed the failure, $loads did not reach it, $bad bad"
	[ $fails -gt 0 ] && [ $bad = 0 ]
}

if [ -d $FS ]; then
	failslab_setup
	failslab_reject bus_register
	UNDO="rmmod $CORE 2>/dev/null"
	log_mark
	check "FAILSLAB across the load of $CORE: every failure is clean" \
		sweep $CORE "! test -e /sys/module/$CORE/refcnt && ! test -e /sys/bus/scsi" "$(modinfo -n $CORE)"
	n=$(log_since | grep -c 'scsi_mod_rs: initialisation failed')
	echo "# the core's init said it failed $n times"
	modprobe $CORE
	UNDO="rmmod sd_mod_rs 2>/dev/null"
	check "FAILSLAB across the load of sd_mod_rs: every failure is clean" \
		sweep sd_mod_rs "! test -e /sys/module/sd_mod_rs/refcnt && ! test -e /sys/bus/scsi/drivers/sd" "$(modinfo -n sd_mod_rs)"
	# sg_rs: its character region (major 21) and the scsi_generic class.
	UNDO="rmmod sg_rs 2>/dev/null"
	check "FAILSLAB across the load of sg_rs: every failure is clean" \
		sweep sg_rs "! test -e /sys/module/sg_rs/refcnt && ! test -e /sys/class/scsi_generic && ! grep -qw sg /proc/devices" "$(modinfo -n sg_rs)"
	# sr_mod_rs: block major 11 and its CD-ROM layer operations.
	modprobe cdrom
	UNDO="rmmod sr_mod_rs 2>/dev/null"
	check "FAILSLAB across the load of sr_mod_rs: every failure is clean" \
		sweep sr_mod_rs "! test -e /sys/module/sr_mod_rs/refcnt && ! test -e /sys/bus/scsi/drivers/sr && ! grep -qw sr /proc/devices" "$(modinfo -n sr_mod_rs)"
	# st_rs: major 9 and the scsi_tape class, and, with the emulated tape
	# present, the attach during the load (the drive's eight nodes). udev
	# autoloads st_rs for the tape: take it out before the sweep.
	modprobe scsi_emu_rs luns=tape
	udevadm settle -t 30
	rmmod st_rs 2>/dev/null
	UNDO="rmmod st_rs 2>/dev/null || { udevadm settle -t 10; rmmod st_rs 2>/dev/null; }"
	check "FAILSLAB across the load of st_rs, a tape present: every failure is clean" \
		sweep st_rs "! test -e /sys/module/st_rs/refcnt && ! test -e /sys/class/scsi_tape && ! grep -qw st /proc/devices" "$(modinfo -n st_rs)"
	udevadm settle -t 30
	rmmod scsi_emu_rs
	# The sweep covers what the init allocates: the virtio probe and the
	# host's creation. The scan runs later in a kworker, outside the
	# injection; with the core's scan=none no disk appears, so udev opens
	# nothing and every load unloads at once.
	unload_all
	modprobe $CORE scan=none
	failslab_reject register_irq_proc
	UNDO="rmmod virtio_scsi_rs 2>/dev/null || { udevadm settle -t 10; rmmod virtio_scsi_rs 2>/dev/null; }"
	check "FAILSLAB across the load of virtio_scsi_rs: every failure is clean" \
		sweep virtio_scsi_rs "! test -e /sys/module/virtio_scsi_rs/refcnt" "$(modinfo -n virtio_scsi_rs)"
	failslab_off
	echo 0 >$FS/reject-start
	echo 0 >$FS/reject-end
	check "after the sweeps the whole stack loads" bash -c "for m in $DEPENDANTS; do modprobe \$m || exit 1; done"
else
	for i in 1 2 3 4 5 6 7; do ktap_test_skip "FAILSLAB not available"; done
fi
check "and unloads completely" unload_all
leaks=$(kmemleak_report)
[ -n "$leaks" ] && echo "$leaks" | head -40 | sed 's/^/# /'
check "kmemleak finds nothing after the failed loads" test -z "$leaks"
ktap_finished
