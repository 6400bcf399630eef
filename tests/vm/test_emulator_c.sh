#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulation under the C SCSI mid-layer: scsi_emu_c (the emu crate behind
# a C scsi_host_template) with the C sd_mod, sr_mod, st and sg: the devices
# appear as /dev/sdX, /dev/srN, /dev/st0 + /dev/nst0 and /dev/sgN; disk I/O;
# an ISO image mounted from the CD-ROM drive; mt status, a tar archive
# written to /dev/nst0, rewound, read back and compared; sg_inq on every sg
# node; a dropped command aborted by the C error handler and LUN and host
# resets through sg_reset; every abort and reset failing (device offline,
# as test_emulator.sh checks for ours); clean unload; kmemleak.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 30

P=/sys/module/scsi_emu_c/parameters
emu_host() { ls /sys/devices/scsi_emu_c 2>/dev/null | sed -n 's/^host//p' | head -n1 | grep .; }
sg_of() { basename "$(readlink "/sys/bus/scsi/devices/$1/generic")" 2>/dev/null | grep '^sg'; }
blk_of() { ls "/sys/bus/scsi/devices/$1/block/" 2>/dev/null | head -n1 | grep .; }
st_of() { ls "/sys/bus/scsi/devices/$1/scsi_tape/" 2>/dev/null | grep -m1 -x 'st[0-9]*'; }
emu_nodes() {
	sg_of $DL && sg_of $CL && sg_of $TL && blk_of $DL && blk_of $CL && st_of $TL &&
		[ -c /dev/n$(st_of $TL) ] && [ -b /dev/$(blk_of $CL) ]
}
C_MODS="sg st sr_mod sd_mod scsi_emu_c cdrom scsi_mod"
c_unload() {
	local m try
	udevadm settle -t 60
	for m in $C_MODS; do
		for try in 1 2 3; do
			is_loaded $m || break
			rmmod $m 2>/dev/null && break
			udevadm settle -t 60
			sleep 1
		done
	done
	for m in $C_MODS; do
		is_loaded $m && return 1
	done
	return 0
}

unload_all
kmemleak_clear
log_mark

rm -rf /tmp/cdsrc
mkdir -p /tmp/cdsrc
head -c 200000 /dev/urandom >/tmp/cdsrc/blob
echo "scsi_emu_c test disc" >/tmp/cdsrc/README.TXT
xorriso -as mkisofs -quiet -V EMUTESTC -o /tmp/cd.iso /tmp/cdsrc >/dev/null 2>&1

check "scsi_emu_c depends on scsi_mod, on nothing of scsi_mod_rs" \
	test "$(modinfo -F depends scsi_emu_c)" = scsi_mod
check "modprobe scsi_emu_c (an ISO as cd_image) with sd_mod, sr_mod, st and sg" \
	bash -c "modprobe scsi_emu_c luns=disk,cdrom,tape cd_image=/tmp/cd.iso && modprobe sd_mod &&
		modprobe sr_mod && modprobe st && modprobe sg"
check "the C mid-layer serves it (scsi_mod loaded, scsi_mod_rs not)" \
	bash -c "[ -e /sys/module/scsi_mod ] && [ ! -e /sys/module/scsi_mod_rs ]"
H=$(emu_host)
check "host$H sits below /sys/devices/scsi_emu_c, proc_name scsi_emu_c" \
	bash -c "[ -n '$H' ] && [ \$(readlink -f /sys/class/scsi_host/host$H) = /sys/devices/scsi_emu_c/host$H/scsi_host/host$H ] &&
		[ \$(cat /sys/class/scsi_host/host$H/proc_name) = scsi_emu_c ]"
