#!/usr/bin/env bash
# Boot the scsi-rs test VM (QEMU, TCG) with a fresh initramfs and fresh media.
#
# Usage:
#   vm.sh --stage STAGE [--kernel-dir KDIR] [--cmd 'CMD'] [--extra DIR] [--tests DIR]
#         [--stack rs|c] [--rundir DIR] [--timeout SECS] [--mem 1G] [--smp 2]
#         [--append 'KERNEL ARGS'] [--qemu-args 'QEMU ARGS']
#   vm.sh --scan-log FILE          only run the kernel-report scanner on FILE
#
#   --kernel-dir KDIR  kernel O= build dir (default: `kernel_dir $KFLAVOR` from env.sh)
#   --stage STAGE      module staging root with lib/modules/<kver>/ (depmod'ed)
#   --cmd 'CMD'        run CMD (bash) in the guest, then power off; vm.sh exits
#                      with its status.  Without --cmd: interactive console
#                      (Ctrl-A x quits QEMU; exiting the shell powers off)
#   --extra DIR        copied to /extra in the guest
#   --tests DIR        copied to /tests in the guest
#   --stack rs|c       which virtio-scsi driver udev may autoload (default rs)
#   --rundir DIR       run directory (default $SCSI_RS_TOP/build/run)
#   --timeout SECS     with --cmd: kill QEMU after SECS (default 900) -> exit 124
#   --mem, --smp       guest RAM (default 1G) and vCPUs (default 2)
#   --append ARGS      extra kernel command-line arguments
#   --qemu-cpus LIST   run QEMU (all its threads) on these host CPUs only
#                      (taskset -c LIST; e.g. 0)
#   --qemu-args ARGS   extra QEMU arguments, appended to the command line
#                      after the built-in devices; split at white space (no
#                      quoting, no globbing); may be given more than once.
#                      E.g. another disk on the controller (ids and scsi-ids
#                      0 and 1 below are taken):
#                        --qemu-args '-blockdev driver=null-co,node-name=null0,size=1G
#                          -device scsi-hd,bus=scsi0.0,scsi-id=2,lun=0,drive=null0,id=scsi-null0'
#                      Files they name are not created or removed by vm.sh.
#
# Exit status: the guest command's status; 124 on timeout; 2 when the guest
# never printed SCSI_RS_EXIT (crash, panic, early power-off); 3 when the
# console log holds a kernel problem report (BUG/WARNING/Oops/KASAN/lockdep/
# hung task/soft lockup/kmemleak/...), whatever the command's status was.
#
# The run directory (recreated every run):
#   console.log      everything the guest printed on ttyS0
#   initramfs.cpio   built by mkinitramfs.sh
#   disk.img         256 MiB raw, zeros   -> scsi-hd, serial RSDISK0001, target 0 LUN 0
#   hot.img          64 MiB raw, zeros: not attached; for hot-plug tests
#                    (hmp drive_add / device_add)
#   cd.iso           ISO 9660, label SCSIRS_CD1, /README.TXT = "scsi-rs test medium 1"
#                                          -> scsi-cd, serial RSCD0001, target 1 LUN 0
#   cd2.iso          same with SCSIRS_CD2 / "scsi-rs test medium 2" (for media change)
#   qmp.sock         QMP monitor, hmp.sock: HMP monitor (free for host-side code)
#   relay.sock, relay-qmp.sock, hmp-relay.log: the guest's monitor channel
# QEMU ids: controller virtio-scsi-pci "scsi0" (bus scsi0.0); drives "disk0",
# "cd0"; devices "scsi-disk0", "scsi-cd0".  The guest sees the run dir's host
# path as scsi_rs.rundir= on the kernel command line and as $SCSI_RS_RUNDIR in
# the --cmd environment, e.g.  hmp change cd0 -f "$SCSI_RS_RUNDIR/cd2.iso"
# (-f: the guest's driver may hold the tray locked).
#
# Inside the guest:
#   hmp CMD...    runs a QEMU HMP command via ttyS1 -> scripts/hmp-relay.py,
#                 e.g. "hmp info block", "hmp device_del scsi-cd0"
#   kselftest:    the kernel's runner helpers are at /kselftest/ (runner.sh,
#                 ktap_helpers.sh, module.sh, prefix.pl), so BASE_DIR=/:
#                   cd /tests && BASE_DIR=/ bash -c '. /kselftest/runner.sh && run_many ./a.sh ./b.sh'
#                 or simply:  ksft-run /tests   (all executables in /tests;
#                 exits 1 if any test is "not ok")
#   users:        root, tester (uid/gid 1000); e.g. setpriv --reuid=1000 --regid=1000 --clear-groups CMD
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
. "$HERE/env.sh"

