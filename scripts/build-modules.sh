#!/usr/bin/env bash
# Build the project's modules against the cached kernel of one flavour and
# install them, with the kernel's own C modules, into a staging root that the
# VM uses as its /lib/modules (depmod'ed, so modprobe resolves dependencies).
# Usage: build-modules.sh [debug|base] [extra kbuild args...]
set -euo pipefail
. "$(dirname "$0")/env.sh"
flavor=${1:-$KFLAVOR}
shift || true
say() { printf '[modules] %s\n' "$*" >&2; }

kdir=$("$SCSI_RS_TOP/scripts/build-kernel.sh" "$flavor" | tail -n1)
kver=$(cat "$kdir/include/config/kernel.release")
stage=$SCSI_RS_TOP/build/stage-$flavor
km=(make -C "$kdir" "${KMAKE_ARGS[@]}")
# Rust objects are compiled through Debian's clippy-driver (same rustc), so
# every build is also a clippy run; its warnings are kept in the log that
# check.sh reads.
lint=(CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver)
log=$SCSI_RS_TOP/build/kbuild-$flavor.log
mkdir -p "$SCSI_RS_TOP/build"

say "building modules against $flavor kernel $kver"
{
	"${km[@]}" "${lint[@]}" M="$SCSI_RS_TOP" -j"$(nproc)" modules "$@" &&
		# Modules used only by the tests (other interface versions).
		"${km[@]}" "${lint[@]}" M="$SCSI_RS_TOP/tests/modules" \
			KBUILD_EXTRA_SYMBOLS="$SCSI_RS_TOP/Module.symvers" -j"$(nproc)" modules
} 2>&1 | tee "$log" >&2
[ "${PIPESTATUS[0]}" = 0 ] || { say "module build failed (log: $log)"; exit 1; }

say "staging into $stage"
rm -rf "$stage"
mkdir -p "$stage"
"${km[@]}" -s INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 modules_install >/dev/null
"${km[@]}" -s M="$SCSI_RS_TOP" INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 INSTALL_MOD_DIR=updates modules_install >/dev/null
"${km[@]}" -s M="$SCSI_RS_TOP/tests/modules" INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 INSTALL_MOD_DIR=extra/tests modules_install >/dev/null
depmod -b "$stage" "$kver"
echo "$stage"
