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

say "building modules against $flavor kernel $kver"
"${km[@]}" M="$SCSI_RS_TOP" -j"$(nproc)" modules "$@" >&2
# Modules used only by the tests (stale interface versions and the like).
"${km[@]}" M="$SCSI_RS_TOP/tests/modules" KBUILD_EXTRA_SYMBOLS="$SCSI_RS_TOP/Module.symvers" -j"$(nproc)" modules >&2

say "staging into $stage"
rm -rf "$stage"
mkdir -p "$stage"
"${km[@]}" -s INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 modules_install >/dev/null
"${km[@]}" -s M="$SCSI_RS_TOP" INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 INSTALL_MOD_DIR=updates modules_install >/dev/null
"${km[@]}" -s M="$SCSI_RS_TOP/tests/modules" INSTALL_MOD_PATH="$stage" INSTALL_MOD_STRIP=1 INSTALL_MOD_DIR=extra/tests modules_install >/dev/null
depmod -b "$stage" "$kver"
echo "$stage"
