// SPDX-License-Identifier: GPL-2.0

//! sr_mod_rs: SCSI CD-ROM driver (the sr of the C stack).
//!
//! Registers with scsi_mod_rs as the `sr` upper-level driver; the core
//! offers it every device of its types, those already scanned and those
//! found later. The command path (device nodes, I/O) is not here yet: a
//! device offered now is accepted and logged.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

use scsi_rs::{types, Device, UpperDriver, UpperRegistration};

module! {
    type: SrModule,
    name: "sr_mod_rs",
    author: "The scsi-rs developers",
    description: "SCSI CD-ROM (sr) upper-level driver in Rust",
    license: "GPL",
    alias: ["scsi:t-0x04*", "scsi:t-0x05*"],
}

struct Sr;

impl UpperDriver for Sr {
    const NAME: &'static CStr = c_str!("sr");
    const TYPES: u32 = types::WORM | types::CDROM;

    type Data = ();

    fn probe(&self, dev: Device) -> Result<KBox<()>> {
        let i = dev.info()?;
        pr_info!(
            "{}:{}:{}:{}: attached (no device node yet)
",
            i.host_no,
            i.channel,
            i.id,
            i.lun
        );
        Ok(KBox::new((), GFP_KERNEL)?)
    }

    fn remove(&self, _data: KBox<()>) {}
}

struct SrModule {
    _reg: UpperRegistration<Sr>,
}

impl kernel::Module for SrModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: UpperRegistration::new(Sr, module)?,
        })
    }
}
