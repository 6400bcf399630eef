# Shared settings for the project's scripts; source it, don't run it.
# shellcheck shell=bash
SCSI_RS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCSI_RS_CACHE=${SCSI_RS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scsi-rs}
KFLAVOR=${KFLAVOR:-debug}
RUSTC=/usr/bin/rustc
if command -v bindgen >/dev/null 2>&1; then BINDGEN=$(command -v bindgen); else BINDGEN=$HOME/.cargo/bin/bindgen; fi
KMAKE_ARGS=(ARCH=x86_64 LLVM=1 "RUSTC=$RUSTC" "BINDGEN=$BINDGEN" "RUSTFMT=/usr/bin/rustfmt")
export SCSI_RS_TOP SCSI_RS_CACHE KFLAVOR RUSTC BINDGEN

# The key of a kernel build: kernel source version, config fragments, toolchain versions.
kernel_key() {
	local frags=("$SCSI_RS_TOP/kernel/base.config")
	[ "$1" = debug ] && frags+=("$SCSI_RS_TOP/kernel/debug.config")
	{
		dpkg-query -W -f='${Version}\n' linux-source-6.12
		cat "${frags[@]}"
		"$RUSTC" --version
		clang --version | head -n1
		"$BINDGEN" --version
		echo "recipe 1"
	} | sha256sum | cut -c1-16
}

kernel_dir() { echo "$SCSI_RS_CACHE/build/$1-$(kernel_key "$1")"; }