DL=$H:0:0:0 CL=$H:0:0:1 TL=$H:0:0:2
check "/dev/sdX, /dev/srN, /dev/stN + /dev/nstN and three sg nodes appear" wait_for 60 emu_nodes
udevadm settle -t 60
lsscsi -g | sed 's/^/# /'
D=/dev/$(blk_of $DL) SR=/dev/$(blk_of $CL) ST=$(st_of $TL)
SGD=/dev/$(sg_of $DL) SGC=/dev/$(sg_of $CL) SGT=/dev/$(sg_of $TL)
echo "# disk $D $SGD, cdrom $SR $SGC, tape /dev/$ST /dev/n$ST $SGT"
check "lsscsi shows the disk, the CD-ROM drive and the tape drive" \
	bash -c "lsscsi | grep -Eq '^\[$DL\] +disk +Linux +scsi_rs disk' &&
		lsscsi | grep -Eq '^\[$CL\] +cd/dvd +Linux +scsi_rs cdrom' &&
		lsscsi | grep -Eq '^\[$TL\] +tape +Linux +scsi_rs tape'"
ok=1
for n in $SGD $SGC $SGT; do
	sg_inq $n >/tmp/inq 2>&1 || ok=0
	grep -q 'Vendor identification: Linux' /tmp/inq || ok=0
	grep 'Product identification' /tmp/inq | sed "s|^|# $n: |"
done
check "sg_inq on each sg node" test $ok = 1

# --- Disk ---
check "$D is 16 MiB" test "$(blockdev --getsize64 $D)" = 16777216
head -c 2097152 /dev/urandom >/tmp/rnd
check "2 MiB written to $D read back intact" \
	bash -c "dd if=/tmp/rnd of=$D bs=64k oflag=direct status=none && dd if=$D bs=64k count=32 iflag=direct status=none | cmp -s - /tmp/rnd"

# --- CD-ROM ---
mkdir -p /mnt/cd
check "mount -t iso9660 the image from $SR" mount -t iso9660 -o ro $SR /mnt/cd
check "its files read back intact" \
	bash -c "cmp /mnt/cd/blob /tmp/cdsrc/blob && [ \"\$(cat /mnt/cd/README.TXT)\" = 'scsi_emu_c test disc' ]"
check "umount" umount /mnt/cd

# --- Tape ---
check "mt -f /dev/n$ST status: file 0, block 0, at BOT" \
	bash -c "mt -f /dev/n$ST status >/tmp/mt 2>&1; sed 's/^/# /' /tmp/mt; grep -q 'File number=0, block number=0' /tmp/mt && grep -q BOT /tmp/mt"
rm -rf /tmp/tsrc /tmp/tout
mkdir -p /tmp/tsrc/sub /tmp/tout
head -c 70000 /dev/urandom >/tmp/tsrc/a.bin
head -c 12345 /dev/urandom >/tmp/tsrc/sub/b.bin
echo "scsi_emu_c tape" >/tmp/tsrc/sub/c.txt
# Fixed 10 KiB records (variable-block mode: one record per write).
check "tar of three files to /dev/n$ST" \
	bash -c "tar cf - -C /tmp/tsrc . | dd of=/dev/n$ST bs=10240 iflag=fullblock conv=sync status=none"
check "mt rewind" mt -f /dev/n$ST rewind
check "the archive reads back from /dev/n$ST and matches" \
	bash -c "dd if=/dev/n$ST bs=10240 status=none | tar xf - -C /tmp/tout && diff -r /tmp/tsrc /tmp/tout"
check "mt rewind, fsf 1: after the filemark st wrote at close (file 1)" \
	bash -c "mt -f /dev/n$ST rewind && mt -f /dev/n$ST fsf 1 && mt -f /dev/n$ST status | grep -q 'File number=1, block number=0'"
check "/dev/$ST rewinds at close: back at BOT" \
	bash -c "dd if=/dev/$ST of=/dev/null bs=10240 count=1 status=none; mt -f /dev/n$ST status | grep -q 'File number=0, block number=0'"

# --- Error handling of the C mid-layer ---
echo 5 >/sys/bus/scsi/devices/$DL/timeout
echo 0 >$P/fault_lun
log_mark
echo 1 >$P/drop_nth
check "a dropped read is aborted by the C error handler and retried" \
	bash -c "timeout 120 dd if=$D bs=4096 skip=10 count=1 iflag=direct status=none | cmp -s - <(dd if=/tmp/rnd bs=4096 skip=10 count=1 status=none)"
