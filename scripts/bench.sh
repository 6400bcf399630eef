#!/usr/bin/env bash
# Benchmark the Rust SCSI stack against the C one (make bench).
#
# Builds (or reuses) the base kernel and the modules for flavour base, boots
# the VM once with two extra disks on the virtio-scsi controller, runs the
# guest's bench (scripts/guest/bench) for ROUNDS rounds and reports with
# scripts/bench-report.py.  See Documentation/benchmark.rst.
#
# Usage:
#   bench.sh [--rundir DIR] [--kernel-dir KDIR --stage STAGE]
#
#   --rundir DIR       run directory (default $SCSI_RS_TOP/build/bench)
#   --kernel-dir KDIR  with --stage: use this kernel build and module stage
#   --stage STAGE      as they are, without building anything
#
# Environment:
#   ROUNDS         rounds (default 5); each measures both stacks
#   RUNTIME        seconds per fio sample (default 5; plus 1 s ramp)
#   BENCH_AIO      QEMU aio= of the raw disk: threads (default), io_uring, native
#   BENCH_SCHED    I/O scheduler in the guest (default none; "default" keeps it)
#   BENCH_TIMEOUT  VM timeout in seconds (default computed from ROUNDS/RUNTIME)
#   BENCH_ONLY     extended regex: run only the matching workloads
#   BENCH_CPUS     fio --cpus_allowed in the guest (default 0: fio submits
#                  from, and the interrupt of its hardware queue completes
#                  on, guest CPU 0 in every sample; "any": unpinned)
#   BENCH_MEM      fio's I/O buffers in the guest: shared (default): one
#                  tmpfs file written before the first round and mapped by
#                  every sample, so that both stacks move the same physical
#                  pages (how many of a 1 MiB buffer's pages are adjacent
#                  decides whether it needs one request or two); malloc:
#                  fresh buffers in every fio process (fio's default)
#   BENCH_QEMU_CPUS  host CPUs QEMU runs on (taskset; default 0: all its
#                  threads share one host CPU, so handing an I/O from the
#                  vCPU thread to QEMU's I/O thread and back is a context
#                  switch on an awake CPU rather than a cross-CPU wake-up;
#                  "any" leaves QEMU unpinned)
#   BENCH_CLOCK    icount (default): QEMU -icount shift=0,sleep=on: while
#                  the guest runs, its clock advances one nanosecond per
#                  guest instruction, so what the stacks cost in guest CPU
#                  is measured without the host's scheduling noise; idle
#                  time (waiting for QEMU's I/O) still passes in real time.
#                  wall: the guest's clock is the host's time throughout.
#   BENCH_IOEVENTFD  off (default; -global virtio-scsi-pci.ioeventfd=off):
#                  QEMU's vCPU thread takes the commands off the ring
#                  itself, within the guest's notifying write, which costs
#                  the guest no clock under icount, so that less of an
#                  I/O's latency passes in real time (host noise); on: the
#                  notification wakes QEMU's main loop, which takes them
#   BENCH_NULL_ZEROES  off (default): the null-co disk leaves read buffers
#                  as they are (no host-side memset); on: it fills them
#   BENCH_RAW_DIR  directory of the raw disk's file (default /dev/shm when
#                  it is a tmpfs with 2 GiB free, else the run dir): in the
#                  host's memory the raw disk never waits for the host's own
#                  disk (writeback of dirty pages at moments that have
#                  nothing to do with the stack being measured)
#   BENCH_RAW_CACHE    writeback (default): the raw file goes through the
#                  host's page cache; none: O_DIRECT on the host
#
# Disks added with vm.sh --qemu-args (bus scsi0.0):
#   scsi-id 2  null-co, 1 GiB, read-zeroes=$BENCH_NULL_ZEROES
#              serial RSNULL0001  (the stack alone)
#   scsi-id 3  raw file <raw dir>/bench-raw-<pid>.img, 1 GiB sparse,
#              cache=$BENCH_RAW_CACHE, aio=$BENCH_AIO
#              serial RSRAW0001   (with host I/O)
#
# Results go to <rundir>/results/bench-<time>.{log,rst,csv,samples.csv,meta}:
# the console log, the report, the summary and per-sample CSV and the set-up.
# Exit status: vm.sh's (0: the guest's bench succeeded; 3: a kernel problem
# report in the log; see vm.sh), or the report's when that fails.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
. "$HERE/env.sh"

say() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2; exit "${1:-2}"; }

RUNDIR='' KDIR='' STAGE=''
while [ $# -gt 0 ]; do
	case "$1" in
	--rundir) RUNDIR=${2:?--rundir needs a directory}; shift 2 ;;
	--kernel-dir) KDIR=${2:?--kernel-dir needs a directory}; shift 2 ;;
	--stage) STAGE=${2:?--stage needs a directory}; shift 2 ;;
	-h | --help) usage 0 ;;
	*) say "unknown argument: $1"; usage ;;
	esac
