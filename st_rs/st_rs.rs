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
}

struct St;

impl UpperDriver for St {
    const NAME: &'static CStr = c_str!("st");
    const TYPES: u32 = types::TAPE;

    fn probe(&self, _dev: &Device) -> Result {
        pr_info!("device offered; attached\n");
        Ok(())
    }

    fn remove(&self, _dev: &Device) {
        pr_info!("device detached\n");
    }
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
