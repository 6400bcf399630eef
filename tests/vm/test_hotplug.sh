#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hot-plug through virtio-scsi events: QEMU's device_add of a scsi-hd makes
# a disk appear with no command from the user; device_del under fio load
# makes it disappear: the I/O in flight ends with errors, no oops, and the
# other disk keeps working.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 12

hot_hctl() { hctl_of 2; }
hot_node() { node_of 2; }

unload_all
modprobe virtio_scsi_rs && modprobe sd_mod_rs
wait_for 30 disk_node
D=/dev/$(disk_node)
check "the QEMU monitor is reachable" bash -c "hmp info block | grep -q disk0"
hmp drive_add 0 "if=none,id=hot0,file=$SCSI_RS_RUNDIR/hot.img,format=raw,cache=writeback" >/dev/null
check "device_add scsi-hd at target 2" hmp device_add scsi-hd,bus=scsi0.0,channel=0,scsi-id=2,lun=0,drive=hot0,id=scsi-hot0,serial=RSHOT0001
check "the new disk appears by itself" wait_for 30 hot_node
H=/dev/$(hot_node)
udevadm settle
echo "# hot-added: $(hot_hctl) -> $H"
check "it has the size QEMU gave it" test "$(blockdev --getsize64 $H)" = 67108864
check "and can be written and read back" bash -c "
	dd if=/dev/urandom of=/tmp/pat bs=64k count=16 status=none &&
	dd if=/tmp/pat of=$H bs=64k oflag=direct status=none &&
	cmp /tmp/pat <(dd if=$H bs=64k count=16 iflag=direct status=none)"

check "block_resize: the new size shows without a rescan" bash -c "
	hmp block_resize hot0 96M >/dev/null &&
	for i in \$(seq 100); do [ \$(blockdev --getsize64 $H) = 100663296 ] && exit 0; sleep 0.2; done; exit 1"
hmp block_resize hot0 64M >/dev/null
echo 1 >/sys/bus/scsi/devices/$(hot_hctl)/rescan
check "sysfs rescan re-reads the capacity" test "$(blockdev --getsize64 $H)" = 67108864

# I/O on both disks, then pull the hot one out from under its fio.
fio --name=hot --filename=$H --rw=randrw --bs=4k --iodepth=8 --ioengine=libaio \
	--direct=1 --time_based --runtime=60 --output=/tmp/fio-hot.out >/dev/null 2>&1 &
HOTPID=$!
fio --name=other --filename=$D --offset=192m --size=16m --rw=randrw --bs=4k --iodepth=4 \
	--ioengine=libaio --direct=1 --time_based --runtime=12 --verify=crc32c \
	--output=/tmp/fio-other.out >/dev/null 2>&1 &
OTHERPID=$!
sleep 4
check "device_del while fio runs on it" hmp device_del scsi-hot0
check "the disk goes away" wait_for 30 bash -c "! ls /sys/bus/scsi/devices/ | grep -q ':0:2:0$'"
wait $HOTPID
HOTRC=$?
check "fio on the removed disk ends with an error, not a hang" test $HOTRC -ne 0
wait $OTHERPID
check "fio with verify on the other disk is unaffected" test $? -eq 0
check "everything unloads" unload_all
ktap_finished
