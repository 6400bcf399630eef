// SPDX-License-Identifier: GPL-2.0

//! virtio_scsi_rs: virtio-scsi host adapter driver.
//!
//! Registers the `virtio_scsi` host-adapter driver, with the adapter's limits,
//! with scsi_mod_rs. Probing adapters and the command path are not here yet.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../../rust/scsi_rs.rs"]
mod scsi_rs;

use scsi_rs::{HostDriverRegistration, HostLimits};

module! {
    type: VirtioScsiModule,
    name: "virtio_scsi_rs",
    author: "The scsi-rs developers",
    description: "virtio-scsi host adapter driver in Rust",
    license: "GPL",
    alias: ["virtio:d00000008v*"],
}

/// Limits of the adapter, as its C driver declares them.
const LIMITS: HostLimits = HostLimits {
    can_queue: 1024,
    cmd_per_lun: 1,
    sg_tablesize: 128,
    max_sectors: 0xffff,
    max_channel: 0,
    max_id: 256,
    max_lun: 16384,
};

struct VirtioScsiModule {
    _reg: HostDriverRegistration,
}

impl kernel::Module for VirtioScsiModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: HostDriverRegistration::new(c_str!("virtio_scsi"), module, LIMITS)?,
        })
    }
}