say() { printf '[vm] %s\n' "$*" >&2; }
die() { printf '[vm] error: %s\n' "$*" >&2; exit 1; }
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2; exit "${1:-2}"; }

# Kernel problem reports.  A line counts when it carries a printk timestamp
# ("[   12.345678] ") and matches REPORT_RE, or anywhere when it is kmemleak's
# "unreferenced object" (printed by /init from debugfs).  "Call Trace:" is not
# a trigger on its own (fault injection prints traces on purpose); it shows up
# in the context printed around a real trigger.
REPORT_RE='BUG:|WARNING:|Oops|general protection fault|KASAN|kernel BUG|possible recursive locking|circular locking dependency|INFO: task .* blocked|soft lockup|hard LOCKUP|unreferenced object|suspected memory leak|UBSAN|Kernel panic|detected stalls'

# scan_log FILE: print every report with context; status 3 if any, else 0.
scan_log() {
	awk -v re="$REPORT_RE" -v before=4 -v after=40 -v maxout=600 -v file="$1" '
	{
		gsub(/\r/, "")
		line[NR] = $0
		hit = 0
		if (match($0, /\[ *[0-9]+\.[0-9]+\] /) && substr($0, RSTART + RLENGTH) ~ re)
			hit = 1
		else if ($0 ~ /unreferenced object 0x/)
			hit = 1
		if (hit) {
			trig[++ntrig] = NR
			istrig[NR] = 1
		}
	}
	END {
		if (ntrig == 0)
			exit 0
		printf "[vm] KERNEL PROBLEM REPORT: %d suspicious line(s) in %s:\n", ntrig, file > "/dev/stderr"
		for (i = 1; i <= ntrig && i <= 20; i++)
			printf "[vm]   line %d: %s\n", trig[i], line[trig[i]] > "/dev/stderr"
		printf "[vm] ---- context ----\n" > "/dev/stderr"
		last = 0; out = 0
		for (i = 1; i <= ntrig; i++) {
			from = trig[i] - before; if (from <= last) from = last + 1; if (from < 1) from = 1
			to = trig[i] + after; if (to > NR) to = NR
			if (from > last + 1 && last > 0)
				print "[vm] ..." > "/dev/stderr"
			for (n = from; n <= to; n++) {
				if (out++ >= maxout) {
					printf "[vm] ... (output cut; see %s)\n", file > "/dev/stderr"
					exit 3
				}
				printf "%6d%s %s\n", n, (n in istrig) ? ">" : "|", line[n] > "/dev/stderr"
			}
			if (to > last) last = to
		}
		printf "[vm] ---- end of reports (full log: %s) ----\n", file > "/dev/stderr"
		exit 3
	}' "$1"
}

KDIR='' STAGE='' CMD='' HAVE_CMD=0 EXTRA='' TESTS='' STACK=rs RUNDIR='' TIMEOUT=900 MEM=1G SMP=2 APPEND=''
QEMU_EXTRA=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel-dir) KDIR=${2:?--kernel-dir needs a directory}; shift 2 ;;
	--stage) STAGE=${2:?--stage needs a directory}; shift 2 ;;
	--cmd) CMD=${2?--cmd needs a command}; HAVE_CMD=1; shift 2 ;;
	--extra) EXTRA=${2:?--extra needs a directory}; shift 2 ;;
	--tests) TESTS=${2:?--tests needs a directory}; shift 2 ;;
	--stack) STACK=${2:?--stack needs rs or c}; shift 2 ;;
	--rundir) RUNDIR=${2:?--rundir needs a directory}; shift 2 ;;
	--timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
	--mem) MEM=${2:?--mem needs a size}; shift 2 ;;
	--smp) SMP=${2:?--smp needs a count}; shift 2 ;;
	--qemu-cpus) QEMU_CPUS=${2:?--qemu-cpus needs a CPU list}; shift 2 ;;
	--append) APPEND=${2?--append needs arguments}; shift 2 ;;
	--qemu-args)
		# -d '': all lines, not only the first (read then returns 1 at EOF).
		read -r -d '' -a qemu_words <<<"${2?--qemu-args needs arguments}" || true
		QEMU_EXTRA+=("${qemu_words[@]}")
		shift 2
		;;
	--scan-log)
		[ -f "${2:-}" ] || die "--scan-log needs an existing file"
		if scan_log "$2"; then say "no kernel problem reports in $2"; exit 0; else exit 3; fi
		;;
	-h | --help) usage 0 ;;
	*) say "unknown argument: $1"; usage ;;
	esac
done

