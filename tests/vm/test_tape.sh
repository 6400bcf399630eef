#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# st_rs on the emulated tape drive of scsi_emu_rs: the nodes (st0, nst0 and
# the mode variants, numbered as the C st numbers them), the scsi_tape class
# and the links lsscsi follows; a whole mt-st and tar session (archives as
# files between filemarks, rewind, fsf/bsf/fsr/bsr, eod, tell/seek, fixed
# block mode with dd, the filemark written at close, rewind on close);
# exclusive open; the end of the medium (ENOSPC, EOT); unload and load;
# st_edge (tests/tools) for bad pointers, unknown operations, short reads
# and the command filter; removal of the device while a node is open;
# rmmod busy while open; clean unload; kmemleak.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 42

emu_host() { ls /sys/devices/scsi_emu_rs 2>/dev/null | sed -n 's/^host//p' | head -n1 | grep .; }
st_of() { ls "/sys/bus/scsi/devices/$1/scsi_tape/" 2>/dev/null | grep -m1 -x 'st[0-9]*'; }
tape_nodes() { local s; s=$(st_of $TL) && [ -c /dev/$s ] && [ -c /dev/n$s ]; }
mtst() { mt -f $NST status 2>&1; }
at() { mtst | grep -q "File number=$1, block number=$2,"; }
export -f mtst at is_loaded

unload_all
kmemleak_clear
log_mark

check "modprobe scsi_emu_rs luns=tape tape_size_mb=4, st_rs and sg_rs" \
	bash -c "modprobe scsi_emu_rs luns=tape tape_size_mb=4 && modprobe st_rs && modprobe sg_rs"
