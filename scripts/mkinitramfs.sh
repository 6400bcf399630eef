#!/usr/bin/env bash
# Build the test VM's initramfs: an uncompressed newc cpio holding busybox, kmod,
# systemd-udevd with Debian's rules, the SCSI user-space tools and their shared
# libraries, the staged kernel modules, the kselftest runner helpers and the
# guest scripts from scripts/guest/.
#
# Usage:
#   mkinitramfs.sh --stage STAGE --out FILE [--extra DIR] [--tests DIR]
#                  [--stack rs|c] [--cmd-file F] [--ksft-dir DIR]
#
#   --stage STAGE   module staging root: STAGE/lib/modules/<kver>/ (depmod'ed)
#   --out FILE      cpio archive to write
#   --extra DIR     copied to /extra in the guest
#   --tests DIR     copied to /tests in the guest
#   --stack rs|c    which SCSI stack udev may autoload (default rs):
#                   rs: /etc/modprobe.d/scsi-stack.conf blacklists virtio_scsi (C)
#                   c:  it blacklists virtio_scsi_rs
#                   (blacklist only stops alias autoloading; explicit modprobe works)
#   --cmd-file F    copied to /etc/scsi-rs/cmd; /init runs it with bash and powers off
#   --ksft-dir DIR  kselftest helper dir (default: the kernel source's
#                   tools/testing/selftests/kselftest under $SCSI_RS_CACHE/src)
#
# Guest layout: merged /usr like the Debian host (/bin, /sbin, /lib, /lib64 are
# symlinks into /usr), so library paths printed by ldd are valid in the guest.
# Real tools win over busybox applets: an applet link is only made when no real
# binary of that name is installed.  The kselftest helpers are at /kselftest/,
# so BASE_DIR=/ satisfies runner.sh's "$BASE_DIR/kselftest/..." lookups.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
. "$HERE/env.sh"

say() { printf '[mkinitramfs] %s\n' "$*" >&2; }
die() { printf '[mkinitramfs] error: %s\n' "$*" >&2; exit 1; }
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2; exit "${1:-2}"; }

STAGE='' OUT='' EXTRA='' TESTS='' STACK=rs CMD_FILE='' KSFT_DIR=''
while [ $# -gt 0 ]; do
	case "$1" in
	--stage) STAGE=${2:?--stage needs a directory}; shift 2 ;;
	--out) OUT=${2:?--out needs a file}; shift 2 ;;
	--extra) EXTRA=${2:?--extra needs a directory}; shift 2 ;;
	--tests) TESTS=${2:?--tests needs a directory}; shift 2 ;;
	--stack) STACK=${2:?--stack needs rs or c}; shift 2 ;;
	--cmd-file) CMD_FILE=${2:?--cmd-file needs a file}; shift 2 ;;
	--ksft-dir) KSFT_DIR=${2:?--ksft-dir needs a directory}; shift 2 ;;
	-h | --help) usage 0 ;;
	*) say "unknown argument: $1"; usage ;;
	esac
done

[ -n "$STAGE" ] || die "--stage STAGE is required (module staging root with lib/modules/<kver>)"
[ -n "$OUT" ] || die "--out FILE is required"
[ -d "$STAGE/lib/modules" ] || die "no lib/modules in stage dir '$STAGE' (run modules_install + depmod into it)"
case "$STACK" in rs | c) ;; *) die "--stack must be 'rs' or 'c', not '$STACK'" ;; esac
[ -z "$EXTRA" ] || [ -d "$EXTRA" ] || die "--extra: '$EXTRA' is not a directory"
[ -z "$TESTS" ] || [ -d "$TESTS" ] || die "--tests: '$TESTS' is not a directory"
[ -z "$CMD_FILE" ] || [ -f "$CMD_FILE" ] || die "--cmd-file: '$CMD_FILE' is not a file"
if [ -z "$KSFT_DIR" ]; then
	for d in "$SCSI_RS_CACHE"/src/linux-*/tools/testing/selftests/kselftest; do
		[ -f "$d/runner.sh" ] && KSFT_DIR=$d
	done
	[ -n "$KSFT_DIR" ] || die "kselftest helpers not found under $SCSI_RS_CACHE/src/linux-*/tools/testing/selftests/kselftest (unpack the kernel source or pass --ksft-dir)"
fi
for f in runner.sh ktap_helpers.sh module.sh prefix.pl; do
	[ -f "$KSFT_DIR/$f" ] || die "kselftest helper $KSFT_DIR/$f is missing"
