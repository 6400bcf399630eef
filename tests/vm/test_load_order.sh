#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Loads and unloads in random order, many times: modprobe always succeeds,
# rmmod succeeds exactly when the module has no holders and none of its
# device nodes is open, and at the end
# nothing is loaded and nothing leaked.
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-300}
SEED=${SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED

ktap_print_header
ktap_set_plan 4

unload_all
kmemleak_clear
mods=($ALL_MODULES)
wrong=0
for ((i = 0; i < ROUNDS; i++)); do
	m=${mods[RANDOM % ${#mods[@]}]}
	if is_loaded $m; then
		holders=$(ls /sys/module/$m/holders | wc -l)
		if rmmod $m 2>/dev/null; then
			[ $holders = 0 ] || { echo "# round $i: rmmod $m succeeded with $holders holders"; wrong=$((wrong + 1)); }
		else
			# Refused: it has holders, or one of its device nodes is open
			# (udev probes every new disk: blkid, scsi_id), which shows
			# as a reference count.
			refs=$(cat /sys/module/$m/refcnt 2>/dev/null || echo 0)
			[ $holders != 0 ] || [ "$refs" != 0 ] || {
				udevadm settle
				if rmmod $m 2>/dev/null; then
					echo "# round $i: rmmod $m refused while udev held a node; fine once settled"
				else
					echo "# round $i: rmmod $m refused with no holders and no open node"
					wrong=$((wrong + 1))
				fi
			}
		fi
	else
		modprobe $m || { echo "# round $i: modprobe $m failed"; wrong=$((wrong + 1)); }
	fi
done
echo "# seed $SEED, $ROUNDS rounds"
check "$ROUNDS random loads and unloads behave (seed $SEED)" test $wrong = 0
check "everything unloads at the end" unload_all
check "no bus, no driver left" test ! -e /sys/bus/scsi
leaks=$(kmemleak_report)
[ -n "$leaks" ] && echo "$leaks" | head -40 | sed 's/^/# /'
check "kmemleak finds nothing" test -z "$leaks"
ktap_finished