done

ROUNDS=${ROUNDS:-5}
RUNTIME=${RUNTIME:-5}
BENCH_AIO=${BENCH_AIO:-threads}
BENCH_SCHED=${BENCH_SCHED:-none}
BENCH_CLOCK=${BENCH_CLOCK:-icount}
BENCH_RAW_CACHE=${BENCH_RAW_CACHE:-writeback}
BENCH_NULL_ZEROES=${BENCH_NULL_ZEROES:-off}
BENCH_IOEVENTFD=${BENCH_IOEVENTFD:-off}
BENCH_QEMU_CPUS=${BENCH_QEMU_CPUS:-0}
BENCH_CPUS=${BENCH_CPUS:-0}
BENCH_MEM=${BENCH_MEM:-shared}
[ "$BENCH_CPUS" = any ] && BENCH_CPUS=
for v in ROUNDS RUNTIME; do
	[[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || die "$v must be a positive integer, not '${!v}'"
done
case "$BENCH_AIO" in threads | io_uring | native) ;; *) die "BENCH_AIO must be threads, io_uring or native, not '$BENCH_AIO'" ;; esac
case "$BENCH_RAW_CACHE" in none | writeback) ;; *) die "BENCH_RAW_CACHE must be none or writeback, not '$BENCH_RAW_CACHE'" ;; esac
case "$BENCH_NULL_ZEROES" in on | off) ;; *) die "BENCH_NULL_ZEROES must be on or off, not '$BENCH_NULL_ZEROES'" ;; esac
case "$BENCH_IOEVENTFD" in on | off) ;; *) die "BENCH_IOEVENTFD must be on or off, not '$BENCH_IOEVENTFD'" ;; esac
case "$BENCH_CLOCK" in wall | icount) ;; *) die "BENCH_CLOCK must be wall or icount, not '$BENCH_CLOCK'" ;; esac
case "$BENCH_MEM" in shared | malloc) ;; *) die "BENCH_MEM must be shared or malloc, not '$BENCH_MEM'" ;; esac
[[ "$BENCH_SCHED" =~ ^[a-z0-9_-]+$ ]] || die "BENCH_SCHED: bad scheduler name '$BENCH_SCHED'"
[[ "${BENCH_ONLY:-}" =~ ^[][A-Za-z0-9_|.*+^$()-]*$ ]] || die "BENCH_ONLY: characters outside a simple regex: '$BENCH_ONLY'"
[[ "${BENCH_CPUS:-}" =~ ^[0-9,-]*$ ]] || die "BENCH_CPUS: a CPU list (0,1 or 0-1), not '$BENCH_CPUS'"
[[ "$BENCH_QEMU_CPUS" =~ ^([0-9][0-9,-]*|any)$ ]] || die "BENCH_QEMU_CPUS: a host CPU list or any, not '$BENCH_QEMU_CPUS'"
QPIN=()
[ "$BENCH_QEMU_CPUS" = any ] || QPIN=(--qemu-cpus "$BENCH_QEMU_CPUS")
if [ -n "$KDIR$STAGE" ] && { [ -z "$KDIR" ] || [ -z "$STAGE" ]; }; then
	die "--kernel-dir and --stage go together"
fi

# Budget: boot and prefill, then per stack and round 10 samples of
# RAMP + RUNTIME plus fio's start-up under TCG, and loading/unloading.
TIMEOUT=${BENCH_TIMEOUT:-$((900 + ROUNDS * 2 * (10 * (RUNTIME + 1 + 20) + 120)))}
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "BENCH_TIMEOUT must be seconds, not '$TIMEOUT'"

RUNDIR=${RUNDIR:-$SCSI_RS_TOP/build/bench}
mkdir -p "$RUNDIR/results"
RUNDIR=$(cd "$RUNDIR" && pwd)
case "$RUNDIR" in *[[:space:]]* | *,*) die "the run dir path must not contain white space or commas: '$RUNDIR'" ;; esac

# ---- kernel and modules ---------------------------------------------------
if [ -z "$KDIR" ]; then
	say "building (or reusing) the base kernel and the modules for flavour base"
	KDIR=$("$HERE/build-kernel.sh" base | tail -n1)
	STAGE=$("$HERE/build-modules.sh" base | tail -n1)
fi
[ -f "$KDIR/include/config/kernel.release" ] || die "no kernel build in $KDIR"
KVER=$(cat "$KDIR/include/config/kernel.release")

# ---- the raw bench file ---------------------------------------------------
if [ -z "${BENCH_RAW_DIR:-}" ]; then
	BENCH_RAW_DIR=$RUNDIR
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
		[ "$(df --output=avail -k /dev/shm 2>/dev/null | tail -n1)" -ge $((2 * 1024 * 1024)) ] 2>/dev/null; then
		BENCH_RAW_DIR=/dev/shm
	fi
