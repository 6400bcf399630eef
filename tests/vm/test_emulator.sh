#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulated host adapter scsi_emu_rs: a disk, a CD-ROM drive and a tape
# drive behind our core, seen through sd_mod_rs and sg_rs with lsscsi and
# sg3_utils; disk I/O with checksums; tape commands through sg_raw; the CD
# tray; a CD image made with xorriso, read back and mounted (sr_mod_rs);
# fault injection through the module parameters (a dropped command timed
# out and aborted by the core, a failing abort escalated to a LUN reset,
# every step failing taking the device offline, BUSY and TASK SET FULL
# retried, injected medium errors, delayed completions); a LUN reset;
# module pinning; rmmod with a dropped command in flight; bad parameters;
# kmemleak.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 80

P=/sys/module/scsi_emu_rs/parameters
emu_host() { ls /sys/devices/scsi_emu_rs 2>/dev/null | sed -n 's/^host//p' | head -n1 | grep .; }
sg_of() { basename "$(readlink "/sys/bus/scsi/devices/$1/generic")" 2>/dev/null | grep '^sg'; }
blk_of() { ls "/sys/bus/scsi/devices/$1/block/" 2>/dev/null | head -n1 | grep .; }
# rmmod, giving udev (blkid, cdrom_id) time to close what it opened.
rmmod_settled() {
	local i
	for i in 1 2 3 4 5; do
		udevadm settle
		rmmod "$1" 2>/dev/null && return 0
		sleep 1
	done
	return 1
}
# Milliseconds since boot (busybox date has no %N).
ms() {
	local u
	read -r u _ </proc/uptime
	echo $((${u%.*} * 1000 + 10#${u#*.} * 10))
}
stamp() { echo "# [$(cut -d' ' -f1 /proc/uptime)] $*"; }
emu_nodes() { sg_of $DL && sg_of $CL && { [ -z "$TL" ] || sg_of $TL; } && blk_of $DL; }

unload_all
kmemleak_clear
log_mark

# --- Bad parameters are refused ---
run modprobe scsi_emu_rs sector_size=1000
check "sector_size=1000 is refused" \
	bash -c "[ $RC -ne 0 ] && [ ! -e /sys/module/scsi_emu_rs ] && dmesg | grep -q 'sector_size=1000 is not'"
run modprobe scsi_emu_rs luns=disk,floppy
check "luns=disk,floppy is refused" \
	bash -c "[ $RC -ne 0 ] && dmesg | grep -q 'unknown kind \"floppy\"'"
run modprobe scsi_emu_rs cd_image=/nonexistent.iso
check "a missing cd_image is refused" bash -c "[ $RC -ne 0 ] && dmesg | grep -q 'cannot read cd_image'"
modprobe -r scsi_mod_rs 2>/dev/null
run modprobe scsi_emu_rs num_hosts=8 num_targets=16 luns=disk
check "num_hosts=8 num_targets=16 luns=disk (2048 MiB of media) is refused with its message" \
	bash -c "[ $RC -ne 0 ] && [ ! -e /sys/module/scsi_emu_rs ] && dmesg | grep -q 'num_targets=16 x luns=\"disk\" .*need 2048 MiB of media, more than 1024 MiB'"
modprobe -r scsi_mod_rs 2>/dev/null

# --- Several targets ---
types_of() {
	local h t
	h=$(emu_host) || return 1
	for t in 0:0 0:1 1:0 1:1; do cat /sys/bus/scsi/devices/$h:0:$t/type 2>/dev/null || return 1; done | tr -d '\n'
}
four_luns() { [ "$(types_of)" = 0101 ]; }
modprobe scsi_emu_rs num_targets=2 luns=disk,tape
check "num_targets=2 luns=disk,tape: H:0:0:0, H:0:0:1, H:0:1:0, H:0:1:1 of types 0, 1, 0, 1" wait_for 30 four_luns
H=$(emu_host)
check "... and nothing more (no target 2)" \
	bash -c "[ ! -e /sys/bus/scsi/devices/$H:0:2:0 ] && [ \$(ls /sys/bus/scsi/devices | grep -c '^$H:') = 4 ]"
unload_all

# --- Load: three devices of the right types ---
check "modprobe scsi_emu_rs luns=disk,cdrom,tape, sd_mod_rs and sg_rs" \
	bash -c "modprobe scsi_emu_rs luns=disk,cdrom,tape && modprobe sd_mod_rs && modprobe sg_rs"
H=$(emu_host)
check "host$H sits below /sys/devices/scsi_emu_rs" \
	bash -c "[ -n '$H' ] && [ \$(readlink -f /sys/class/scsi_host/host$H) = /sys/devices/scsi_emu_rs/host$H/scsi_host/host$H ] &&
		[ \$(cat /sys/class/scsi_host/host$H/proc_name) = scsi_emu_rs ]"
DL=$H:0:0:0 CL=$H:0:0:1 TL=$H:0:0:2
wait_for 30 emu_nodes
stamp "devices there"
udevadm settle -t 60
stamp "udev settled"
lsscsi -g | sed 's/^/# /'
check "lsscsi shows the disk, the CD-ROM drive and the tape drive" \
	bash -c "lsscsi | grep -Eq '^\[$DL\] +disk +Linux +scsi_rs disk' &&
		lsscsi | grep -Eq '^\[$CL\] +cd/dvd +Linux +scsi_rs cdrom' &&
		lsscsi | grep -Eq '^\[$TL\] +tape +Linux +scsi_rs tape'"
check "peripheral device types 0, 5 and 1 in sysfs" \
	bash -c "[ \$(cat /sys/bus/scsi/devices/$DL/type) = 0 ] && [ \$(cat /sys/bus/scsi/devices/$CL/type) = 5 ] &&
		[ \$(cat /sys/bus/scsi/devices/$TL/type) = 1 ]"
SGD=/dev/$(sg_of $DL) SGC=/dev/$(sg_of $CL) SGT=/dev/$(sg_of $TL) D=/dev/$(blk_of $DL)
echo "# disk $D $SGD, cdrom $SGC, tape $SGT"

# --- The disk ---
check "sg_inq on the disk's sg node: Linux, scsi_rs disk" \
	bash -c "sg_inq $SGD | grep -q 'Vendor identification: Linux' && sg_inq $SGD | grep -q 'Product identification: scsi_rs disk'"
check "sg_readcap: 32768 blocks of 512 bytes (dev_size_mb=16)" \
	bash -c "sg_readcap $SGD | grep -q 'Number of logical blocks=32768' && sg_readcap $SGD | grep -q 'Logical block length=512 bytes'"
check "sg_vpd: serial number, designators and block limits pages" \
	bash -c "sg_vpd -p sn $SGD | grep -q 'Unit serial number: [0-9a-f]' && sg_vpd -p di $SGD | grep -qi 'designator' &&
		sg_vpd -p bl $SGD | grep -qi 'Maximum transfer length'"
check "$D is 16 MiB" test "$(blockdev --getsize64 $D)" = 16777216
stamp "disk checks done"
head -c 4194304 /dev/urandom >/tmp/rnd
stamp "random data made"
check "dd writes 4 MiB of random data to $D and reads it back intact" \
	bash -c "dd if=/tmp/rnd of=$D bs=64k oflag=direct status=none && dd if=$D bs=64k count=64 iflag=direct status=none | cmp -s - /tmp/rnd"
check "the data survives dropping the page cache (buffered read)" \
	bash -c "echo 3 >/proc/sys/vm/drop_caches && [ \$(head -c 4194304 $D | sha256sum | cut -c1-64) = \$(sha256sum </tmp/rnd | cut -c1-64) ]"

stamp "disk I/O done"
# --- The tape ---
check "sg_turs on the tape: ready (cartridge loaded)" sg_turs $SGT
check "sg_raw READ BLOCK LIMITS: 1 to 0xffffff bytes" \
	bash -c "sg_raw -r 6 -o /tmp/rbl $SGT 05 00 00 00 00 00 2>/dev/null && [ \$(od -An -tx1 /tmp/rbl | tr -d ' \n') = 00ffffff0001 ]"
check "sg_raw REWIND" sg_raw $SGT 01 00 00 00 00 00
head -c 512 /dev/urandom >/tmp/rec
check "sg_raw WRITE(6) of a 512-byte record, WRITE FILEMARKS of one filemark" \
	bash -c "sg_raw -s 512 -i /tmp/rec $SGT 0a 00 00 02 00 00 && sg_raw $SGT 10 00 00 00 01 00"
check "READ POSITION: at logical object 2" \
	bash -c "sg_raw -r 20 -o /tmp/pos $SGT 34 00 00 00 00 00 00 00 00 00 2>/dev/null && [ \$(od -An -tx1 -j4 -N4 /tmp/pos | tr -d ' \n') = 00000002 ]"
check "REWIND, READ(6) gives the record back" \
	bash -c "sg_raw $SGT 01 00 00 00 00 00 && sg_raw -r 512 -o /tmp/rec.back $SGT 08 00 00 02 00 00 2>/dev/null && cmp /tmp/rec /tmp/rec.back"
check "the next READ(6) reports the filemark" \
	bash -c "sg_raw -r 512 $SGT 08 00 00 02 00 00 2>&1 | grep -qi 'filemark'"

# --- The CD-ROM drive ---
check "sg_turs on the CD-ROM drive: ready (a disc is loaded)" sg_turs $SGC
check "sg_readcap on the CD: 2048 blocks of 2048 bytes (cd_size_mb=4)" \
	bash -c "sg_readcap $SGC | grep -q 'Number of logical blocks=2048' && sg_readcap $SGC | grep -q 'Logical block length=2048 bytes'"
# The CD-ROM layer closes an open tray when a program opens the drive (udev
# does on every media change): test the tray with sr_mod_rs out of the way.
# Whatever the CD-ROM layer left locked is unlocked first, as eject(1) does.
rmmod_settled sr_mod_rs
sg_prevent --allow $SGC >/dev/null 2>&1 || sg_prevent --allow $SGC
sg_start --eject $SGC
sg_raw $SGC 00 00 00 00 00 00 >/tmp/tur 2>&1
RC=$?
sed 's/^/# /' /tmp/tur
check "after sg_start --eject: NOT READY, medium not present - tray open" \
	bash -c "[ $RC -ne 0 ] && grep -qi 'not ready' /tmp/tur && grep -qi 'tray open' /tmp/tur"
sg_start --load $SGC >/dev/null 2>&1
check "after sg_start --load the drive becomes ready again" wait_for 10 sg_turs $SGC

# --- LUN reset ---
log_mark
check "sg_reset -d on the disk reaches the adapter" \
	bash -c "sg_reset -d $SGD && dmesg | grep -q 'host$H: LUN reset of 0:0:0'"
run sg_turs $SGD
check "the disk reports the reset (UNIT ATTENTION) once, then is ready" \
	bash -c "[ $RC -ne 0 ] && sg_turs $SGD"

# --- Fault injection: a dropped command ---
echo 5 >/sys/bus/scsi/devices/$DL/timeout
echo 0 >$P/fault_lun
tmo0=$(cat /sys/bus/scsi/devices/$DL/iotmo_cnt)
log_mark
echo 1 >$P/drop_nth
t0=$(ms)
check "a read whose command is dropped still ends (dd returns)" \
	timeout 120 dd if=$D of=/tmp/drop bs=4096 skip=10 count=1 iflag=direct status=none
t1=$(ms)
log_since | grep -E 'scsi_emu_rs|timed out|abort' | sed 's/^/# /'
check "it took the device timeout (5 s) and was aborted by the core" \
	bash -c "[ $((t1 - t0)) -ge 4500 ] && dmesg | grep -q 'command 0x28 timed out; aborting it' &&
		dmesg | grep -q 'dropping command 0x28' && dmesg | grep -q 'command 0x28 aborted'"
check "the retried read returned the right data; iotmo_cnt counted it" \
	bash -c "dd if=/tmp/rnd bs=4096 skip=10 count=1 status=none | cmp -s - /tmp/drop &&
		[ \$(( \$(cat /sys/bus/scsi/devices/$DL/iotmo_cnt) )) -gt $((tmo0)) ]"
check "the disk still works after the abort" \
	bash -c "sg_turs $SGD && dd if=$D bs=64k count=64 iflag=direct status=none | cmp -s - /tmp/rnd"

# --- Error handler escalation (eh_fail: the adapter fails aborts and resets) ---
echo 2 >/sys/bus/scsi/devices/$DL/timeout
# eh_steps VERB: the steps the adapter logged as "VERB a(n) STEP" since the
# mark, in order (failing: eh_fail; reporting: eh_lie).
eh_steps() { dmesg | grep -o -E "$1 an? (abort|LUN reset|target reset|host reset)" | sed "s/^$1 an* //" | tr '\n' , | sed 's/,$//'; }
# every_step VERB HOW PARAM EXPIRIES: every step was taken once, in order,
# the host reset (HOW) dropped the held command, PARAM is used up, and the
# core took the device offline after EXPIRIES expiries.
every_step() {
	[ "$(eh_steps $1)" = "abort,LUN reset,target reset,host reset" ] &&
		dmesg | grep -q "host reset of 0:0:0 $2; 1 held commands dropped" &&
		dmesg | grep -q 'error recovery failed; device offlined' &&
		dmesg | grep -q 'command 0x28 ended with an error' &&
		[ "$(cat /sys/bus/scsi/devices/$DL/state)" = offline ] && [ "$(cat $P/$3)" = 0 ] &&
		[ $(($(cat /sys/bus/scsi/devices/$DL/iotmo_cnt))) -eq $((tmo0 + $4)) ]
}
abort_then_lun_reset() {
	[ "$(eh_steps failing)" = abort ] &&
		dmesg | grep -q 'abort did not end command 0x28; LUN reset' &&
		dmesg | grep -q "host$H: LUN reset of 0:0:0: 1 held commands ended"
}
log_mark
echo 1 >$P/eh_fail
echo 1 >$P/drop_nth
check "a dropped read whose abort fails still ends (dd returns)" \
	timeout 60 dd if=$D of=/tmp/drop bs=4096 skip=11 count=1 iflag=direct status=none
log_since | grep -E 'scsi_emu_rs|timed out|abort|reset|offline' | sed 's/^/# /'
check "the abort failed; the LUN reset after it gave the command back" abort_then_lun_reset
check "the retried read returned the right data; eh_fail is used up" \
	bash -c "dd if=/tmp/rnd bs=4096 skip=11 count=1 status=none | cmp -s - /tmp/drop && [ \$(cat $P/eh_fail) = 0 ]"
tmo0=$(cat /sys/bus/scsi/devices/$DL/iotmo_cnt)
log_mark
echo 4 >$P/eh_fail
echo 1 >$P/drop_nth
run timeout 60 dd if=$D of=/tmp/drop bs=4096 skip=12 count=1 iflag=direct status=none
echo "# dd: exit $RC: $ERR"
log_since | grep -E 'scsi_emu_rs|timed out|abort|reset|offline|error' | sed 's/^/# /'
check "abort, LUN, target and host reset all failing: the read ends with an I/O error" \
	test $RC -ne 0 -a $RC -ne 124 -a -n "$(echo "$ERR" | grep -i 'input/output error')"
check "each step was asked for once, in order, at the one expiry; the device went offline" \
	every_step failing "(fault injection)" eh_fail 1
check "the offline device fails I/O at once" \
	bash -c "! timeout 10 dd if=$D of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null"
echo running >/sys/bus/scsi/devices/$DL/state
check "state set to running again: the disk works, its data intact" \
	bash -c "sg_turs $SGD && dd if=$D bs=64k count=64 iflag=direct status=none | cmp -s - /tmp/rnd"
# eh_lie: the adapter reports every step done and never gives the command
# back. Each step waits one expiry for it; after the host reset's the core
# ends it itself and takes the device offline.
tmo0=$(cat /sys/bus/scsi/devices/$DL/iotmo_cnt)
log_mark
echo 4 >$P/eh_lie
echo 1 >$P/drop_nth
t0=$(ms)
run timeout 90 dd if=$D of=/tmp/drop bs=4096 skip=13 count=1 iflag=direct status=none
t1=$(ms)
echo "# dd: exit $RC after $((t1 - t0)) ms: $ERR"
log_since | grep -E 'scsi_emu_rs|timed out|abort|reset|offline|error' | sed 's/^/# /'
check "abort, LUN, target and host reset all reported done, the command never back: the read ends with an I/O error" \
	test $RC -ne 0 -a $RC -ne 124 -a -n "$(echo "$ERR" | grep -i 'input/output error')"
lied_to_the_end() {
	[ $((t1 - t0)) -ge 9000 ] && every_step reporting "done without doing it (fault injection)" eh_lie 5
}
check "each step waited one expiry for it (five of 2 s); after the host reset's the device went offline" \
	lied_to_the_end
echo running >/sys/bus/scsi/devices/$DL/state
check "state set to running again: the disk works, its data intact" \
	bash -c "sg_turs $SGD && dd if=$D bs=64k count=64 iflag=direct status=none | cmp -s - /tmp/rnd"
echo 5 >/sys/bus/scsi/devices/$DL/timeout

# --- BUSY and TASK SET FULL are retried ---
n0=$(($(cat /sys/bus/scsi/devices/$DL/iorequest_cnt)))
echo 3 >$P/busy
check "three BUSY answers are retried to success" \
	bash -c "dd if=$D bs=4096 skip=20 count=1 iflag=direct status=none | cmp -s - <(dd if=/tmp/rnd bs=4096 skip=20 count=1 status=none)"
n1=$(($(cat /sys/bus/scsi/devices/$DL/iorequest_cnt)))
check "the adapter saw the retries (iorequest_cnt +$((n1 - n0)), at least 4)" test $((n1 - n0)) -ge 4
echo 2 >$P/task_set_full
check "two TASK SET FULL answers are retried to success" \
	bash -c "dd if=$D bs=4096 skip=30 count=1 iflag=direct status=none | cmp -s - <(dd if=/tmp/rnd bs=4096 skip=30 count=1 status=none)"
n2=$(($(cat /sys/bus/scsi/devices/$DL/iorequest_cnt)))
check "the adapter saw those retries too (iorequest_cnt +$((n2 - n1)), at least 3)" test $((n2 - n1)) -ge 3
check "the queue depth is still at least 1" test "$(cat /sys/bus/scsi/devices/$DL/queue_depth)" -ge 1

# --- Injected CHECK CONDITION ---
log_mark
echo 0x28 >$P/fail_opcode
echo 3,11,0 >$P/fail_sense
echo 1 >$P/every_nth
run dd if=$D of=/dev/null bs=4096 skip=40 count=1 iflag=direct status=none
check "every_nth=1 fail_opcode=0x28: the read fails with a medium error" \
	bash -c "[ $RC -ne 0 ] && dmesg | grep -q 'command 0x28 failed: status 0x02, sense key 0x3 asc 0x11 ascq 0x00'"
check "fail_sense reads back as written" test "$(cat $P/fail_sense)" = 3,11,0
check "a bad fail_sense is refused" bash -c "! echo 3,1x1 >$P/fail_sense 2>/dev/null && [ \$(cat $P/fail_sense) = 3,11,0 ]"
check "TEST UNIT READY is not an 0x28: it passes" sg_turs $SGD
echo 0 >$P/every_nth
check "every_nth=0: reads work again" \
	bash -c "dd if=$D bs=64k count=64 iflag=direct status=none | cmp -s - /tmp/rnd"

# --- Write zeroes: WRITE SAME, and the fallback when the device rejects it ---
SDC=/sys/class/scsi_disk/$DL WZ=/sys/block/${D#/dev/}/queue/write_zeroes_max_bytes
zeroes_256k_at() { dd if=$D bs=256k skip=$1 count=1 iflag=direct status=none | cmp -s - <(head -c 262144 /dev/zero); }
export D
export -f zeroes_256k_at
dd if=/tmp/rnd of=$D bs=64k oflag=direct status=none
check "write zeroes through WRITE SAME(16) (REPORT SUPPORTED OPERATION CODES lists it): blkdiscard -z zeroes 256 KiB" \
	bash -c "[ \$(cat $WZ) -gt 0 ] && [ \$(cat $SDC/zeroing_mode) = writesame ] && blkdiscard -z -o 0 -l 262144 $D && zeroes_256k_at 0"
log_mark
echo 0x93 >$P/fail_opcode
echo 5,20,0 >$P/fail_sense
echo 1 >$P/every_nth
run blkdiscard -z -o 262144 -l 262144 $D
echo 0 >$P/every_nth
said=$(log_since | grep -c 'write zeroes not supported by the device: disabled')
check "WRITE SAME(16) rejected (ILLEGAL REQUEST, invalid opcode): blkdiscard -z still zeroes, by writing zeroes" \
	bash -c "[ $RC = 0 ] && zeroes_256k_at 1 && [ $said = 1 ]"
check "write zeroes stays off: write_zeroes_max_bytes 0, max_write_same_blocks 0, also after a rescan" \
	bash -c "[ \$(cat $WZ) = 0 ] && [ \$(cat $SDC/max_write_same_blocks) = 0 ] && echo 1 >/sys/bus/scsi/devices/$DL/rescan && [ \$(cat $WZ) = 0 ]"
check "max_write_same_blocks 128 turns it on again: blkdiscard -z of 256 KiB works (four commands)" \
	bash -c "echo 128 >$SDC/max_write_same_blocks && [ \$(cat $WZ) = 65536 ] && blkdiscard -z -o 524288 -l 262144 $D && zeroes_256k_at 2"
check "the data around the zeroed ranges is intact" \
	bash -c "dd if=$D bs=64k skip=12 count=52 iflag=direct status=none | cmp -s - <(dd if=/tmp/rnd bs=64k skip=12 count=52 status=none)"
echo 3,11,0 >$P/fail_sense
echo 0x28 >$P/fail_opcode

# --- REPORTED LUNS DATA HAS CHANGED: the core rescans the target ---
# LUN 1 is deleted through sysfs; then LUN 0 answers one TEST UNIT READY
# with UNIT ATTENTION 3F/0E, and the target's rescan finds LUN 1 again.
echo 1 >/sys/bus/scsi/devices/$CL/delete
check "LUN 1 (the CD-ROM drive) is deleted through sysfs" \
	wait_for 10 bash -c "! [ -e /sys/bus/scsi/devices/$CL ]"
log_mark
# (fault_lun is 0 already: writing it would re-apply drop_nth and busy.)
echo 0x00 >$P/fail_opcode
echo 6,3f,e >$P/fail_sense
echo 1 >$P/every_nth
run sg_turs $SGD
ua_rc=$RC
echo 0 >$P/every_nth
echo 0x28 >$P/fail_opcode
lun1_back() { [ $ua_rc -ne 0 ] && [ -e /sys/bus/scsi/devices/$CL ]; }
check "UNIT ATTENTION 3F/0E on LUN 0: the core rescans the target and LUN 1 is back" \
	wait_for 30 lun1_back
udevadm settle -t 60

# --- Delayed completions ---
# A read of the disk is held for 3 s; the tape's TEST UNIT READY, sent
# meanwhile, is not (fault_lun=0) and is not held up behind it.
echo 3000 >$P/delay_ms
t0=$(ms)
dd if=$D of=/dev/null bs=4096 skip=50 count=1 iflag=direct status=none &
ddp=$!
sleep 0.3
t1=$(ms)
sg_turs $SGT
r=$?
t2=$(ms)
wait $ddp
t3=$(ms)
echo 0 >$P/delay_ms
check "delay_ms=3000 delays a read by 3 s or more ($((t3 - t0)) ms)" test $((t3 - t0)) -ge 3000
check "the tape, sent a command meanwhile, answers before it ($((t2 - t1)) ms)" \
	test $r = 0 -a $((t2 - t1)) -lt 2000

# --- Pinning ---
exec 3<"$D"
check "rmmod scsi_emu_rs is refused while $D is open" bash -c "! rmmod scsi_emu_rs 2>/dev/null"
exec 3<&-
check "after the close rmmod scsi_emu_rs succeeds" rmmod_settled scsi_emu_rs
check "its devices and /sys/devices/scsi_emu_rs are gone" \
	bash -c "! ls /sys/bus/scsi/devices | grep -q . && [ ! -e /sys/devices/scsi_emu_rs ]"

# --- A CD image and 4096-byte sectors ---
rm -rf /tmp/cdsrc
mkdir -p /tmp/cdsrc/dir
head -c 300000 /dev/urandom >/tmp/cdsrc/dir/blob
echo "scsi_emu_rs test disc" >/tmp/cdsrc/README.TXT
xorriso -as mkisofs -quiet -V EMUTEST -o /tmp/cd.iso /tmp/cdsrc >/dev/null 2>&1
check "modprobe scsi_emu_rs with sector_size=4096, dev_size_mb=8 and an ISO image" \
	modprobe scsi_emu_rs luns=disk,cdrom sector_size=4096 dev_size_mb=8 cd_image=/tmp/cd.iso
H=$(emu_host)
DL=$H:0:0:0 CL=$H:0:0:1 TL=
wait_for 30 emu_nodes
stamp "devices there"
udevadm settle -t 60
stamp "udev settled"
SGD=/dev/$(sg_of $DL) SGC=/dev/$(sg_of $CL) D=/dev/$(blk_of $DL)
check "sg_readcap: 2048 blocks of 4096 bytes" \
	bash -c "sg_readcap $SGD | grep -q 'Number of logical blocks=2048' && sg_readcap $SGD | grep -q 'Logical block length=4096 bytes'"
check "$D has 4096-byte logical blocks" test "$(blockdev --getss $D)" = 4096
size=$(stat -c %s /tmp/cd.iso)
check "the CD's capacity is the image's ($((size / 2048)) blocks)" \
	bash -c "sg_readcap $SGC | grep -q 'Number of logical blocks=$((size / 2048))'"
check "sg_dd reads the image back from the CD intact" \
	bash -c "sg_dd if=$SGC of=/tmp/cd.back bs=2048 count=$((size / 2048)) 2>/dev/null && cmp /tmp/cd.iso /tmp/cd.back"
modprobe sr_mod_rs
wait_for 30 blk_of $CL
udevadm settle -t 60
SR=/dev/$(blk_of $CL)
mkdir -p /mnt/cd
check "the image mounts from $SR (sr_mod_rs) and its files read back intact" \
	bash -c "mount -t iso9660 -o ro $SR /mnt/cd && cmp /mnt/cd/dir/blob /tmp/cdsrc/dir/blob &&
		[ \"\$(cat /mnt/cd/README.TXT)\" = 'scsi_emu_rs test disc' ]"
check "umount" umount /mnt/cd
check "eject $SR opens the emulated tray: the drive reports no medium" \
	bash -c "eject $SR && ! sg_turs -v $SGC >/tmp/e 2>&1; grep -qi 'not present' /tmp/e"
check "eject -t closes it and the image reads back through $SR" \
	bash -c "eject -t $SR && sleep 1 && dd if=$SR bs=2048 count=$((size / 2048)) status=none | cmp -s - /tmp/cd.iso"

# --- Garbage ioctls (tests/tools/ioctl_sweep) ---
# Every number of the block, sg, SCSI/CD-ROM and tape families with NULL,
# unmapped and random arguments, and SG_IO with random CDBs, on the
# emulated (scratch) disk, its sg node and the CD-ROM drive.
log_mark
SGD=/dev/$(sg_of $DL)
ok=1
for n in $D $SGD $SR; do
	timeout 600 ioctl_sweep $n 7 >/tmp/sweep 2>&1 || ok=0
	cut -c1-400 /tmp/sweep | sed 's/^/# /'
done
check "ioctl_sweep on $D, $SGD and $SR: every call answered, no oops" \
	bash -c "[ $ok = 1 ] && ! dmesg | grep -Eq 'BUG|WARNING|Oops|general protection'"
udevadm settle -t 60

# --- rmmod with a dropped command in flight ---
# A rescan through sysfs waits for sd's commands without opening the
# device, so nothing pins the module: rmmod must give the dropped command
# back at once instead of waiting for the 30 s timeout and the abort.
echo 30 >/sys/bus/scsi/devices/$DL/timeout
echo 0 >$P/fault_lun
log_mark
echo 1 >$P/drop_nth
echo 1 >/sys/bus/scsi/devices/$DL/rescan &
rescan=$!
check "the rescan's first command is dropped" wait_for 10 bash -c "dmesg | grep -q 'dropping command'"
t0=$(ms)
check "with the dropped command in flight rmmod scsi_emu_rs succeeds" rmmod_settled scsi_emu_rs
t1=$(ms)
wait $rescan 2>/dev/null
log_since | grep -E 'scsi_emu_rs|timed out|abort' | sed 's/^/# /'
check "it did not wait for the timeout ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 8000

check "everything unloads" unload_all || lsmod | sed 's/^/# /'
LEAKS=$(kmemleak_report)
if [ -n "$LEAKS" ]; then
	echo "$LEAKS" | head -40 | sed 's/^/# /'
fi
check "kmemleak finds nothing" test -z "$LEAKS"
ktap_finished
