// SPDX-License-Identifier: GPL-2.0

//! st_rs: SCSI tape driver (the st of the C stack).
//!
//! Registers with scsi_mod_rs as the `st` upper-level driver; the core
//! offers it every device of its types, those already scanned and those
//! found later. The command path (device nodes, I/O) is not here yet: a
//! device offered now is accepted and logged.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

use scsi_rs::{types, Device, UpperDriver, UpperRegistration};

module! {
    type: StModule,
    name: "st_rs",
    author: "The scsi-rs developers",
    description: "SCSI tape (st) upper-level driver in Rust",
    license: "GPL",
    alias: ["scsi:t-0x01*"],
}

struct St;

impl UpperDriver for St {
    const NAME: &'static CStr = c_str!("st");
    const TYPES: u32 = types::TAPE;

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

struct StModule {
    _reg: UpperRegistration<St>,
}

impl kernel::Module for StModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: UpperRegistration::new(St, module)?,
        })
    }
}
