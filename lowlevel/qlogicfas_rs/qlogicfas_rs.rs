// SPDX-License-Identifier: GPL-2.0

//! qlogicfas_rs: QLogic FAS408 ISA host adapter personality.
//!
//! Registers the `qlogicfas` host-adapter driver, with the adapter's limits,
//! with scsi_mod_rs. Probing adapters and the command path are not here yet.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../../rust/scsi_rs.rs"]
mod scsi_rs;

use scsi_rs::{HostDriverRegistration, HostLimits};

module! {
    type: QlogicfasModule,
    name: "qlogicfas_rs",
    author: "The scsi-rs developers",
    description: "QLogic FAS408 personality in Rust",
    license: "GPL",
}

/// Limits of the adapter, as its C driver declares them.
const LIMITS: HostLimits = HostLimits {
    can_queue: 1,
    cmd_per_lun: 1,
    sg_tablesize: 128,
    max_sectors: 1024,
    max_channel: 0,
    max_id: 8,
    max_lun: 8,
};

struct QlogicfasModule {
    _reg: HostDriverRegistration,
}

impl kernel::Module for QlogicfasModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: HostDriverRegistration::new(c_str!("qlogicfas"), module, LIMITS)?,
        })
    }
}
