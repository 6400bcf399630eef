// SPDX-License-Identifier: GPL-2.0

//! sd_mod_rs: SCSI disk driver (the sd of the C stack).
//!
//! Registers with scsi_mod_rs as the `sd` upper-level driver; the core
//! offers it every device of its types, those already scanned and those
//! found later. The command path (device nodes, I/O) is not here yet: a
//! device offered now is accepted and logged.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

use scsi_rs::{types, Device, UpperDriver, UpperRegistration};

module! {
    type: SdModule,
    name: "sd_mod_rs",
    author: "The scsi-rs developers",
    description: "SCSI disk (sd) upper-level driver in Rust",
    license: "GPL",
}

struct Sd;

impl UpperDriver for Sd {
    const NAME: &'static CStr = c_str!("sd");
    const TYPES: u32 = types::DISK | types::OPTICAL | types::RBC | types::ZBC;

    fn probe(&self, _dev: &Device) -> Result {
        pr_info!("device offered; attached\n");
        Ok(())
    }

    fn remove(&self, _dev: &Device) {
        pr_info!("device detached\n");
    }
}

struct SdModule {
    _reg: UpperRegistration<Sd>,
}

impl kernel::Module for SdModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: UpperRegistration::new(Sd, module)?,
        })
    }
}