# ---- checks ------------------------------------------------------------
[ -n "$STAGE" ] || die "--stage STAGE is required (module staging root, e.g. from the Makefile's stage target)"
[ -n "$KDIR" ] || KDIR=$(kernel_dir "$KFLAVOR")
BZIMAGE=$KDIR/arch/x86/boot/bzImage
[ -f "$BZIMAGE" ] || die "no kernel image $BZIMAGE (build it with scripts/build-kernel.sh, or pass --kernel-dir)"
[ -f "$KDIR/include/config/kernel.release" ] || die "no $KDIR/include/config/kernel.release"
KVER=$(cat "$KDIR/include/config/kernel.release")
if [ ! -d "$STAGE/lib/modules/$KVER" ]; then
	have=''
	[ -d "$STAGE/lib/modules" ] && have=$(cd "$STAGE/lib/modules" && printf '%s ' *)
	die "no $STAGE/lib/modules/$KVER (stage has: ${have:-nothing}); stage the modules for kernel $KVER"
fi
case "$STACK" in rs | c) ;; *) die "--stack must be 'rs' or 'c', not '$STACK'" ;; esac
if ! [[ "$TIMEOUT" =~ ^[0-9]+$ ]] || [ "$TIMEOUT" -eq 0 ]; then
	die "--timeout wants a positive number of seconds, not '$TIMEOUT'"
fi
[[ "$SMP" =~ ^[0-9]+$ ]] || die "--smp wants a number, not '$SMP'"
missing=()
for t in qemu-system-x86_64 xorriso truncate timeout; do
	command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || true)
