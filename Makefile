# SPDX-License-Identifier: GPL-2.0
# Entry points of the Rust SCSI stack. Kbuild reads ./Kbuild, not this file.
#
#   make run                 build all, boot the VM, shell with the stack loaded
#   make run CMD='lsscsi'    run one command in the VM, exit with its status
#   make run EXTRA=dir       also copy dir into the VM at /extra
#   make check               build all, run the whole suite (KTAP), summary line
#   make modules             build the modules against the cached kernel
#   make kernel              build (or reuse) the cached kernel
#   make setup               install the toolchain and VM tools (Debian 12, root)
#   make bench               Rust vs C stack on the base kernel (ROUNDS=5 RUNTIME=2
#                            seconds per sample); Documentation/benchmark.rst
#
# KFLAVOR=debug (default; KASAN, lockdep, kmemleak) or base (for benchmarks).
# STACK=rs (default) or c: which SCSI stack udev autoloads in the VM.

KFLAVOR ?= debug
STACK ?= rs
CMD ?=
EXTRA ?=
TESTS ?=
ROUNDS ?= 5
RUNTIME ?= 2

export KFLAVOR STACK

.PHONY: all setup kernel modules run check check-host bench clean

all: modules

setup:
	@scripts/setup.sh

kernel: setup
	@scripts/build-kernel.sh $(KFLAVOR) >/dev/null

modules: kernel
	@scripts/build-modules.sh $(KFLAVOR) >/dev/null

run: modules
	@scripts/run.sh --stack $(STACK) $(if $(EXTRA),--extra $(EXTRA)) $(if $(CMD),--cmd '$(CMD)')

check: modules
	@scripts/check.sh $(TESTS)

check-host:
	@scripts/check.sh --host-only

# Builds the base kernel and modules itself, whatever KFLAVOR says.
bench: setup
	@ROUNDS='$(ROUNDS)' RUNTIME='$(RUNTIME)' scripts/bench.sh

clean:
	rm -rf build proto/target emu/target
	find . \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name '*_generated.rs' -o -name modules.order \
		-o -name Module.symvers -o -name '*.d' \) -not -path './.git/*' -delete
