#!/usr/bin/env bash
# Build (or reuse from the cache) the test kernel of one flavour: debug (default) or base.
# The build lives outside the work tree, keyed by kernel version, fragments and toolchain.
# Prints the build directory on the last line of stdout.
set -euo pipefail
. "$(dirname "$0")/env.sh"
flavor=${1:-$KFLAVOR}
case "$flavor" in base | debug) ;; *) echo "build-kernel: unknown flavour '$flavor' (base or debug)" >&2; exit 2 ;; esac
say() { printf '[kernel] %s\n' "$*" >&2; }

out=$(kernel_dir "$flavor")
if [ -f "$out/.complete" ]; then
	say "$flavor kernel cached in $out"
	echo "$out"
	exit 0
fi

ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
	{ say "linux-source-6.12 is not installed: run scripts/setup.sh"; exit 1; }
src=$SCSI_RS_CACHE/src/linux-$ver
if [ ! -f "$src/.extracted" ]; then
	say "extracting linux-source-6.12 $ver into $src"
	rm -rf "$src" && mkdir -p "$src"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$src" --strip-components=1
	touch "$src/.extracted"
fi

rm -rf "$out" && mkdir -p "$out"
frags=("$SCSI_RS_TOP/kernel/base.config")
[ "$flavor" = debug ] && frags+=("$SCSI_RS_TOP/kernel/debug.config")
km=(make -C "$src" O="$out" "${KMAKE_ARGS[@]}")
say "configuring $flavor kernel: tinyconfig + ${frags[*]##*/}"
"${km[@]}" -s rustavailable >&2 || { say "the Rust toolchain is not usable by the kernel (see above)"; exit 1; }
"${km[@]}" -s tinyconfig >/dev/null
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null)
"${km[@]}" -s olddefconfig >/dev/null
# Every line of the fragments must have survived Kconfig's dependency resolution.
bad=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) want=$line ;;
		"# CONFIG_"*" is not set") want=$line ;;
		*) continue ;;
		esac
		sym=$(sed -E 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1/; s/^(CONFIG_[A-Za-z0-9_]+)=.*/\1/' <<<"$want")
		have=$(grep -E "^($sym=|# $sym is not set)" "$out/.config" || echo "# $sym is not set")
		if [ "$have" != "$want" ]; then
			say "config: wanted '$want', got '$have'"
			bad=1
		fi
	done <"$f"
done
[ $bad = 0 ] || { say "the config fragments do not apply cleanly"; exit 1; }
start=$(date +%s)
say "building $flavor kernel with $(nproc) jobs (several minutes; log in $out/build.log)"
if ! "${km[@]}" -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	say "kernel build failed; full log: $out/build.log"
	exit 1
fi
say "built in $(($(date +%s) - start)) s"
touch "$out/.complete"
echo "$out"
