#!/usr/bin/env bash
# Install, idempotently, everything the build and the test VM need on a Debian 12 machine.
# Exact versions where the kernel build depends on them.
set -euo pipefail

RUST_VER=1.85.0+dfsg3-1~deb12u3
BINDGEN_VER=0.71.1

say() { printf '[setup] %s\n' "$*" >&2; }

pkgs=(
	"rustc-web=$RUST_VER" "rust-web-src=$RUST_VER" "libstd-rust-web-dev=$RUST_VER"
	"rust-web-clippy=$RUST_VER" "rustfmt-web=$RUST_VER"
	linux-source-6.12
	clang lld llvm libclang-dev bc flex bison libelf-dev libssl-dev cpio xz-utils make
	python3 rsync kmod gcc libc6-dev
	qemu-system-x86 busybox-static
	udev sg3-utils lsscsi sdparm mt-st eject fio e2fsprogs util-linux fdisk xorriso
)

missing=()
for p in "${pkgs[@]}"; do
	name=${p%%=*}
	want=${p#*=}
	[ "$want" = "$p" ] && want=
	have=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	"ii "*)
		if [ -z "$want" ] || [ "${have#ii  }" = "$want" ] || [ "${have#ii }" = "$want" ]; then
			continue
		fi
		;;
	esac
	missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		say "missing packages: ${missing[*]}; run this script as root"
		exit 1
	fi
	say "installing ${#missing[@]} Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends --allow-downgrades "${missing[@]}" >/dev/null
fi

if ! bindgen --version 2>/dev/null | grep -q "bindgen $BINDGEN_VER"; then
	if [ -x "$HOME/.cargo/bin/bindgen" ] && "$HOME/.cargo/bin/bindgen" --version | grep -q "$BINDGEN_VER"; then
		:
	else
		say "installing bindgen-cli $BINDGEN_VER from crates.io"
		cargo install --locked --quiet "bindgen-cli@$BINDGEN_VER"
	fi
fi

say "toolchain ready: $(/usr/bin/rustc --version), bindgen $BINDGEN_VER"
