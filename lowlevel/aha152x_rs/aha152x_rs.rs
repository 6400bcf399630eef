// SPDX-License-Identifier: GPL-2.0

//! aha152x_rs: Adaptec AHA-152x/AIC-6260 host adapter personality.
//!
//! Registers the `aha152x` host-adapter driver, with the adapter's limits,
//! with scsi_mod_rs. It probes no adapter yet (the emulated personalities come with the
//! emulated target adapter), so it adds no host and gets no command.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../../rust/scsi_rs.rs"]
mod scsi_rs;

use scsi_rs::{Busy, Cmd, HostDriver, HostDriverRegistration, HostLimits};

module! {
    type: Aha152xModule,
    name: "aha152x_rs",
    author: "The scsi-rs developers",
    description: "Adaptec AHA-152x personality in Rust",
    license: "GPL",
}

/// The adapter driver.
struct Aha152x;

impl HostDriver for Aha152x {
    const NAME: &'static CStr = c_str!("aha152x");
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

    type Data = ();

    fn queuecommand(_host: &(), cmd: Cmd) -> core::result::Result<(), (Busy, Cmd)> {
        // No host is ever added, so the core never sends a command.
        Err((Busy::Host, cmd))
    }
}

struct Aha152xModule {
    _reg: HostDriverRegistration<Aha152x>,
}

impl kernel::Module for Aha152xModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _reg: HostDriverRegistration::new(module)?,
        })
    }
}
