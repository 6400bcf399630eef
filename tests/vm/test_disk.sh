#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The disk path end to end: virtio_scsi_rs finds QEMU's disk, sd_mod_rs
# makes /dev/sdX of it, and the standard tools use it as on the C stack:
# lsscsi, sg3_utils, sfdisk, mkfs.ext4, mount, fio with verify; modules are
# pinned while the disk is mounted; bad input gets errors.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 63

unload_all
kmemleak_clear
log_mark
check "modprobe virtio_scsi_rs" modprobe virtio_scsi_rs
check "the scan finds the disk" wait_for 20 disk_hctl
H=$(disk_hctl)
HOST=host${H%%:*}
check "$HOST is a virtio_scsi host" grep -qx virtio_scsi /sys/class/scsi_host/$HOST/proc_name
check "the disk has vendor, model and type of QEMU's scsi-hd" \
	bash -c "grep -q QEMU /sys/bus/scsi/devices/$H/vendor && grep -q 'QEMU HARDDISK' /sys/bus/scsi/devices/$H/model && grep -qx 0 /sys/bus/scsi/devices/$H/type"
check "lsscsi lists the disk and the CD" bash -c "lsscsi | grep -q 'disk    QEMU     QEMU HARDDISK' && lsscsi | grep -q 'cd/dvd  QEMU     QEMU CD-ROM'"
lsscsi | sed 's/^/# /'
check "modprobe sd_mod_rs" modprobe sd_mod_rs
check "a disk node appears" wait_for 20 disk_node
D=/dev/$(disk_node)
udevadm settle
echo "# disk: $H -> $D"
check "sd is bound to the disk" bash -c "readlink /sys/bus/scsi/devices/$H/driver | grep -q '/sd$'"
check "lsscsi names the node" bash -c "lsscsi | grep 'QEMU HARDDISK' | grep -q '$D'"
check "blockdev: 256 MiB" test "$(blockdev --getsize64 $D)" = 268435456
check "sg_inq on $D" bash -c "sg_inq $D | grep -q 'Vendor identification: QEMU'"
check "sg_readcap on $D: 524288 blocks of 512 bytes" \
	bash -c "sg_readcap $D | grep -q 'Last LBA=524287' && sg_readcap $D | grep -q 'Logical block length=512 bytes'"
check "sg_vpd unit serial number" bash -c "sg_vpd -p sn $D | grep -q RSDISK0001"
check "sysfs vpd_pg80 carries the serial" grep -q RSDISK0001 /sys/bus/scsi/devices/$H/vpd_pg80

