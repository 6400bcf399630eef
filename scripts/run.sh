#!/usr/bin/env bash
# Boot the VM on the cached kernel with the staged modules; with --cmd run
# one command and exit with its status, else an interactive shell.
# The arguments are passed to vm.sh (--cmd, --extra, --stack, ...).
set -euo pipefail
. "$(dirname "$0")/env.sh"
kdir=$("$SCSI_RS_TOP/scripts/build-kernel.sh" "$KFLAVOR" | tail -n1)
exec "$SCSI_RS_TOP/scripts/vm.sh" --kernel-dir "$kdir" --stage "$SCSI_RS_TOP/build/stage-$KFLAVOR" \
	--tests "$SCSI_RS_TOP/tests/vm" "$@"
