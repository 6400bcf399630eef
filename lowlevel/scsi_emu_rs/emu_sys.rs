// SPDX-License-Identifier: GPL-2.0

//! The binding part both emulated adapters share (scsi_emu_rs for our core,
//! scsi_emu_c for the C mid-layer; the latter includes this file with
//! `#[path]`): the C glue of `glue.h` (each module bindgens it into its own
//! `<module>_glue_generated.rs`) and the kernel's scatterlist copies.
//!
//! - [`config`], [`fault_gen`] and [`faults`]: the module parameters;
//! - [`RootDevice`]: `/sys/devices/<module>`, the parent of the hosts;
//! - [`Workqueue`]: the module's completion workqueue;
//! - [`SgBuf`]: the emulation's `DataBuf` over a command's scatterlist,
//!   copying straight between the medium and the command's pages;
//! - [`read_file`]: a CD image, in a vmalloc buffer.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::bindings;
use kernel::ffi::{c_uint, c_void};
use kernel::prelude::*;
use kernel::str::CStr;

use crate::databuf::DataBuf;

/// Bindings of the module's glue header.
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
    pub(crate) num_targets: i32,
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
        num_targets: c.num_targets,
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
// Root device, workqueue

/// `/sys/devices/<module>`; unregistered on drop.
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

    /// The device, as the parent of hosts. Valid while `self` lives.
    pub(crate) fn as_ptr(&self) -> *mut bindings::device {
        self.0.as_ptr()
    }
}

impl Drop for RootDevice {
    fn drop(&mut self) {
        // SAFETY: registered in `register`, unregistered once.
        unsafe { glue::emu_glue_root_unregister(self.0.as_ptr()) };
    }
}

/// The module's completion workqueue; destroyed on drop, after every work
/// item on it (the module drops its hosts first).
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

// ---------------------------------------------------------------------------
// Data

/// The data buffer of a command: its scatterlist, for the emulation.
pub(crate) struct SgBuf<'a> {
    sgl: *mut bindings::scatterlist,
    nents: c_uint,
    len: usize,
    _cmd: PhantomData<&'a ()>,
}

impl SgBuf<'_> {
    /// The data buffer of a command (empty without data).
    ///
    /// # Safety
    ///
    /// Unless `sgl` is null or `nents` is 0, `sgl` is a scatterlist of
    /// `nents` entries mapping at least `len` bytes, valid for the lifetime
    /// of the result and not accessed by anybody else meanwhile (the
    /// command is the adapter's).
    pub(crate) unsafe fn from_raw(
        sgl: *mut bindings::scatterlist,
        nents: usize,
        len: usize,
    ) -> Self {
        let len = if sgl.is_null() || nents == 0 { 0 } else { len };
        SgBuf {
            sgl,
            nents: c_uint::try_from(nents).unwrap_or(c_uint::MAX),
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
        // SAFETY: the scatterlist maps at least `len` bytes and is ours
        // (`from_raw`); `src` has `n` readable bytes. The copy maps each
        // page itself (atomic context is fine).
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