done

# Host programs that go into the guest (path on the host; symlinks are followed
# and recreated).  Checked up front so a missing package is named at once.
BUSYBOX=/usr/bin/busybox
KMOD=/usr/bin/kmod
UDEVD=/lib/systemd/systemd-udevd
TOOLS=(
	/usr/bin/bash
	/usr/bin/udevadm
	/usr/bin/lsscsi /usr/bin/sdparm /usr/bin/mt /usr/sbin/stinit /usr/bin/eject /usr/bin/fio
	/usr/sbin/mke2fs /usr/sbin/mkfs.ext4 /usr/sbin/e2fsck /usr/sbin/fsck.ext4
	/usr/sbin/tune2fs /usr/sbin/dumpe2fs
	/usr/sbin/sfdisk /usr/sbin/fdisk /usr/bin/lsblk /usr/sbin/blockdev /usr/sbin/blkid
	/usr/sbin/blkdiscard /usr/sbin/fstrim
	/usr/bin/findmnt /usr/sbin/wipefs /usr/sbin/losetup /usr/bin/setpriv /usr/bin/fallocate
	/usr/bin/mount /usr/bin/umount
	/usr/bin/xorriso /usr/bin/tar
	/usr/bin/timeout /usr/bin/sha256sum /usr/bin/dd /usr/bin/stdbuf /usr/bin/stty /usr/bin/flock
)
# stdbuf preloads this; runner.sh uses stdbuf when present.
DATA_FILES=(/usr/libexec/coreutils/libstdbuf.so /etc/mke2fs.conf /etc/stinit.def)

missing=()
for p in "$BUSYBOX" "$KMOD" "$UDEVD" "${TOOLS[@]}" "${DATA_FILES[@]}" /usr/lib/udev/rules.d /usr/bin/sg_inq; do
	[ -e "$p" ] || missing+=("$p")
done
for p in cpio ldd; do
	command -v "$p" >/dev/null 2>&1 || missing+=("$p (host command)")
