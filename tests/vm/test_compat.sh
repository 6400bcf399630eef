#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Drop-in check: the same QEMU devices look the same to the tools under the
# C stack (scsi_mod + virtio_scsi + sd_mod + sr_mod) and under ours, in one boot:
# lsscsi, lsscsi -H, lsscsi -l, the common sysfs attributes with their
# permissions, the scsi_disk class and the disk's queue.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 12

ATTRS="type scsi_level vendor model rev state timeout queue_depth queue_type device_blocked modalias rescan delete"
HATTRS="proc_name can_queue cmd_per_lun sg_tablesize unique_id scan state"

# snapshot DIR: what the tools and sysfs show of the disk and its host.
snapshot() {
	local out=$1 h a
	mkdir -p "$out"
	udevadm settle
	lsscsi >"$out/lsscsi"
	lsscsi -H >"$out/lsscsi-H"
	lsscsi -l >"$out/lsscsi-l"
	h=$(disk_hctl)
	for a in $ATTRS; do
		f=/sys/bus/scsi/devices/$h/$a
		printf '%s %s ' "$a" "$(stat -c %A "$f" 2>/dev/null || echo missing)"
		if [ -r "$f" ] && [ "$(stat -c %a "$f")" != 200 ]; then cat "$f"; else echo; fi
	done >"$out/sdev-attrs"
	for a in $HATTRS; do
		f=/sys/class/scsi_host/host${h%%:*}/$a
		printf '%s %s ' "$a" "$(stat -c %A "$f" 2>/dev/null || echo missing)"
		if [ -r "$f" ] && [ "$(stat -c %a "$f")" != 200 ]; then cat "$f"; else echo; fi
	done >"$out/host-attrs"
	# Paths: hostN under the PCI function, targetH:C:T, H:C:T:L, block/sdX.
	readlink -f /sys/bus/scsi/devices/$h | sed 's|/host[0-9]*/|/hostN/|; s|target[0-9]*:|targetN:|; s|/[0-9]*:0:0:0|/N:0:0:0|' >"$out/path"
	ls /sys/bus/scsi/devices/$h/block >"$out/block"
	# The scsi_disk class's attributes (names, modes, values) and the
	# disk's queue (limits, discard and write zeroes as sd configures them).
	for f in /sys/class/scsi_disk/$h/*; do
		[ -f "$f" ] && [ ! -L "$f" ] && [ "${f##*/}" != uevent ] || continue
		printf '%s %s %s\n' "${f##*/}" "$(stat -c %A "$f")" "$(cat "$f" 2>&1)"
	done >"$out/disk-attrs"
	for f in /sys/bus/scsi/devices/$h/block/*/queue/*; do
		[ -f "$f" ] || continue
		printf '%s %s %s\n' "${f##*/}" "$(stat -c %A "$f")" "$(cat "$f" 2>&1)"
	done >"$out/queue-attrs"
	ls -d /sys/class/scsi_device/$h /sys/class/scsi_disk/$h 2>/dev/null | sed 's|/[0-9]*:0:0:0|/N:0:0:0|' >"$out/classes"
}

unload_all
check "C stack: modprobe virtio_scsi sd_mod sr_mod" bash -c "modprobe virtio_scsi && modprobe sd_mod && modprobe sr_mod"
wait_for 30 disk_node
wait_for 30 node_of 1
snapshot /tmp/c
modprobe -r sd_mod virtio_scsi sr_mod 2>/dev/null
udevadm settle
check "C stack unloads (scsi_mod goes too)" bash -c "modprobe -r sd_mod virtio_scsi scsi_mod; ! test -e /sys/module/scsi_mod"
check "our stack: modprobe virtio_scsi_rs sd_mod_rs sr_mod_rs" bash -c "modprobe virtio_scsi_rs && modprobe sd_mod_rs && modprobe sr_mod_rs"
wait_for 30 disk_node
wait_for 30 node_of 1
snapshot /tmp/rs
for f in lsscsi lsscsi-H sdev-attrs host-attrs path disk-attrs queue-attrs; do
	# The host number differs between the two loads; normalise it.
	sed -i 's/\[[0-9]*:/[N:/; s/^\[\([0-9]*\)\]/[N]/; s/host[0-9]*/hostN/' /tmp/c/$f /tmp/rs/$f
	if diff -u /tmp/c/$f /tmp/rs/$f >/tmp/diff.$f; then
		ktap_test_pass "$f is the same as on the C stack"
	else
		sed 's/^/# /' /tmp/diff.$f
		ktap_test_fail "$f is the same as on the C stack"
	fi
done
echo "# lsscsi -l, C then ours:"; sed 's/^/# C:  /' /tmp/c/lsscsi-l; sed 's/^/# rs: /' /tmp/rs/lsscsi-l
check "block node name is the same" diff /tmp/c/block /tmp/rs/block
check "everything unloads" unload_all
ktap_finished
