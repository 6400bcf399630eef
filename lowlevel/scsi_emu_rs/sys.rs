// SPDX-License-Identifier: GPL-2.0

//! The binding part of scsi_emu_rs proper: with `emu_sys.rs` (shared with
//! scsi_emu_c), every `unsafe` of the driver is here.
//!
//! - [`Kicker`]: one delayed work item per host, on the module's workqueue,
//!   whose function runs [`EmuHost::run`];
//! - [`cmd_buf`]: the data buffer of a command of our core;
//! - [`take_eh_fail`], [`take_eh_lie`]: the `eh_fail` and `eh_lie` fault
//!   parameters;
//! - [`add_host`]: a host below the root device.

use core::ptr::NonNull;

use kernel::ffi::{c_uint, c_void};
use kernel::prelude::*;

use crate::emu_sys::{glue, RootDevice, SgBuf};
use crate::scsi_rs::{Cmd, Host, HostDriver, HostDriverRegistration, HostParams};
use crate::{Emu, EmuHost};

/// A host's delayed work item, which runs [`EmuHost::run`] on the module's
/// workqueue. Cancelled (waiting for a running instance) and freed on drop.
pub(crate) struct Kicker(NonNull<glue::emu_glue_kick>);

// SAFETY: the C functions on the item may be called from any context
// (`mod_delayed_work` is irq-safe); drop runs in process context.
unsafe impl Send for Kicker {}
// SAFETY: as above.
unsafe impl Sync for Kicker {}

impl Kicker {
    /// A new work item that does nothing until it is bound.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: allocates and initialises the item; `run` is a function
        // of this module, which outlives the item.
        let k = unsafe { glue::emu_glue_kick_new(Some(run)) };
        NonNull::new(k).map(Self).ok_or(ENOMEM)
    }

    /// Makes the item run `host.run()`. `host` must own the kicker (it is
    /// the first field of [`EmuHost`]), so that dropping the host cancels
    /// the item before anything else of the host goes away.
    pub(crate) fn bind(&self, host: &EmuHost) {
        let ctx = (host as *const EmuHost).cast_mut().cast::<c_void>();
        // SAFETY: a live item; `ctx` stays valid while the item exists
        // (see above).
        unsafe { glue::emu_glue_kick_bind(self.0.as_ptr(), ctx) };
    }

    /// Runs the item in `ms` milliseconds (0: now); any context.
    pub(crate) fn kick(&self, ms: u32) {
        // SAFETY: a live item on a live workqueue.
        unsafe { glue::emu_glue_kick(self.0.as_ptr(), ms as c_uint) };
    }
}

impl Drop for Kicker {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`, freed once; cancels and waits first.
        unsafe { glue::emu_glue_kick_free(self.0.as_ptr()) };
    }
}

/// The work item's function.
///
/// # Safety
///
/// `ctx` is the [`EmuHost`] bound with [`Kicker::bind`], alive while its
/// kicker exists.
unsafe extern "C" fn run(ctx: *mut c_void) {
    // SAFETY: by the function's contract: the kicker is the host's first
    // field, so the host is alive until the kicker's drop has cancelled
    // the item and waited for this call.
    let host = unsafe { &*ctx.cast::<EmuHost>() };
    host.run();
}

/// Whether the next abort or reset is to fail (the `eh_fail` parameter),
/// counting it.
pub(crate) fn take_eh_fail() -> bool {
    // SAFETY: an atomic update of a variable of the C part.
    unsafe { glue::emu_glue_take_eh_fail() }
}

/// Whether the next abort or reset is to report success without doing
/// anything (the `eh_lie` parameter), counting it.
pub(crate) fn take_eh_lie() -> bool {
    // SAFETY: an atomic update of a variable of the C part.
    unsafe { glue::emu_glue_take_eh_lie() }
}

/// The data buffer of a command the adapter holds.
pub(crate) fn cmd_buf(cmd: &Cmd) -> SgBuf<'_> {
    let (sgl, nents) = cmd.sg();
    // SAFETY: the scatterlist the core mapped for the command, with
    // `nents` entries for `data_len` bytes; the command is the adapter's
    // while it holds the `Cmd`, which the result borrows.
    unsafe { SgBuf::from_raw(sgl, nents, cmd.data_len() as usize) }
}

/// Adds a host below the root device.
pub(crate) fn add_host(
    reg: &HostDriverRegistration<Emu>,
    root: &RootDevice,
    params: &HostParams,
    data: KBox<<Emu as HostDriver>::Data>,
) -> Result<Host<Emu>> {
    // SAFETY: the root device is live; the module drops every host before
    // its root device (field order of `EmuModule`).
    unsafe { Host::add(reg, root.as_ptr(), params, data) }
}