H=$(emu_host)
TL=$H:0:0:0
check "the tape gets its nodes" wait_for 30 tape_nodes
udevadm settle -t 60
S=$(st_of $TL)
N=${S#st}
ST=/dev/$S NST=/dev/n$S
export NST
echo "# tape $TL: $ST $NST"
lsscsi -g | sed 's/^/# /'
mm() { stat -c '%t:%T' "$1"; }
m0=$(printf '%x' $((N & 31 | (N & ~31) << 3)))
check "$ST is 9:$m0, n$S 9:+128, ${S}l +32, ${S}m +64, ${S}a +96, n${S}a +224 (as the C st)" \
	bash -c "[ $(mm $ST) = 9:$m0 ] && [ $(mm $NST) = 9:$(printf '%x' $((0x$m0 + 128))) ] &&
		[ $(mm ${ST}l) = 9:$(printf '%x' $((0x$m0 + 32))) ] && [ $(mm ${ST}m) = 9:$(printf '%x' $((0x$m0 + 64))) ] &&
		[ $(mm ${ST}a) = 9:$(printf '%x' $((0x$m0 + 96))) ] && [ $(mm ${NST}a) = 9:$(printf '%x' $((0x$m0 + 224))) ]"
check "/proc/devices lists character major 9 as st" grep -qx ' *9 st' /proc/devices
check "scsi_tape class: eight devices below the SCSI device, the 'tape' link to $S" \
	bash -c "[ \$(ls /sys/bus/scsi/devices/$TL/scsi_tape | wc -l) = 8 ] &&
		[ \$(basename \$(readlink /sys/bus/scsi/devices/$TL/tape)) = $S ] &&
		[ \$(readlink -f /sys/class/scsi_tape/$S/device) = \$(readlink -f /sys/bus/scsi/devices/$TL) ]"
check "class attributes: $S defined 1, ${S}l defined 0, options, default_blksize -1" \
	bash -c "[ \$(cat /sys/class/scsi_tape/$S/defined) = 1 ] && [ \$(cat /sys/class/scsi_tape/${S}l/defined) = 0 ] &&
		grep -qx '0x[0-9a-f]*' /sys/class/scsi_tape/$S/options && [ \$(cat /sys/class/scsi_tape/n$S/default_blksize) = -1 ]"
check "lsscsi names $ST for the tape" bash -c "lsscsi | grep -E '^\[$TL\] +tape ' | grep -q '$ST *\$'"

mtst >/tmp/mt
sed 's/^/# /' /tmp/mt
check "mt status: SCSI 2 tape drive, file 0 block 0, variable blocks, BOT ONLINE" \
	bash -c "grep -q 'SCSI 2 tape drive' /tmp/mt && grep -q 'File number=0, block number=0, partition=0' /tmp/mt &&
		grep -q 'Tape block size 0 bytes' /tmp/mt && grep -q 'BOT ONLINE' /tmp/mt"
run mt -f $NST status 3<$NST
check "exclusive: a second open is refused (EBUSY)" \
	bash -c "[ $RC -ne 0 ] && echo '$ERR' | grep -q 'Device or resource busy'"

# --- A tar session: two archives as two files ---
rm -rf /tmp/t1 /tmp/t2 /tmp/o1 /tmp/o2 /tmp/t3 /tmp/o3
mkdir -p /tmp/t1/sub /tmp/t2 /tmp/t3 /tmp/o1 /tmp/o2 /tmp/o3
head -c 70000 /dev/urandom >/tmp/t1/a.bin
head -c 12345 /dev/urandom >/tmp/t1/sub/b.bin
echo "first archive" >/tmp/t1/sub/c.txt
head -c 33333 /dev/urandom >/tmp/t2/d.bin
echo "third archive" >/tmp/t3/e.txt
check "tar cf $NST (first archive); the filemark at close: file 1 block 0" \
	bash -c "tar cf $NST -C /tmp/t1 . && mt -f $NST status | grep -q 'File number=1, block number=0'"
check "tar cf $NST (second archive): file 2" \
	bash -c "tar cf $NST -C /tmp/t2 . && mt -f $NST status | grep -q 'File number=2, block number=0'"
check "mt rewind: file 0 block 0, BOT" bash -c "mt -f $NST rewind && at 0 0 && mtst | grep -q BOT"
check "tar xf $NST: the first archive matches" \
	bash -c "tar xf $NST -C /tmp/o1 && diff -r /tmp/t1 /tmp/o1"
check "mt rewind; mt fsf 1 (file 1 block 0); tar xf: the second archive matches" \
	bash -c "mt -f $NST rewind && mt -f $NST fsf 1 && at 1 0 && tar xf $NST -C /tmp/o2 && diff -r /tmp/t2 /tmp/o2"
check "mt fsr 2, bsr 1: block 2, then 1" \
	bash -c "mt -f $NST rewind && mt -f $NST fsr 2 && at 0 2 && mt -f $NST bsr 1 && at 0 1"
check "mt bsf 1 from file 1: file 0, block unknown (-1)" \
	bash -c "mt -f $NST rewind && mt -f $NST fsf 1 && mt -f $NST bsf 1 && at 0 -1"
check "mt eod: file 2 (after both archives), EOD" \
	bash -c "mt -f $NST eod && mtst | grep -q 'File number=2,' && mtst | grep -q EOD"
check "a third archive appended at the end, read back after fsf 2" \
	bash -c "tar cf $NST -C /tmp/t3 . && mt -f $NST rewind && mt -f $NST fsf 2 && tar xf $NST -C /tmp/o3 && diff -r /tmp/t3 /tmp/o3"
check "mt tell after rewind: block 0; mt seek 3 and tell: block 3" \
	bash -c "mt -f $NST rewind && mt -f $NST tell | grep -q 'At block 0' && mt -f $NST seek 3 && mt -f $NST tell | grep -q 'At block 3'"
check "$ST rewinds at close (dd of one record): back at BOT" \
	bash -c "mt -f $NST fsf 1 && dd if=$ST of=/dev/null bs=10240 count=1 status=none && at 0 0"
check "reading to the end of a file returns what was written, then 0 (tar's 10 KiB records)" \
	bash -c "[ \$(dd if=$NST bs=10240 status=none | wc -c) = \$(tar cf - -C /tmp/t1 . | wc -c) ] && at 1 0"

# --- Fixed block mode with dd ---
head -c 262144 /dev/urandom >/tmp/fixed
check "mt setblk 512: mt status shows 512-byte blocks" \
	bash -c "mt -f $NST rewind && mt -f $NST setblk 512 && mtst | grep -q 'Tape block size 512 bytes'"
check "dd 256 KiB in 4 KiB writes, rewind, read back in 64 KiB reads: same bytes" \
	bash -c "dd if=/tmp/fixed of=$NST bs=4096 status=none && mt -f $NST rewind &&
		dd if=$NST bs=65536 count=4 status=none | cmp -s - /tmp/fixed"
check "fixed mode: a read not of whole blocks fails (EINVAL)" \
	bash -c "mt -f $NST rewind; ! dd if=$NST of=/dev/null bs=1000 count=1 status=none 2>/tmp/e; grep -q 'Invalid argument' /tmp/e"
check "mt setblk 0: variable again" bash -c "mt -f $NST setblk 0 && mtst | grep -q 'Tape block size 0 bytes'"

# --- st_edge ---
st_edge $NST >/tmp/edge 2>&1
edge_rc=$?
grep -v '^ok' /tmp/edge | sed 's/^/# /'
check "st_edge: bad pointers, unknown ops, short reads, fixed mode, SG_IO, filter ($(grep -c '^ok' /tmp/edge) passed)" \
	test $edge_rc = 0
check "sg_inq and sg_turs through $NST (SG_IO on the tape node)" \
	bash -c "sg_inq $NST | grep -q 'Vendor identification: Linux' && sg_turs $NST"

# --- The end of the medium ---
check "writing 64 KiB records to the 4 MiB tape ends with ENOSPC" \
	bash -c "mt -f $NST rewind; ! dd if=/dev/zero of=$NST bs=65536 status=none 2>/tmp/e; grep -q 'No space left on device' /tmp/e"
check "mt status at the end: EOT" bash -c "mtst | grep -q EOT"
check "after rewind the first records read back (no oops, data intact)" \
	bash -c "mt -f $NST rewind && [ \$(dd if=$NST bs=65536 count=2 status=none | wc -c) = 131072 ]"

# --- Unload and load ---
check "mt offline: no medium (DR_OPEN), a blocking open gets ENOMEDIUM" \
	bash -c "mt -f $NST offline && mtst | grep -q DR_OPEN && ! dd if=$NST of=/dev/null count=1 2>/tmp/e; grep -q 'No medium found' /tmp/e"
check "mt load: online at BOT again" bash -c "mt -f $NST load && at 0 0 && mtst | grep -q ONLINE"

# --- Garbage ioctls (tests/tools/ioctl_sweep) on the tape node ---
log_mark
timeout 600 ioctl_sweep $NST 11 >/tmp/sweep 2>&1
sweep_rc=$?
cut -c1-400 /tmp/sweep | sed 's/^/# /'
check "ioctl_sweep on $NST: every call answered, no oops" \
	bash -c "[ $sweep_rc = 0 ] && ! dmesg | grep -Eq 'BUG|WARNING|Oops|general protection'"
mt -f $NST load 2>/dev/null
mt -f $NST setblk 0 2>/dev/null
mt -f $NST rewind 2>/dev/null

# --- Module pinning and hot removal ---
SGT=/dev/$(basename "$(readlink /sys/bus/scsi/devices/$TL/generic)")
exec 3<$NST
exec 4<>$SGT
run rmmod st_rs
check "rmmod st_rs while $NST is open: busy" bash -c "[ $RC -ne 0 ] && is_loaded st_rs"
log_mark
echo 1 >/sys/bus/scsi/devices/$TL/delete
check "the device is deleted while $NST and $SGT are open: nodes go" bash -c "! [ -e /sys/bus/scsi/devices/$TL ] && ! [ -e /sys/class/scsi_tape/$S ] && ! [ -e /sys/class/scsi_generic/${SGT#/dev/} ]"
run sg_turs /proc/self/fd/4
check "opening the deleted sg node again (through /proc/self/fd) fails cleanly" bash -c "[ $RC -ne 0 ]"
exec 3<&-
exec 4<&-
check "closing the orphaned files: no oops" bash -c "! dmesg | grep -Eq 'BUG|WARNING|Oops'"
echo '- - -' >/sys/class/scsi_host/host$H/scan
check "a rescan brings the tape and its nodes back" wait_for 30 tape_nodes
udevadm settle -t 60

check "everything unloads" unload_all

# --- The same session on st_rs and on the C st ---
# Position and status bits after each step, on a fresh emulated tape under
# each stack. IM_REP_EN is left out: the C driver sets it for its
# write-behind, which st_rs does not do. So is "load": after it the C st
# reports file and block -1 until a rewind, st_rs reads the position (BOT).
session() {
	local t=$1 op
	for op in "rewind" "" "tar1" "tar2" "rewind" "fsf 1" "fsr 1" "bsf 1" "eod" "rewind" \
		"setblk 512" "setblk 0" "weof 2" "bsr 1" "offline"; do
		case "$op" in
		"") ;;
		tar1) tar cf $t -C /tmp/t1 . ;;
		tar2) tar cf $t -C /tmp/t2 . ;;
		*) mt -f $t $op ;;
		esac
		echo "[$op] rc=$? $(mt -f $t status 2>&1 | grep -E 'File number|block size|status bits|^ ' |
			sed 's/IM_REP_EN//; s/ (.*)//' | tr '\n' ' ' | sed 's/  */ /g; s/ $//')"
	done
}
modprobe scsi_emu_rs luns=tape tape_size_mb=4 && modprobe st_rs
H=$(emu_host)
TL=$H:0:0:0
wait_for 30 tape_nodes
udevadm settle -t 60
session /dev/n$(st_of $TL) >/tmp/sess.rs
unload_all
modprobe scsi_emu_c luns=tape tape_size_mb=4 && modprobe st
c_host() { ls /sys/devices/scsi_emu_c 2>/dev/null | sed -n 's/^host//p' | head -n1 | grep .; }
H=$(c_host)
TL=$H:0:0:0
wait_for 30 tape_nodes
udevadm settle -t 60
session /dev/n$(st_of $TL) >/tmp/sess.c
mt -f /dev/n$(st_of $TL) load
sed 's/^/# st_rs: /' /tmp/sess.rs
diff /tmp/sess.c /tmp/sess.rs | sed 's/^/# diff C st vs st_rs: /'
check "the same mt/tar session on the C st: same positions, status bits and results" \
	cmp -s /tmp/sess.c /tmp/sess.rs
c_unload() {
	local m try
	for m in st scsi_emu_c scsi_mod; do
		for try in 1 2 3; do
			is_loaded $m || break
			udevadm settle -t 60
			rmmod $m 2>/dev/null && break
			sleep 1
		done
	done
	! is_loaded st && ! is_loaded scsi_emu_c && ! is_loaded scsi_mod && unload_all
}
check "st, scsi_emu_c and scsi_mod unload" c_unload

LEAKS=$(kmemleak_report)
if [ -n "$LEAKS" ]; then
	echo "$LEAKS" | head -40 | sed 's/^/# /'
fi
check "kmemleak finds nothing" test -z "$LEAKS"
ktap_finished