log_since | grep -E 'scsi_emu_c|abort|reset' | sed 's/^/# /'
check "the emulator logged the drop and the abort" \
	bash -c "dmesg | grep -q 'dropping command 0x28' && dmesg | grep -q 'scsi_emu_c: command 0x28 aborted'"
check "sg_reset -d and -H reach the LUN and host reset handlers" \
	bash -c "sg_reset -d $SGD && sg_reset -H $SGD && dmesg | grep -q 'scsi_emu_c: LUN reset' && dmesg | grep -q 'scsi_emu_c: host reset'"
check "the disk works after the resets" \
	bash -c "sg_turs $SGD >/dev/null 2>&1; sg_turs $SGD >/dev/null 2>&1; dd if=$D bs=64k count=32 iflag=direct status=none | cmp -s - /tmp/rnd"
# The same faults as in test_emulator.sh: every abort and reset fails.
# The C error handler may ask more than once; eh_fail=10 covers it.
echo 2 >/sys/bus/scsi/devices/$DL/timeout
log_mark
echo 10 >$P/eh_fail
echo 1 >$P/drop_nth
run timeout 120 dd if=$D of=/dev/null bs=4096 skip=12 count=1 iflag=direct status=none
echo "# dd: exit $RC: $ERR; handlers asked: $((10 - $(cat $P/eh_fail)))"
log_since | grep -E 'scsi_emu_c|abort|reset|offline|error' | sed 's/^/# /'
echo 0 >$P/eh_fail
check "C: every abort and reset failing, the read ends with an I/O error and the device goes offline" \
	test $RC -ne 0 -a $RC -ne 124 -a -n "$(echo "$ERR" | grep -i 'input/output error')" \
		-a "$(cat /sys/bus/scsi/devices/$DL/state)" = offline
echo running >/sys/bus/scsi/devices/$DL/state
check "C: state set to running again, the disk works" \
	bash -c "sg_turs $SGD >/dev/null 2>&1; dd if=$D bs=64k count=32 iflag=direct status=none | cmp -s - /tmp/rnd"

check "everything unloads (sg, st, sr_mod, sd_mod, scsi_emu_c, scsi_mod)" c_unload
check "/sys/devices/scsi_emu_c is gone" test ! -e /sys/devices/scsi_emu_c

# --- Several targets, media of their own ---
c_blk() { ls /sys/bus/scsi/devices/$H:0:$1:0/block/ 2>/dev/null | head -n1 | grep .; }
two_disks() { c_blk 0 >/dev/null && c_blk 1 >/dev/null; }
rw_targets() {
	dd if=/tmp/t0.bin of=/dev/$(c_blk 0) bs=4096 count=1 oflag=direct status=none &&
		dd if=/dev/$(c_blk 0) bs=4096 count=1 iflag=direct status=none | cmp -s - /tmp/t0.bin &&
		dd if=/dev/$(c_blk 1) bs=4096 count=1 iflag=direct status=none | cmp -s -n 4096 - /dev/zero
}
modprobe scsi_emu_c num_targets=2 luns=disk && modprobe sd_mod
H=$(emu_host)
check "num_targets=2 luns=disk with sd_mod: disks at H:0:0:0 and H:0:1:0" wait_for 30 two_disks
check "... and no target 2" test ! -e /sys/bus/scsi/devices/$H:0:2:0
head -c 4096 /dev/urandom >/tmp/t0.bin
check "a block written to target 0 reads back there and not on target 1" rw_targets
c_unload
LEAKS=$(kmemleak_report)
if [ -n "$LEAKS" ]; then
	echo "$LEAKS" | head -40 | sed 's/^/# /'
fi
check "kmemleak finds nothing" test -z "$LEAKS"
ktap_finished