done
if [ ${#missing[@]} -gt 0 ]; then
	die "missing on the host: ${missing[*]} (scripts/setup.sh installs busybox-static kmod udev sg3-utils lsscsi sdparm mt-st eject fio e2fsprogs util-linux fdisk xorriso cpio)"
fi
if ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
	# Not fatal (its libraries get copied like any other tool), but say so.
	command -v file >/dev/null 2>&1 && say "note: $BUSYBOX is not static (install busybox-static)"
fi

# sg3-utils: everything the package puts in /usr/bin (sg_*, sginfo, sgm_dd,
# sgp_dd, scsi_* helper scripts, rescan-scsi-bus.sh).
SG_TOOLS=()
if dpkg -L sg3-utils >/dev/null 2>&1; then
	while IFS= read -r p; do
		[ -f "$p" ] && [ -x "$p" ] && SG_TOOLS+=("$p")
	done < <(dpkg -L sg3-utils | grep -E '^/usr/s?bin/[^/]+$')
else
	for p in /usr/bin/sg_* /usr/bin/sginfo /usr/bin/sgm_dd /usr/bin/sgp_dd; do
		[ -x "$p" ] && SG_TOOLS+=("$p")
	done
fi

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/scsi-rs-initramfs.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT

# Merged-/usr skeleton.
mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64} "$ROOT"/{dev,proc,sys,run,tmp,mnt,root,etc,var} \
	"$ROOT"/home/tester "$ROOT"/etc/{modprobe.d,scsi-rs} "$ROOT"/usr/lib/modules
ln -s usr/bin "$ROOT/bin"
ln -s usr/sbin "$ROOT/sbin"
ln -s usr/lib "$ROOT/lib"
ln -s usr/lib64 "$ROOT/lib64"
ln -s /run "$ROOT/var/run"
ln -s /tmp "$ROOT/var/tmp"
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"

# Copy a host path to the same canonical place in the guest.  A symlink is
# recreated (pointing at its canonical target, which is copied as well).
declare -A COPIED=()
copy_path() {
	local src=$1 dir base dst tgt
	[ -n "${COPIED[$src]:-}" ] && return 0
	COPIED[$src]=1
	dir=$(readlink -f "${src%/*}")
	base=${src##*/}
	dst=$dir/$base
	[ -e "$ROOT$dst" ] || [ -L "$ROOT$dst" ] && return 0
	mkdir -p "$ROOT$dir"
	if [ -L "$src" ]; then
		tgt=$(readlink -f "$src")
		[ -e "$tgt" ] || die "dangling symlink on the host: $src"
		copy_path "$tgt"
		[ "$tgt" = "$dst" ] || ln -s "$tgt" "$ROOT$dst"
	else
		cp -p "$src" "$ROOT$dst"
	fi
}

# Copy executables and every shared library ldd lists for them (ldd prints
# the whole transitive closure, dynamic loader included; scripts and static
# binaries just have none).
add_exes() {
	local out lib
	for lib in "$@"; do
		copy_path "$lib"
	done
	out=$(LC_ALL=C ldd "$@" 2>&1 || true)
	if grep -q 'not found' <<<"$out"; then
		die "libraries missing on the host: $(grep 'not found' <<<"$out" | tr -s ' \t\n' ' ')"
	fi
	while read -r lib; do
		copy_path "$lib"
	done < <(awk '/:$/ { next }
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }' <<<"$out" | sort -u)
}

say "collecting tools and libraries"
add_exes "${TOOLS[@]}" "${SG_TOOLS[@]}"
for f in "${DATA_FILES[@]}"; do
	copy_path "$f"
done

# kmod: the real binary, with the usual names pointing at it.
add_exes "$KMOD"
for n in modprobe insmod rmmod lsmod modinfo depmod; do
	ln -sf /bin/kmod "$ROOT/usr/sbin/$n"
done

# udev: daemon (a symlink to udevadm on Debian 12), rules, helpers, config.
# hwdb.bin/hwdb.d (20+ MiB of USB/PCI/input descriptions) are left out.
add_exes "$UDEVD"
mkdir -p "$ROOT/usr/lib/udev"
udev_helpers=()
for p in /usr/lib/udev/*; do
	case "${p##*/}" in hwdb.bin | hwdb.d) continue ;; esac
	if [ -d "$p" ]; then
		cp -a "$p" "$ROOT/usr/lib/udev/"
	else
		udev_helpers+=("$p")
	fi
done
add_exes "${udev_helpers[@]}"
[ -d /etc/udev ] && cp -a /etc/udev "$ROOT/etc/"
mkdir -p "$ROOT/etc/udev/rules.d"

# busybox and its applets, where no real tool of the same name exists.
copy_path "$BUSYBOX"
while read -r applet; do
	case "$applet" in busybox | linuxrc | init | "") continue ;; esac
	[ -e "$ROOT/usr/bin/$applet" ] || [ -L "$ROOT/usr/bin/$applet" ] ||
		[ -e "$ROOT/usr/sbin/$applet" ] || [ -L "$ROOT/usr/sbin/$applet" ] ||
		ln -s busybox "$ROOT/usr/bin/$applet"
done < <("$BUSYBOX" --list)

