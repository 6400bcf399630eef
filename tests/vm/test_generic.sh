#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The generic driver: sg_rs gives every device /dev/sgN (major 21) with the
# scsi_generic class, as the C sg does, so lsscsi -g, sg_map and sg3_utils
# work on it: lsscsi -g and sg_map -i the same as on the C stack, sg_dd and
# sgp_dd (write()/read() of sg_io_hdr) with checksums, sg_reset, module
# pinning; sg_edge (tests/tools) for malformed headers, the asynchronous
# interface, a full queue, closing with commands in flight, the data-in
# poison check and an unprivileged read-only descriptor.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 24

# snapshot DIR: what the tools show of the sg nodes.
snapshot() {
	mkdir -p "$1"
	udevadm settle
	lsscsi -g | sed 's/^\[[0-9]*:/[N:/' >"$1/lsscsi-g"
	sg_map -i -x | sed 's/  [0-9]* / N /' >"$1/sg_map"
	ls /sys/class/scsi_generic >"$1/class"
}
sg_nodes() { [ -c /dev/sg0 ] && [ -c /dev/sg1 ]; }

unload_all
check "C stack: modprobe virtio_scsi sd_mod sr_mod sg" \
	bash -c "modprobe virtio_scsi && modprobe sd_mod && modprobe sr_mod && modprobe sg"
wait_for 30 sg_nodes
wait_for 30 node_of 1
snapshot /tmp/sg-c
modprobe -r sg sd_mod sr_mod st virtio_scsi scsi_mod 2>/dev/null
udevadm settle
kmemleak_clear
log_mark
check "our stack: modprobe virtio_scsi_rs sd_mod_rs sr_mod_rs sg_rs" \
	bash -c "modprobe virtio_scsi_rs && modprobe sd_mod_rs && modprobe sr_mod_rs && modprobe sg_rs"
check "/dev/sg0 and /dev/sg1 appear" wait_for 30 sg_nodes
wait_for 20 disk_node
wait_for 30 node_of 1
D=/dev/$(disk_node)
snapshot /tmp/sg-rs
for f in lsscsi-g sg_map class; do
	if diff -u /tmp/sg-c/$f /tmp/sg-rs/$f >/tmp/sg-diff; then
		ktap_test_pass "$f is the same as on the C stack"
	else
		sed 's/^/# /' /tmp/sg-diff
		ktap_test_fail "$f is the same as on the C stack"
	fi
done
sed 's/^/# /' /tmp/sg-rs/lsscsi-g
H=$(disk_hctl)
check "sg0 is character device 21:0 below $H" \
	bash -c "[ \$(stat -c %t:%T /dev/sg0) = 15:0 ] && [ \$(basename \$(readlink /sys/bus/scsi/devices/$H/generic)) = sg0 ]"
check "sg_inq /dev/sg0 sees QEMU's disk" bash -c "sg_inq /dev/sg0 | grep -q 'QEMU HARDDISK'"
check "sg_turs on the CD's node" sg_turs /dev/sg1
check "sg_readcap /dev/sg0 gives the disk's size" bash -c "sg_readcap /dev/sg0 | grep -q 'Number of logical blocks=524288'"
check "sg_vpd -p di /dev/sg0" bash -c "sg_vpd -p di /dev/sg0 | grep -qi 'designator'"
check "sg_modes reads the caching page" bash -c "sg_modes -p 8 /dev/sg0 | grep -qi 'caching'"
check "sg_dd from /dev/sg0 equals dd from $D" \
	bash -c "sg_dd if=/dev/sg0 of=/tmp/a bs=512 count=8192 2>/dev/null && dd if=$D of=/tmp/b bs=512 count=8192 iflag=direct status=none && cmp /tmp/a /tmp/b"
head -c 1048576 /dev/urandom >/tmp/rnd
check "sg_dd writes 1 MiB through /dev/sg0 that $D reads back" \
	bash -c "sg_dd if=/tmp/rnd of=/dev/sg0 bs=512 seek=300000 2>/dev/null && dd if=$D bs=512 skip=300000 count=2048 iflag=direct status=none | cmp -s - /tmp/rnd"
check "sgp_dd (4 threads, write/read interface) copies 4 MiB intact" \
	bash -c "sgp_dd if=/dev/sg0 of=/tmp/p bs=512 count=8192 thr=4 2>/dev/null && cmp /tmp/p /tmp/a"
sg_edge /dev/sg0 >/tmp/edge 2>&1
RC=$?
sed 's/^/# /' /tmp/edge
check "sg_edge: bad headers, async interface, poison, read-only rules ($(grep -c '^ok' /tmp/edge) passed)" \
	test $RC = 0
check "sg_reset -d resets the LUN" bash -c "sg_reset -d /dev/sg0 && dmesg | grep -q 'reset (level 1) requested'"
# The first command after it gets the reset's UNIT ATTENTION.
check "the disk answers after the reset" bash -c "sg_turs /dev/sg0 >/dev/null 2>&1; sg_turs /dev/sg0"
check "SG_IO on $D still works (block-device rules)" bash -c "sg_inq $D | grep -q QEMU"
exec 3</dev/sg0
check "rmmod sg_rs is refused while /dev/sg0 is open" bash -c "! rmmod sg_rs 2>/dev/null"
exec 3<&-
check "rmmod sg_rs after the close" rmmod sg_rs
check "sg_rs reloads and sg0 comes back" bash -c "modprobe sg_rs && udevadm settle && [ -c /dev/sg0 ] && sg_turs /dev/sg0"
check "everything unloads" unload_all || lsmod | sed 's/^/# /'
LEAKS=$(kmemleak_report)
if [ -n "$LEAKS" ]; then
	echo "$LEAKS" | head -40 | sed 's/^/# /'
fi
check "kmemleak finds nothing" test -z "$LEAKS"
ktap_finished
