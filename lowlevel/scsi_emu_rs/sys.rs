// SPDX-License-Identifier: GPL-2.0

//! The binding part of scsi_emu_rs: every `unsafe` of the driver is here.
//!
//! It wraps the C binding layer (`glue.c`, bindgen'd from `glue.h`) and the
//! kernel's scatterlist copy functions in types whose methods are safe:
//!
//! - [`config`] and [`faults`]: the module parameters;
//! - [`RootDevice`]: `/sys/devices/scsi_emu_rs`, the parent of the hosts;
//! - [`Workqueue`] and [`Kicker`]: the completion workqueue and one delayed
//!   work item per host, whose function runs [`EmuHost::run`];
//! - [`SgBuf`]: the emulation's `DataBuf` over a command's scatterlist,
//!   copying straight between the medium and the command's pages;
//! - [`read_file`]: a CD image, in a vmalloc buffer;
//! - [`add_host`]: a host below the root device.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::bindings;
use kernel::ffi::{c_uint, c_void};
use kernel::prelude::*;
use kernel::str::CStr;

use crate::databuf::DataBuf;
use crate::scsi_rs::{Cmd, Host, HostDriverRegistration, HostParams};
use crate::{Emu, EmuHost};

/// Bindings of `glue.h`.
#[allow(
    dead_code,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    unreachable_pub,
    improper_ctypes,
    unused_imports,
    unsafe_op_in_unsafe_fn,
    missing_docs,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
pub(crate) mod glue {
    include!(concat!(env!("RUST_MODFILE"), "_glue_generated.rs"));
}

pub(crate) use glue::emu_glue_faults as FaultParams;

/// Indexes of the fault parameters' generations.
pub(crate) mod fparam {
    use super::glue;
    pub(crate) const EVERY_NTH: usize = glue::EMU_GLUE_F_EVERY_NTH as usize;
    pub(crate) const OPCODE: usize = glue::EMU_GLUE_F_OPCODE as usize;
    pub(crate) const SENSE: usize = glue::EMU_GLUE_F_SENSE as usize;
    pub(crate) const DELAY: usize = glue::EMU_GLUE_F_DELAY as usize;
    pub(crate) const DROP: usize = glue::EMU_GLUE_F_DROP as usize;
    pub(crate) const BUSY: usize = glue::EMU_GLUE_F_BUSY as usize;
    pub(crate) const TSF: usize = glue::EMU_GLUE_F_TSF as usize;
    pub(crate) const LUN: usize = glue::EMU_GLUE_F_LUN as usize;
    pub(crate) const COUNT: usize = glue::EMU_GLUE_F_COUNT as usize;
}

// ---------------------------------------------------------------------------
// Module parameters

/// The load-time parameters.
pub(crate) struct Config {
    pub(crate) num_hosts: i32,
    pub(crate) dev_size_mb: i32,
    pub(crate) sector_size: i32,
    pub(crate) tape_size_mb: i32,
    pub(crate) cd_size_mb: i32,
    pub(crate) luns: &'static CStr,
    pub(crate) cd_image: &'static CStr,
}

/// Reads the load-time parameters.
pub(crate) fn config() -> Config {
    let mut c = glue::emu_glue_config::default();
    // SAFETY: fills in the structure, nothing else.
    unsafe { glue::emu_glue_config(&mut c) };
    // SAFETY: both point to the NUL-terminated string arrays of read-only
    // (0444) module parameters: static data of this module that never
    // changes after the module's parameters were parsed at load.
    let (luns, cd_image) =
        unsafe { (CStr::from_char_ptr(c.luns), CStr::from_char_ptr(c.cd_image)) };
    Config {
        num_hosts: c.num_hosts,
        dev_size_mb: c.dev_size_mb,
        sector_size: c.sector_size,
        tape_size_mb: c.tape_size_mb,
        cd_size_mb: c.cd_size_mb,
        luns,
        cd_image,
    }
}

/// The global generation of the fault parameters: it changes with every
/// write of one of them.
pub(crate) fn fault_gen() -> u32 {
    // SAFETY: reads a variable of the C part.
    unsafe { glue::emu_glue_fault_gen() }
}

/// The fault parameters and their generations.
pub(crate) fn faults() -> FaultParams {
    let mut f = FaultParams::default();
    // SAFETY: fills in the structure, nothing else.
    unsafe { glue::emu_glue_faults(&mut f) };
    f
}

// ---------------------------------------------------------------------------
// Devices, workqueue, work items

/// `/sys/devices/scsi_emu_rs`; unregistered on drop.
pub(crate) struct RootDevice(NonNull<bindings::device>);

// SAFETY: a registered device may be used and unregistered from any
// process context.
unsafe impl Send for RootDevice {}
// SAFETY: `&self` only hands out the pointer.
unsafe impl Sync for RootDevice {}

