// SPDX-License-Identifier: GPL-2.0

//! scsi_emu_c: the target emulation of scsi_emu_rs under the C SCSI
//! mid-layer.
//!
//! The same disks, CD-ROM drives and tape drives as scsi_emu_rs (the `emu`
//! crate, the same parameters, the same LUN handling in `units.rs`), behind
//! hosts of the kernel's C mid-layer, so that the C sd, sr, st and sg
//! drivers can be checked against the emulation. The C part (`glue_c.c`)
//! registers the host template and keeps the command queue and the error
//! handlers; this crate reads the parameters, builds each host's units and
//! runs the emulation for queuecommand. It uses nothing of scsi_mod_rs:
//! the two stacks are exclusive.
//!
//! This file holds the module's logic and no `unsafe`; `csys.rs` and
//! `emu_sys.rs` (shared with scsi_emu_rs) are the binding part.

use kernel::prelude::*;

#[path = "../scsi_emu_rs/emu_sys.rs"]
mod emu_sys;
#[path = "../scsi_emu_rs/units.rs"]
mod units;

mod csys;

// The protocol files the emulation uses, and the emulation, as siblings
// (see Documentation/emulator.rst). The emulation is written for rustc 1.85
// (the toolchain), newer than the kernel's minimum that clippy checks.
#[path = "../../proto/src/bytes.rs"]
#[allow(dead_code, unreachable_pub)]
mod bytes;
#[path = "../../proto/src/capacity.rs"]
#[allow(dead_code, unreachable_pub)]
mod capacity;
#[path = "../../proto/src/cdb.rs"]
#[allow(dead_code, unreachable_pub)]
mod cdb;
#[path = "../../proto/src/error.rs"]
#[allow(dead_code, unreachable_pub)]
mod error;
#[path = "../../proto/src/inquiry.rs"]
#[allow(dead_code, unreachable_pub)]
mod inquiry;
#[path = "../../proto/src/luns.rs"]
#[allow(dead_code, unreachable_pub)]
mod luns;
#[path = "../../proto/src/mode.rs"]
#[allow(dead_code, unreachable_pub)]
mod mode;
#[path = "../../proto/src/sense.rs"]
#[allow(dead_code, unreachable_pub)]
mod sense;
#[path = "../../proto/src/status.rs"]
#[allow(dead_code, unreachable_pub)]
mod status;
#[path = "../../proto/src/vpd.rs"]
#[allow(dead_code, unreachable_pub)]
mod vpd;

#[path = "../../emu/src/cdrom.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod cdrom;
#[path = "../../emu/src/databuf.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod databuf;
#[path = "../../emu/src/disk.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod disk;
#[path = "../../emu/src/fault.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod fault;
#[path = "../../emu/src/lun.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod lun;
#[path = "../../emu/src/opcodes.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod opcodes;
#[path = "../../emu/src/outcome.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod outcome;
#[path = "../../emu/src/spc.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod spc;
#[path = "../../emu/src/tape.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod tape;
#[path = "../../emu/src/tapefmt.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod tapefmt;
#[path = "../../emu/src/target.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod target;
#[path = "../../emu/src/ua.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod ua;

use units::{Settings, Units};

module! {
    type: EmuCModule,
    name: "scsi_emu_c",
    author: "The scsi-rs developers",
    description: "Emulated SCSI host adapter (disk, CD-ROM, tape) for the C SCSI mid-layer",
    license: "GPL",
}

/// Dropped in field order: the hosts (each removed, then its units freed),
/// the root device, the workqueue.
struct EmuCModule {
    _hosts: KVec<csys::CHost>,
    _root: emu_sys::RootDevice,
    _wq: emu_sys::Workqueue,
}

impl kernel::Module for EmuCModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut s = Settings::read()?;
        let wq = emu_sys::Workqueue::create()?;
        let root = emu_sys::RootDevice::register()?;
        let mut hosts = KVec::with_capacity(s.num_hosts as usize, GFP_KERNEL)?;
        for i in 0..s.num_hosts {
            let units = KBox::new(Units::new(i, &s)?, GFP_KERNEL)?;
            let host = csys::CHost::add(&root, units)?;
            pr_info!(
                "host{}: emulated adapter {}, targets 0 to {}, {} LUNs each\n",
                host.host_no(),
                i,
                host.units().target_count() - 1,
                host.units().count()
            );
            host.units().log(host.host_no());
            hosts.push(host, GFP_KERNEL)?;
        }
        s.drop_image();
        for h in hosts.iter() {
            h.scan();
        }
        Ok(EmuCModule {
            _hosts: hosts,
            _root: root,
            _wq: wq,
        })
    }
}
