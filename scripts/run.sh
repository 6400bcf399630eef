#!/usr/bin/env bash
# Boot the VM on the cached kernel with the staged modules, load the stack
# with modprobe, then with --cmd run one command and exit with its status,
# else give an interactive shell.
# The arguments are passed to vm.sh (--cmd, --extra, --stack, ...).
set -euo pipefail
. "$(dirname "$0")/env.sh"
kdir=$("$SCSI_RS_TOP/scripts/build-kernel.sh" "$KFLAVOR" | tail -n1)
# STACK=c (from make) loads the C stack instead, for comparison.
if [ "${STACK:-rs}" = c ]; then
	load=scsi_mod,virtio_scsi,sd_mod,sr_mod,st,sg
else
	load=scsi_mod_rs,virtio_scsi_rs,sd_mod_rs,sr_mod_rs,st_rs,sg_rs
fi
exec "$SCSI_RS_TOP/scripts/vm.sh" --kernel-dir "$kdir" --stage "$SCSI_RS_TOP/build/stage-$KFLAVOR" \
	--tests "$SCSI_RS_TOP/tests/vm" \
	--append "scsi_rs.load=$load" "$@"
