#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CD-ROM path: sr_mod_rs makes /dev/srN of QEMU's scsi-cd through the
# kernel's CD-ROM layer: ISO 9660 mount of the test medium, the tray locked
# while mounted, eject and close with eject(1), QEMU's media change and
# monitor eject seen without a reboot (block-layer event polling), GET
# CONFIGURATION at attach, SG_IO on /dev/srN, the same lsscsi and
# /proc/sys/dev/cdrom/info as the C sr, pinning, bad input.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 25

CD_HCTL=
cd_node() { node_of 1; }
# Polls until a read of the whole node sees medium $1's label (or none).
label_is() { blkid -p -o value -s LABEL /dev/$SR 2>/dev/null | grep -qx "$1"; }
no_medium() { ! dd if=/dev/$SR of=/dev/null bs=2048 count=1 2>/dev/null; }

unload_all
check "C stack: sr_mod attaches to QEMU's CD" bash -c "modprobe virtio_scsi && modprobe sr_mod"
wait_for 30 cd_node
udevadm settle
lsscsi | grep cd/dvd | sed 's/^\[[0-9]*:/[N:/' >/tmp/cd-c-lsscsi
grep -v '^$' /proc/sys/dev/cdrom/info | grep -v 'CD-ROM information' >/tmp/cd-c-info
modprobe -r sr_mod sd_mod virtio_scsi scsi_mod 2>/dev/null
udevadm settle
kmemleak_clear
log_mark
check "our stack: modprobe virtio_scsi_rs sr_mod_rs" bash -c "modprobe virtio_scsi_rs && modprobe sr_mod_rs"
check "/dev/sr0 appears" wait_for 30 cd_node
SR=$(cd_node)
udevadm settle
lsscsi | grep cd/dvd | sed 's/^\[[0-9]*:/[N:/' >/tmp/cd-rs-lsscsi
grep -v '^$' /proc/sys/dev/cdrom/info | grep -v 'CD-ROM information' >/tmp/cd-rs-info
check "lsscsi shows the drive as on the C stack" diff -u /tmp/cd-c-lsscsi /tmp/cd-rs-lsscsi
# Audio, MCN and reset are not implemented: those lines differ from C's.
echo "# /proc/sys/dev/cdrom/info, C sr then ours:"
diff /tmp/cd-c-info /tmp/cd-rs-info | sed 's/^/# /'
cd_layer_has_drive() {
	local c
	grep -q "drive name:.*$SR" /tmp/cd-rs-info || return 1
	for c in 'Can open tray' 'Can close tray' 'Can lock tray' 'Can read multisession' \
		'Reports media changed'; do
		grep -Eq "^$c:[[:space:]]+1" /tmp/cd-rs-info || return 1
	done
}
check "the CD-ROM layer has the drive: open, close, lock, multisession, media changes" \
	cd_layer_has_drive
check "$SR is major 11, read-only, 2048-byte blocks" \
	bash -c "[ \$(stat -c %t /dev/$SR) = b ] && [ \$(blockdev --getro /dev/$SR) = 1 ] && [ \$(blockdev --getss /dev/$SR) = 2048 ]"
check "sr is bound to the drive" bash -c "readlink /sys/block/$SR/device/driver | grep -q '/sr$'"
log_since | grep 'GET CONFIGURATION' | sed 's/^/# /'
check "GET CONFIGURATION at attach: QEMU's drive, a CD-ROM medium (profile 0x0008)" \
	bash -c "dmesg | grep -q '$SR: GET CONFIGURATION: .*medium CD-ROM (0x0008)'"
check "sg_inq and sg_turs through SG_IO on /dev/$SR" bash -c "sg_inq /dev/$SR | grep -q 'QEMU CD-ROM' && sg_turs /dev/$SR"
mkdir -p /mnt/cd
check "mount -t iso9660 the test medium" mount -t iso9660 -o ro /dev/$SR /mnt/cd
check "its file reads back" bash -c "[ \"\$(cat /mnt/cd/README.TXT)\" = 'scsi-rs test medium 1' ]"
check "rmmod sr_mod_rs is refused while mounted" bash -c "! rmmod sr_mod_rs 2>/dev/null"
# eject -m -r: no unmount, only the CD-ROM layer's CDROMEJECT (eject(1)
# would otherwise fall back to START STOP UNIT through SG_IO, which root may
# send on either stack).
check "the tray is locked while mounted (QEMU says so) and CDROMEJECT is refused" \
	bash -c "hmp info block cd0 | grep -q 'Removable device: locked' && ! eject -m -r /dev/$SR 2>/dev/null"
check "umount" umount /mnt/cd
check "eject opens the tray" eject /dev/$SR
check "QEMU's tray is open once ejected" bash -c "hmp info block cd0 | grep -qi 'tray open'"
close_and_read() { eject -t /dev/$SR && wait_for 20 label_is SCSIRS_CD1; }
check "eject -t closes the tray and the medium reads again" close_and_read
# QEMU's media change: the block layer's event polling notices it.
echo 1000 >/sys/block/$SR/events_poll_msecs 2>/dev/null
hmp change cd0 -f "$SCSI_RS_RUNDIR/cd2.iso" >/dev/null
check "QEMU's media change is seen: the new disc's label" wait_for 30 label_is SCSIRS_CD2
check "the new medium mounts and shows its file" \
	bash -c "mount -t iso9660 -o ro /dev/$SR /mnt/cd && [ \"\$(cat /mnt/cd/README.TXT)\" = 'scsi-rs test medium 2' ] && umount /mnt/cd"
# QEMU's monitor eject: the medium goes; then change puts one back.
hmp eject -f cd0 >/dev/null
check "QEMU's monitor eject is seen: no medium to read" wait_for 30 no_medium
hmp change cd0 -f "$SCSI_RS_RUNDIR/cd2.iso" >/dev/null
check "a medium put back with the monitor's change reads again" wait_for 30 label_is SCSIRS_CD2
check "a read past the end of the disc gets nothing" \
	bash -c "[ \$(dd if=/dev/$SR bs=2048 skip=\$((\$(blockdev --getsz /dev/$SR) / 4)) count=4 2>/dev/null | wc -c) -eq 0 ]"
check "writing is refused" bash -c "! dd if=/dev/zero of=/dev/$SR bs=2048 count=1 2>/dev/null"
check "everything unloads" unload_all || lsmod | sed 's/^/# /'
LEAKS=$(kmemleak_report)
[ -n "$LEAKS" ] && echo "$LEAKS" | head -40 | sed 's/^/# /'
check "kmemleak finds nothing" test -z "$LEAKS"
ktap_finished