# The scsi_disk class: the cache type is read and set through it (MODE
# SELECT of the caching page), as sdparm sees it.
SDC=/sys/class/scsi_disk/$H
WC=/sys/block/${D#/dev/}/queue/write_cache
check "scsi_disk class device $H below the SCSI device" \
	bash -c "test \"\$(readlink -f $SDC/device)\" = \"\$(readlink -f /sys/bus/scsi/devices/$H)\""
check "cache_type is write back (QEMU's default)" test "$(cat $SDC/cache_type)" = "write back"
check "FUA 0 (no DPOFUA), thin_provisioning 1, provisioning_mode unmap" \
	bash -c "[ \$(cat $SDC/FUA) = 0 ] && [ \$(cat $SDC/thin_provisioning) = 1 ] && [ \$(cat $SDC/provisioning_mode) = unmap ]"
check "cache_type 'write through': WCE off in the device and the queue" \
	bash -c "echo 'write through' >$SDC/cache_type && [ \"\$(cat $SDC/cache_type)\" = 'write through' ] && sdparm --get WCE $D | grep -q 'WCE *0' && grep -q 'write through' $WC"
check "cache_type: an unknown value is refused" bash -c "! echo 'write sideways' 2>/dev/null >$SDC/cache_type"
check "cache_type 'write back': WCE on again" \
	bash -c "echo 'write back' >$SDC/cache_type && [ \"\$(cat $SDC/cache_type)\" = 'write back' ] && sdparm --get WCE $D | grep -q 'WCE *1' && grep -q 'write back' $WC"

# Partition, file system, files.
check "sfdisk writes a partition table" bash -c "echo ',,L' | sfdisk -q $D"
check "the partition node appears" wait_for 10 test -b ${D}1
# (udevadm settle only waits for udev's events: a hiccup of its own, seen
# once as "Broken pipe", is not the driver's.)
rereadpt_keeps_part() {
	blockdev --rereadpt $D || return 1
	udevadm settle || sleep 2
	wait_for 10 test -b ${D}1
}
check "BLKRRPART (blockdev --rereadpt) keeps the partition" rereadpt_keeps_part
check "mkfs.ext4" mkfs.ext4 -q -F ${D}1
mkdir -p /mnt/d
check "mount" mount ${D}1 /mnt/d
for i in 1 2 3; do dd if=/dev/urandom of=/mnt/d/f$i bs=64k count=$((i * 16)) status=none; done
(cd /mnt/d && sha256sum f1 f2 f3) >/tmp/sums
run rmmod sd_mod_rs
check "rmmod sd_mod_rs refused while mounted" bash -c "[ $RC -ne 0 ] && grep -qi 'in use' <<<'$ERR'"
run rmmod virtio_scsi_rs
check "rmmod virtio_scsi_rs refused while mounted" bash -c "[ $RC -ne 0 ] && grep -qi 'in use' <<<'$ERR'"
check "umount" umount /mnt/d
udevadm settle
check "rmmod sd_mod_rs and virtio_scsi_rs after umount" bash -c "rmmod sd_mod_rs && rmmod virtio_scsi_rs"
check "no disk left" bash -c "! ls /sys/bus/scsi/devices/ | grep -q ':0:0:0$'"
# Load again, the upper driver first this time. With FAILSLAB (the debug
# kernel), the allocation of every request's kept scatter-gather table
# fails until the raw 1 MiB I/O below: every long command of the reload,
# the mount, the reads and fstrim takes the fallback, lists chained from
# the kernel's sg pools.
SGFAIL=
failslab_in scsi_rs_sg_table_alloc && SGFAIL=1
modprobe sd_mod_rs
modprobe virtio_scsi_rs
part_back() { local n; n=$(disk_node) && test -b "/dev/${n}1"; }
check "reloaded in the other order: the partition is back" wait_for 20 part_back
D=/dev/$(disk_node)
check "remount" mount ${D}1 /mnt/d
check "checksums intact" bash -c "cd /mnt/d && sha256sum -c --quiet /tmp/sums"
# QEMU's disk has discard=unmap: thinly provisioned, UNMAP supported.
check "fstrim on the mounted file system trims (UNMAP)" bash -c "fstrim -v /mnt/d | grep -q 'bytes.*trimmed'"
check "checksums intact after fstrim" bash -c "cd /mnt/d && sha256sum -c --quiet /tmp/sums"
umount /mnt/d
if [ -n "$SGFAIL" ]; then
	check "fio 1 MiB write+verify with the kept table's allocation failing: lists chained from the pools" \
		fio --name=v1mc --filename=$D --offset=160m --size=16m --rw=write --bs=1M \
			--iodepth=8 --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 \
			--output=/tmp/fio1mc.out
	n=$(failslab_injected)
	failslab_off
	check "... and the fallback served them ($n table allocations failed)" test "$n" -gt 0
else
	failslab_off
	ktap_test_skip "no FAILSLAB: the kept table's fallback is not forced"
	ktap_test_skip "no FAILSLAB"
fi

# Raw-device I/O with verification, past the partition's file system area.
check "fio random write+verify on the raw disk" \
	fio --name=v --filename=$D --offset=128m --size=32m --rw=randwrite --bs=4k \
		--iodepth=16 --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 \
		--output=/tmp/fio.out
grep -E 'write:|READ:|WRITE:' /tmp/fio.out | sed 's/^/# /'
# 1 MiB commands: more data segments than the two scatter-gather entries a
# request keeps inline; a request's first one allocates the table it keeps
# for them.
check "fio 1 MiB sequential write+verify on the raw disk (long scatter-gather lists: the kept table)" \
	fio --name=v1m --filename=$D --offset=160m --size=32m --rw=write --bs=1M \
		--iodepth=8 --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 \
		--output=/tmp/fio1m.out

# Discard through UNMAP on the raw device, past the file system's end.
check "the queue takes discards (discard_max_bytes > 0)" \
	test "$(cat /sys/block/${D#/dev/}/queue/discard_max_bytes)" -gt 0
check "sg_vpd: the disk supports UNMAP (LBPU)" \
	bash -c "sg_vpd -p lbpv $D | grep -q 'Unmap command supported (LBPU): 1'"
head -c 1048576 /dev/urandom >/tmp/rnd
check "1 MiB of random data written at 200 MiB" \
	dd if=/tmp/rnd of=$D bs=1M seek=200 count=1 oflag=direct status=none
check "blkdiscard of that MiB" blkdiscard -o $((200 << 20)) -l $((1 << 20)) $D
check "the discarded MiB reads back as zeroes" \
	bash -c "dd if=$D bs=1M skip=200 count=1 iflag=direct status=none | cmp -s - <(head -c 1048576 /dev/zero)"
check "the disk's statistics count completed discards" \
	bash -c "test \$(awk '{ print \$12 }' /sys/block/${D#/dev/}/stat) -gt 0"

# Write zeroes through WRITE SAME, and the scsi_disk attributes that
# choose the commands (test_compat compares their values with the C sd's).
SQ=/sys/block/${D#/dev/}/queue
zeroes_at() { dd if=$D bs=1M skip=$1 count=1 iflag=direct status=none | cmp -s - <(head -c 1048576 /dev/zero); }
random_at() { dd if=/tmp/rnd of=$D bs=1M seek=$1 count=1 oflag=direct status=none; }
export D
export -f zeroes_at
ORIG_WS=$(cat $SDC/max_write_same_blocks)
check "write zeroes through WRITE SAME: write_zeroes_max_bytes > 0, max_write_same_blocks $ORIG_WS, zeroing_mode $(cat $SDC/zeroing_mode)" \
	bash -c "[ \$(cat $SQ/write_zeroes_max_bytes) -gt 0 ] && [ $ORIG_WS -gt 0 ] && [ \$(cat $SDC/zeroing_mode) != write ]"
random_at 210
check "BLKZEROOUT (blkdiscard -z) of a written MiB: it reads back as zeroes" \
	bash -c "blkdiscard -z -o $((210 << 20)) -l $((1 << 20)) $D && zeroes_at 210"
random_at 211
check "fallocate --punch-hole (write zeroes without fallback: only WRITE SAME does it) zeroes a MiB" \
	bash -c "fallocate --punch-hole --keep-size -o $((211 << 20)) -l $((1 << 20)) $D && zeroes_at 211"
for m in writesame_16 writesame_10 writesame_zero; do
	random_at 212
	check "provisioning_mode $m: blkdiscard of a written MiB makes zeroes" \
		bash -c "echo $m >$SDC/provisioning_mode && [ \$(cat $SDC/provisioning_mode) = $m ] && [ \$(cat $SQ/discard_max_bytes) -gt 0 ] &&
			blkdiscard -o $((212 << 20)) -l $((1 << 20)) $D && zeroes_at 212"
done
check "provisioning_mode: an unknown mode is refused, unmap is taken back" \
	bash -c "! echo sideways 2>/dev/null >$SDC/provisioning_mode && echo unmap >$SDC/provisioning_mode && [ \$(cat $SDC/provisioning_mode) = unmap ]"
random_at 213
check "max_write_same_blocks 0: write zeroes off; blkdiscard -z still zeroes (the block layer writes them), a hole punch fails" \
	bash -c "echo 0 >$SDC/max_write_same_blocks && [ \$(cat $SQ/write_zeroes_max_bytes) = 0 ] && [ \$(cat $SDC/max_write_same_blocks) = 0 ] &&
		blkdiscard -z -o $((213 << 20)) -l $((1 << 20)) $D && zeroes_at 213 &&
		! fallocate --punch-hole --keep-size -o $((213 << 20)) -l 4096 $D 2>/dev/null"
check "max_write_same_blocks 65535: on again with that limit; $ORIG_WS restores it" \
	bash -c "echo 65535 >$SDC/max_write_same_blocks && [ \$(cat $SQ/write_zeroes_max_bytes) = $((65535 * 512)) ] &&
		echo $ORIG_WS >$SDC/max_write_same_blocks && [ \$(cat $SDC/max_write_same_blocks) = $ORIG_WS ]"
check "max_retries: -1 and 0..5 taken, 6 refused, 5 back" \
	bash -c "echo -1 >$SDC/max_retries && [ \$(cat $SDC/max_retries) = -1 ] && echo 0 >$SDC/max_retries &&
		! echo 6 2>/dev/null >$SDC/max_retries && echo 5 >$SDC/max_retries && [ \$(cat $SDC/max_retries) = 5 ]"
check "root without CAP_SYS_ADMIN: provisioning_mode refused (EACCES), max_retries taken" \
	bash -c "setpriv --bounding-set=-sys_admin bash -c 'echo full >$SDC/provisioning_mode' 2>&1 | grep -q 'Permission denied' &&
		[ \$(cat $SDC/provisioning_mode) = unmap ] && setpriv --bounding-set=-sys_admin bash -c 'echo 5 >$SDC/max_retries'"

# Bad input: errors, never an oops.
check "a read past the end gets nothing" \
	bash -c "[ \$(dd if=$D bs=512 skip=524288 count=8 2>/dev/null | wc -c) -eq 0 ]"
check "misaligned direct I/O is refused" \
	bash -c "! dd if=$D of=/dev/null bs=100 count=1 iflag=direct 2>/dev/null"
# SG_IO permissions for an unprivileged user holding a read-only descriptor.
chmod o+r $D
TESTER="setpriv --reuid=1000 --regid=1000 --clear-groups"
check "unprivileged, read-only: INQUIRY through SG_IO works" bash -c "$TESTER sg_inq $D | grep -q QEMU"
check "unprivileged, read-only: WRITE(10) through SG_IO is refused" \
	bash -c "! $TESTER sg_raw -R -s 512 -i /dev/zero $D 2a 00 00 00 00 00 00 00 01 00 >/dev/null 2>&1"
check "unprivileged, read-only: sg_raw says permission denied" \
	bash -c "$TESTER sg_raw -R -s 512 -i /dev/zero $D 2a 00 00 00 00 00 00 00 01 00 2>&1 | grep -qi 'permission\|not permitted'"
chmod o-r $D
check "an unknown opcode comes back as ILLEGAL REQUEST" \
	bash -c "sg_raw $D ff 00 00 00 00 00 2>&1 | grep -qi 'illegal request'"
check "everything unloads" unload_all || lsmod | sed 's/^/# /'
ktap_finished