fi
[ -d "$BENCH_RAW_DIR" ] || die "BENCH_RAW_DIR: no such directory: '$BENCH_RAW_DIR'"
case "$BENCH_RAW_DIR" in *[[:space:]]* | *,*) die "BENCH_RAW_DIR must not contain white space or commas: '$BENCH_RAW_DIR'" ;; esac
RAW=$BENCH_RAW_DIR/bench-raw-$$.img
trap 'rm -f "$RAW"' EXIT # 1 GiB once prefilled, possibly in memory
truncate -s 1G "$RAW"
CACHE=$BENCH_RAW_CACHE
if [ "$CACHE" = none ] && ! dd if="$RAW" of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null; then
	# O_DIRECT unsupported by the run dir's file system (e.g. an old tmpfs).
	CACHE=writeback
	say "warning: O_DIRECT does not work in $BENCH_RAW_DIR; the raw disk uses cache=writeback (host page cache)"
	[ "$BENCH_AIO" != native ] || die "BENCH_AIO=native needs O_DIRECT; use threads or another BENCH_RAW_DIR"
fi

# shellcheck disable=SC2054 # the commas are QEMU's option syntax
QARGS=(
	-blockdev driver=null-co,node-name=null0,size=1073741824,read-zeroes=$BENCH_NULL_ZEROES
	-device scsi-hd,bus=scsi0.0,channel=0,scsi-id=2,lun=0,drive=null0,id=scsi-null0,serial=RSNULL0001
	-drive "if=none,id=raw0,file=$RAW,format=raw,cache=$CACHE,aio=$BENCH_AIO"
	-device scsi-hd,bus=scsi0.0,channel=0,scsi-id=3,lun=0,drive=raw0,id=scsi-raw0,serial=RSRAW0001
)
[ "$BENCH_CLOCK" = icount ] && QARGS+=(-icount shift=0,sleep=on)
[ "$BENCH_IOEVENTFD" = off ] && QARGS+=(-global virtio-scsi-pci.ioeventfd=off)

# ---- run --------------------------------------------------------------------
stamp=$(date +%Y%m%d-%H%M%S)
out=$RUNDIR/results/bench-$stamp
{
	echo "date=$(date -Iseconds)"
	echo "commit=$(git -C "$SCSI_RS_TOP" rev-parse HEAD 2>/dev/null || echo '?')"
	echo "dirty=$(git -C "$SCSI_RS_TOP" status --porcelain 2>/dev/null | wc -l) files"
	echo "kernel=$KVER ($KDIR)"
	echo "stage=$STAGE"
	echo "qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -n1)"
	echo "host_cpus=$(nproc) host_load=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "rounds=$ROUNDS runtime=$RUNTIME ramp=1 sched=$BENCH_SCHED raw_dir=$BENCH_RAW_DIR raw_cache=$CACHE raw_aio=$BENCH_AIO null_read_zeroes=$BENCH_NULL_ZEROES ioeventfd=$BENCH_IOEVENTFD clock=$BENCH_CLOCK qemu_cpus=$BENCH_QEMU_CPUS fio_cpus=${BENCH_CPUS:-any} fio_mem=$BENCH_MEM timeout=$TIMEOUT"
} >"$out.meta"

say "$ROUNDS round(s) x 2 stacks x 10 samples of ${RUNTIME}s; VM timeout ${TIMEOUT}s; results -> $out.*"
rc=0
"$HERE/vm.sh" --kernel-dir "$KDIR" --stage "$STAGE" --stack rs --rundir "$RUNDIR" \
	--mem 2G --timeout "$TIMEOUT" --qemu-args "${QARGS[*]}" "${QPIN[@]}" \
	--cmd "RUNTIME=$RUNTIME BENCH_SCHED=$BENCH_SCHED BENCH_ONLY='${BENCH_ONLY:-}' BENCH_CPUS='${BENCH_CPUS:-}' BENCH_MEM=$BENCH_MEM bench $ROUNDS" || rc=$?
if [ -f "$RUNDIR/console.log" ]; then
	cp "$RUNDIR/console.log" "$out.log"
else
	die "no console log in $RUNDIR (vm.sh status $rc)"
fi
rm -f "$RAW"

tr -d '\r' <"$out.log" | grep -a '^BENCHERR' | sed 's/^/[bench] /' >&2 || true
tr -d '\r' <"$out.log" | grep -aq '^BENCHINFO done' || say "warning: the guest's bench did not finish (no 'BENCHINFO done' line)"

rrc=0
/usr/bin/env python3 "$HERE/bench-report.py" --csv "$out.csv" "$out.log" | tee "$out.rst" || rrc=$?
say "report: $out.rst, $out.csv; console log: $out.log; set-up: $out.meta"
[ "$rc" = 0 ] || say "vm.sh exited with status $rc"
[ "$rc" = 0 ] || exit "$rc"
exit "$rrc"