# Kernel modules (without the build/source links back into the host's trees).
cp -a "$STAGE/lib/modules/." "$ROOT/usr/lib/modules/"
rm -f "$ROOT"/usr/lib/modules/*/build "$ROOT"/usr/lib/modules/*/source
nmods=$(find "$ROOT/usr/lib/modules" -name '*.ko*' | wc -l)
[ "$nmods" -gt 0 ] || die "no *.ko under $STAGE/lib/modules"
for kv in "$ROOT"/usr/lib/modules/*/; do
	[ -f "$kv/modules.dep" ] || die "$STAGE/lib/modules/$(basename "$kv") is not depmod'ed (no modules.dep)"
done

# Guest scripts.
install -m 0755 "$HERE/guest/init" "$ROOT/init"
install -m 0755 "$HERE/guest/hmp" "$ROOT/usr/bin/hmp"
install -m 0755 "$HERE/guest/ksft-run" "$ROOT/usr/bin/ksft-run"
install -m 0755 "$HERE/guest/bench" "$ROOT/usr/bin/bench"

# kselftest helpers at /kselftest (use BASE_DIR=/, see ksft-run).
mkdir -p "$ROOT/kselftest"
for f in runner.sh ktap_helpers.sh module.sh prefix.pl; do
	install -m 0755 "$KSFT_DIR/$f" "$ROOT/kselftest/$f"
done

# Which stack udev may autoload.
if [ "$STACK" = rs ]; then
	cat >"$ROOT/etc/modprobe.d/scsi-stack.conf" <<-'EOF'
		# --stack rs: the Rust stack drives virtio-scsi; keep the C drivers from
		# autoloading on the device aliases (and with them scsi_mod).  An
		# explicit "modprobe virtio_scsi" still works.
		blacklist virtio_scsi
		blacklist sd_mod
		blacklist sr_mod
		blacklist st
		blacklist sg
	EOF
else
	cat >"$ROOT/etc/modprobe.d/scsi-stack.conf" <<-'EOF'
		# --stack c: the C stack drives virtio-scsi; keep the Rust drivers from
		# autoloading.  "modprobe virtio_scsi_rs" still works.
		blacklist virtio_scsi_rs
		blacklist sd_mod_rs
		blacklist sr_mod_rs
		blacklist st_rs
	EOF
fi
echo "$STACK" >"$ROOT/etc/scsi-rs/stack"

# Users: root and an unprivileged tester (uid/gid 1000), plus the groups the
# udev rules name (unknown groups make udevd complain).
cat >"$ROOT/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/bash
	tester:x:1000:1000:unprivileged tester:/home/tester:/bin/bash
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$ROOT/etc/group" <<-'EOF'
	root:x:0:
	daemon:x:1:
	bin:x:2:
	sys:x:3:
	adm:x:4:
	tty:x:5:
	disk:x:6:
	lp:x:7:
	kmem:x:15:
	dialout:x:20:
	cdrom:x:24:
	floppy:x:25:
	tape:x:26:
	audio:x:29:
	video:x:44:
	plugdev:x:46:
	users:x:100:
	input:x:101:
	kvm:x:102:
	render:x:103:
	sgx:x:104:
	systemd-journal:x:105:
	tester:x:1000:
	nogroup:x:65534:
EOF
cat >"$ROOT/etc/shadow" <<-'EOF'
	root::0::::::
	tester:!:0::::::
	nobody:!:0::::::
EOF
chmod 0640 "$ROOT/etc/shadow"
echo scsi-rs >"$ROOT/etc/hostname"
: >"$ROOT/etc/fstab"
ln -s /proc/self/mounts "$ROOT/etc/mtab"
cat >"$ROOT/etc/profile" <<-'EOF'
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export HOME=${HOME:-/root} TERM=${TERM:-vt100}
	PS1='[\u@\h \W]\$ '
EOF
cp "$ROOT/etc/profile" "$ROOT/root/.bashrc"

# Test helpers of our own (tests/tools/*.c): built static here, since the
# guest has no compiler.
TOOLS_SRC=$(cd "$(dirname "$0")/.." && pwd)/tests/tools
mkdir -p "$ROOT/usr/local/bin"
for c in "$TOOLS_SRC"/*.c; do
	[ -e "$c" ] || continue
	t=$(basename "$c" .c)
	${HOSTCC:-cc} -static -O2 -Wall -Werror -o "$ROOT/usr/local/bin/$t" "$c" ||
		die "cannot build the test helper $t (needs gcc and libc6-dev: scripts/setup.sh)"
done

# Optional payloads.
if [ -n "$TESTS" ]; then
	mkdir -p "$ROOT/tests"
	cp -a "$TESTS/." "$ROOT/tests/"
fi
if [ -n "$EXTRA" ]; then
	mkdir -p "$ROOT/extra"
	cp -a "$EXTRA/." "$ROOT/extra/"
fi
if [ -n "$CMD_FILE" ]; then
	install -m 0755 "$CMD_FILE" "$ROOT/etc/scsi-rs/cmd"
fi

# Ownership: everything root's except the tester's home.  As root we can set
# that on disk; otherwise cpio maps every file to root.
cpio_owner=()
if [ "$(id -u)" = 0 ]; then
	chown -R 0:0 "$ROOT"
	chown 1000:1000 "$ROOT/home/tester"
	# /dev/console for the kernel's first open (the kernel's built-in
	# initramfs has one too; this is belt and braces).
	mknod -m 0600 "$ROOT/dev/console" c 5 1
else
	cpio_owner=(-R 0:0)
fi

mkdir -p "$(dirname "$OUT")"
tmp_out="$OUT.tmp.$$"
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc "${cpio_owner[@]}" >"$tmp_out") ||
	{ rm -f "$tmp_out"; die "cpio failed"; }
mv -f "$tmp_out" "$OUT"
say "wrote $OUT ($(du -h "$OUT" | cut -f1), stack=$STACK, $nmods modules)"
