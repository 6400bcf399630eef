// SPDX-License-Identifier: GPL-2.0

//! sg_rs: SCSI generic passthrough driver (the sg of the C stack).
//!
//! Registers with scsi_mod_rs as the `sg` upper-level driver; the core
//! offers it every device of its types, those already scanned and those
//! found later. The command path (device nodes, I/O) is not here yet: a
//! device offered now is accepted and logged.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

use scsi_rs::{types, Device, UpperDriver, UpperRegistration};

module! {
    type: SgModule,
    name: "sg_rs",
    author: "The scsi-rs developers",
    description: "SCSI generic (sg) passthrough driver in Rust",
    license: "GPL",
}

struct Sg;

impl UpperDriver for Sg {
    const NAME: &'static CStr = c_str!("sg");
    const TYPES: u32 = types::ALL;
    const INTERFACE: bool = true;

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

struct SgModule {
    _reg: UpperRegistration<Sg>,
}

impl kernel::Module for SgModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: UpperRegistration::new(Sg, module)?,
        })
    }
}