impl RootDevice {
    /// Registers the root device.
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: no preconditions; process context (module init).
        let p = unsafe { glue::emu_glue_root_register() };
        NonNull::new(p).map(Self).ok_or(ENOMEM)
    }
}

impl Drop for RootDevice {
    fn drop(&mut self) {
        // SAFETY: registered in `register`, unregistered once.
        unsafe { glue::emu_glue_root_unregister(self.0.as_ptr()) };
    }
}

/// The module's completion workqueue; destroyed on drop, after every
/// [`Kicker`] (the module drops its hosts first).
pub(crate) struct Workqueue(());

impl Workqueue {
    /// Creates the workqueue.
    pub(crate) fn create() -> Result<Self> {
        // SAFETY: called once, at module init.
        kernel::error::to_result(unsafe { glue::emu_glue_wq_create() })?;
        Ok(Self(()))
    }
}

impl Drop for Workqueue {
    fn drop(&mut self) {
        // SAFETY: created in `create`; every work item on it has been
        // cancelled and freed (the hosts are gone).
        unsafe { glue::emu_glue_wq_destroy() };
    }
}

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
        // SAFETY: allocates and initialises the item.
        let k = unsafe { glue::emu_glue_kick_new() };
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
#[no_mangle]
unsafe extern "C" fn scsi_emu_rs_run(ctx: *mut c_void) {
    // SAFETY: by the function's contract: the kicker is the host's first
    // field, so the host is alive until the kicker's drop has cancelled
    // the item and waited for this call.
    let host = unsafe { &*ctx.cast::<EmuHost>() };
    host.run();
}

// ---------------------------------------------------------------------------
// Data

/// The data buffer of a command: its scatterlist, for the emulation.
pub(crate) struct SgBuf<'a> {
    sgl: *mut bindings::scatterlist,
    nents: c_uint,
    len: usize,
    _cmd: PhantomData<&'a Cmd>,
}

impl<'a> SgBuf<'a> {
    /// The data buffer of `cmd` (empty without data).
    pub(crate) fn new(cmd: &'a Cmd) -> Self {
        let (sgl, nents) = cmd.sg();
        let len = if sgl.is_null() || nents == 0 {
            0
        } else {
            cmd.data_len() as usize
        };
        SgBuf {
            sgl,
            nents: nents as c_uint,
            len,
            _cmd: PhantomData,
        }
    }
}

impl DataBuf for SgBuf<'_> {
    fn len(&self) -> usize {
        self.len
    }

    fn copy_to_host(&mut self, off: usize, src: &[u8]) -> usize {
        let n = src.len().min(self.len.saturating_sub(off));
        if n == 0 {
            return 0;
        }
        // SAFETY: the scatterlist of a command the adapter holds (the
        // borrow of the `Cmd`): `nents` entries mapping at least `len`
        // bytes of the request's pages; `src` has `n` readable bytes. The
        // copy maps each page itself (atomic context is fine).
        unsafe {
            bindings::sg_pcopy_from_buffer(self.sgl, self.nents, src.as_ptr().cast(), n, off as _)
        }
    }

    fn copy_from_host(&self, off: usize, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.len.saturating_sub(off));
        if n == 0 {
            return 0;
        }
        // SAFETY: as in `copy_to_host`; `dst` has `n` writable bytes.
        unsafe {
            bindings::sg_pcopy_to_buffer(self.sgl, self.nents, dst.as_mut_ptr().cast(), n, off as _)
        }
    }
}

/// Reads the file at `path` (at most `max` bytes) into a vmalloc buffer.
pub(crate) fn read_file(path: &CStr, max: usize) -> Result<VVec<u8>> {
    let mut buf: *mut c_void = core::ptr::null_mut();
    // SAFETY: `path` is NUL-terminated; `buf` is writable. Process context
    // (module init).
    let n = unsafe { glue::emu_glue_read_file(path.as_char_ptr(), max, &mut buf) };
    if n < 0 {
        return Err(Error::from_errno(n as i32));
    }
    let Some(p) = NonNull::new(buf.cast::<u8>()) else {
        return Err(EINVAL);
    };
    let n = n as usize;
    // SAFETY: `kernel_read_file()` allocated the buffer with `vmalloc()` for
    // the file's whole size and read `n` bytes, the whole file (it fails
    // with EFBIG for a larger one). The `Vmalloc` allocator frees with
    // `vrealloc(p, 0)`, which is `vfree()`; a vmalloc buffer is page-aligned.
    Ok(unsafe { VVec::from_raw_parts(p.as_ptr(), n, n) })
}

/// Adds a host below the root device.
pub(crate) fn add_host(
    reg: &HostDriverRegistration<Emu>,
    root: &RootDevice,
    params: &HostParams,
    data: KBox<<Emu as crate::scsi_rs::HostDriver>::Data>,
) -> Result<Host<Emu>> {
    // SAFETY: the root device is live; the module drops every host before
    // its root device (field order of `EmuModule`).
    unsafe { Host::add(reg, root.0.as_ptr(), params, data) }
}