[ -n "$PYTHON" ] || missing+=(python3)
[ ${#missing[@]} -eq 0 ] || die "missing host tools: ${missing[*]} (run scripts/setup.sh)"

RUNDIR=${RUNDIR:-$SCSI_RS_TOP/build/run}
mkdir -p "$RUNDIR"
RUNDIR=$(cd "$RUNDIR" && pwd)
case "$RUNDIR" in *[[:space:]]*) die "the run dir path must not contain white space: '$RUNDIR'" ;; esac
# A UNIX socket path must fit in 108 bytes.
[ ${#RUNDIR} -le 90 ] || die "run dir path too long for QEMU's sockets (${#RUNDIR} > 90 chars): $RUNDIR"

# ---- run directory -----------------------------------------------------
rm -f "$RUNDIR"/{console.log,hmp-relay.log,qmp.sock,hmp.sock,relay.sock,relay-qmp.sock,cmd.sh,disk.img,hot.img,cd.iso,cd2.iso,initramfs.cpio}
rm -rf "${RUNDIR:?}/media"

mk_args=(--stage "$STAGE" --out "$RUNDIR/initramfs.cpio" --stack "$STACK")
[ -n "$EXTRA" ] && mk_args+=(--extra "$EXTRA")
[ -n "$TESTS" ] && mk_args+=(--tests "$TESTS")
if [ "$HAVE_CMD" = 1 ]; then
	printf '%s\n' "$CMD" >"$RUNDIR/cmd.sh"
	mk_args+=(--cmd-file "$RUNDIR/cmd.sh")
fi
say "building initramfs"
"$HERE/mkinitramfs.sh" "${mk_args[@]}"

say "creating media in $RUNDIR"
truncate -s 256M "$RUNDIR/disk.img"
truncate -s 64M "$RUNDIR/hot.img"
for n in 1 2; do
	iso=$RUNDIR/cd.iso
	[ "$n" = 1 ] || iso=$RUNDIR/cd$n.iso
	mkdir -p "$RUNDIR/media/cd$n"
	printf 'scsi-rs test medium %s\n' "$n" >"$RUNDIR/media/cd$n/README.TXT"
	if ! xout=$(xorriso -as mkisofs -quiet -r -J -V "SCSIRS_CD$n" -o "$iso" "$RUNDIR/media/cd$n" 2>&1); then
		printf '%s\n' "$xout" >&2
		die "xorriso failed to build $iso"
	fi
done

# ---- QEMU --------------------------------------------------------------
# acpi=noirq: with ACPI IRQ routing, every PCI device (also hot-added ones)
# makes the kernel evaluate the pc machine's _PRT AML loop, which under TCG with
# this KASAN/kmemleak/lockdep kernel runs >30s, ends in AE_AML_LOOP_TIMEOUT and
# a soft-lockup report.  The MP table's routing is used instead; ACPI PCI
# hotplug (acpiphp) is unaffected.
KARGS="console=ttyS0,115200 panic=-1 loglevel=7 kmemleak=on acpi=noirq scsi_rs.rundir=$RUNDIR"
[ -n "$APPEND" ] && KARGS="$KARGS $APPEND"

if [ "$HAVE_CMD" = 1 ]; then
	con="stdio,id=con0,signal=off,logfile=$RUNDIR/console.log"
else
	con="stdio,id=con0,mux=on,signal=off,logfile=$RUNDIR/console.log"
fi
# shellcheck disable=SC2054 # the commas are QEMU's option syntax
QEMU=(
	qemu-system-x86_64 -machine pc -accel tcg -cpu max -m "$MEM" -smp "$SMP"
	-nodefaults -nographic -no-reboot -no-user-config
	-kernel "$BZIMAGE" -initrd "$RUNDIR/initramfs.cpio" -append "$KARGS"
	-chardev "$con" -serial chardev:con0
	-chardev "socket,id=relay,path=$RUNDIR/relay.sock,server=on,wait=off" -serial chardev:relay
	-chardev "socket,id=qmp,path=$RUNDIR/qmp.sock,server=on,wait=off" -mon chardev=qmp,mode=control
	-chardev "socket,id=hmp,path=$RUNDIR/hmp.sock,server=on,wait=off" -mon chardev=hmp,mode=readline
	-chardev "socket,id=rqmp,path=$RUNDIR/relay-qmp.sock,server=on,wait=off" -mon chardev=rqmp,mode=control
	-device virtio-scsi-pci,id=scsi0
	-drive "if=none,id=disk0,file=$RUNDIR/disk.img,format=raw,cache=writeback,discard=unmap"
	-device scsi-hd,bus=scsi0.0,channel=0,scsi-id=0,lun=0,drive=disk0,id=scsi-disk0,serial=RSDISK0001
	-drive "if=none,id=cd0,file=$RUNDIR/cd.iso,format=raw,media=cdrom,readonly=on"
	-device scsi-cd,bus=scsi0.0,channel=0,scsi-id=1,lun=0,drive=cd0,id=scsi-cd0,serial=RSCD0001
)
if [ ${#QEMU_EXTRA[@]} -gt 0 ]; then
	QEMU+=("${QEMU_EXTRA[@]}")
	say "extra QEMU arguments: ${QEMU_EXTRA[*]}"
fi
if [ -n "${QEMU_CPUS:-}" ]; then
	[[ "$QEMU_CPUS" =~ ^[0-9][0-9,-]*$ ]] || die "--qemu-cpus: a CPU list (0 or 0,1 or 0-1), not '$QEMU_CPUS'"
	command -v taskset >/dev/null || die "--qemu-cpus needs taskset (util-linux)"
	QEMU=(taskset -c "$QEMU_CPUS" "${QEMU[@]}")
	say "QEMU runs on host CPU(s) $QEMU_CPUS"
fi

qpid='' rpid=''
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

"$PYTHON" "$HERE/hmp-relay.py" --serial "$RUNDIR/relay.sock" --qmp "$RUNDIR/relay-qmp.sock" \
	--log "$RUNDIR/hmp-relay.log" &
rpid=$!

t0=$SECONDS
timed_out=0
if [ "$HAVE_CMD" = 1 ]; then
	say "booting (stack=$STACK, timeout ${TIMEOUT}s); console -> $RUNDIR/console.log"
	timeout --kill-after=10 "$TIMEOUT" "${QEMU[@]}" </dev/null &
	qpid=$!
	qrc=0
	wait "$qpid" || qrc=$?
	qpid=
	[ "$qrc" = 124 ] && timed_out=1
else
	say "booting interactively (stack=$STACK); Ctrl-A x quits QEMU; console -> $RUNDIR/console.log"
	qrc=0
	"${QEMU[@]}" || qrc=$?
	# QEMU leaves the terminal in raw mode when killed; repair it.
	[ -t 0 ] && stty sane 2>/dev/null
fi
elapsed=$((SECONDS - t0))
kill "$rpid" 2>/dev/null || true
wait "$rpid" 2>/dev/null || true
rpid=
say "VM ended after ${elapsed}s (qemu status $qrc)"

[ -f "$RUNDIR/console.log" ] || die "QEMU wrote no console log (status $qrc); is the QEMU command line valid?"

status=0
if ! scan_log "$RUNDIR/console.log"; then
	status=3
fi

if [ "$HAVE_CMD" = 1 ]; then
	guest_rc=$(tr -d '\r' <"$RUNDIR/console.log" | grep -aoE 'SCSI_RS_EXIT=[0-9]+' | tail -n1 | cut -d= -f2 || true)
	if [ "$timed_out" = 1 ]; then
		say "TIMEOUT: the guest did not finish within ${TIMEOUT}s; QEMU was killed"
		[ "$status" = 3 ] || status=124
	elif [ -z "$guest_rc" ]; then
		say "error: no SCSI_RS_EXIT line in $RUNDIR/console.log: the guest crashed, panicked or powered off early (qemu status $qrc)"
		tail -n 30 "$RUNDIR/console.log" | sed 's/^/[vm] | /' >&2
		[ "$status" = 3 ] || status=2
	else
		say "guest command exited with status $guest_rc"
		[ "$status" = 3 ] || status=$guest_rc
	fi
fi
if [ "$status" = 3 ]; then
	say "FAILED: kernel problem report(s) in the console log (exit 3)"
fi
exit "$status"
