#!/usr/bin/env bash
# The test command (make check): host-side tests of the no_std protocol crate
# and of code style, then the kselftest suite in the VM on the debug kernel.
# Prints KTAP-style progress and ends with the line "N passed, N failed".
# Usage: check.sh [--host-only] [TEST.sh ...]   (tests from tests/vm/)
set -uo pipefail
. "$(dirname "$0")/env.sh"
cd "$SCSI_RS_TOP"

host_only=0
[ "${1:-}" = --host-only ] && { host_only=1; shift; }
tests=("$@")
pass=0 fail=0
failed=()
result() { # result ok|fail NAME
	if [ "$1" = ok ]; then
		pass=$((pass + 1)); echo "ok - $2"
	else
		fail=$((fail + 1)); failed+=("$2"); echo "not ok - $2"
	fi
}
t0=$(date +%s)

# 1. The no_std crates, on the host: the protocol crate and the target
# emulation. emu includes the protocol files as modules; their tests are
# counted once, under proto.
host_crate() { # host_crate DIR [TEST FILTER ARGS...]
	local dir=$1 out rc p f
	shift
	[ -f "$dir/Cargo.toml" ] || return 0
	out=$(cd "$dir" && cargo test --offline -j"$(nproc)" -- "$@" 2>&1)
	rc=$?
	echo "$out" | grep -E '^test result:|FAILED|panicked' | sed "s/^/# $dir: /"
	p=$(echo "$out" | sed -nE 's/^test result: .* ([0-9]+) passed; ([0-9]+) failed.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(echo "$out" | sed -nE 's/^test result: .* ([0-9]+) passed; ([0-9]+) failed.*/\2/p' | awk '{s+=$1} END {print s+0}')
	pass=$((pass + p)); fail=$((fail + f))
	[ $rc = 0 ] || [ "$f" != 0 ] || result fail "$dir: cargo test did not run ($rc)"
	echo "# $dir: $p passed, $f failed"
}
host_crate proto
proto_tests=()
for m in bytes capacity cdb error inquiry luns mode sense status vpd; do
	proto_tests+=(--skip "$m::tests::")
done
host_crate emu "${proto_tests[@]}"

# 2. Kernel style: rustfmt with the kernel's own configuration.
ksrc=$(ls -d "$SCSI_RS_CACHE"/src/linux-* 2>/dev/null | head -n1)
rsfiles=$(git ls-files '*.rs' | grep -v '^proto/')
if [ -n "$ksrc" ] && /usr/bin/rustfmt --check --edition 2021 --config-path "$ksrc/.rustfmt.toml" $rsfiles >/tmp/rustfmt.$$ 2>&1; then
	result ok "rustfmt: kernel-side Rust is formatted"
else
	sed 's/^/# /' /tmp/rustfmt.$$ | head -30
	result fail "rustfmt: kernel-side Rust is formatted"
fi
rm -f /tmp/rustfmt.$$

# 2b. clippy: the module build runs every Rust object through clippy-driver.
klog=build/kbuild-$KFLAVOR.log
if [ -f "$klog" ] && ! grep -qE '^(warning|error)(\[|:)' "$klog"; then
	result ok "clippy: no warnings in the module build"
else
	grep -E '^(warning|error)' -A6 "$klog" 2>/dev/null | head -30 | sed 's/^/# /'
	result fail "clippy: no warnings in the module build"
fi

# 3. The suite in the VM.
if [ $host_only = 0 ]; then
	kdir=$(scripts/build-kernel.sh "$KFLAVOR" | tail -n1)
	[ ${#tests[@]} -gt 0 ] && list=" ${tests[*]}" || list=
	rundir=$SCSI_RS_TOP/build/check
	echo "# booting the $KFLAVOR kernel under QEMU (TCG) for the VM suite"
	scripts/vm.sh --kernel-dir "$kdir" --stage "build/stage-$KFLAVOR" --tests tests/vm \
		--rundir "$rundir" --timeout "${VM_TIMEOUT:-3600}" --cmd "ksft-run /tests$list" >"$rundir.out" 2>&1
	rc=$?
	log=$rundir/console.log
	# Top-level results of the kselftest runner and the subtests they carry.
	grep -E '^(not )?ok [0-9]+ selftests:|^# (not )?ok [0-9]+ ' "$log" | tr -d '\r' | sed 's/^/# vm: /' | grep -v '^# vm: # ok' || true
	vp=$(tr -d '\r' <"$log" | grep -cE '^ok [0-9]+ selftests:.*' || true)
	vf=$(tr -d '\r' <"$log" | grep -cE '^not ok [0-9]+ selftests:' || true)
	while IFS= read -r l; do failed+=("vm: $l"); done < <(tr -d '\r' <"$log" | grep -E '^not ok |^# not ok ')
	pass=$((pass + vp)); fail=$((fail + vf))
	echo "# vm: $vp tests passed, $vf failed (vm.sh exit $rc; console log $log)"
	case $rc in
	0) result ok "vm: the guest ran the suite and its kernel log is clean" ;;
	3) tail -n 40 "$rundir.out" | sed 's/^/# /'; result fail "vm: kernel problem reports in the guest log" ;;
	*) tail -n 40 "$rundir.out" | sed 's/^/# /'; [ $((vp + vf)) = 0 ] && result fail "vm: the suite did not run" || result ok "vm: the guest ran the suite and its kernel log is clean" ;;
	esac
	if [ $((vp + vf)) = 0 ]; then
		result fail "vm: no kselftest result found"
	fi
fi

echo "# check took $(($(date +%s) - t0)) s"
for f in "${failed[@]}"; do echo "# FAILED: $f"; done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
