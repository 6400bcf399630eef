// SPDX-License-Identifier: GPL-2.0

//! The binding part of scsi_emu_c proper (with `emu_sys.rs`, shared with
//! scsi_emu_rs): every `unsafe` of the module is here.
//!
//! - [`CHost`]: a host of the C mid-layer (`glue_c.c`) and the emulated
//!   units it serves, removed and freed in that order on drop;
//! - the entry points `glue_c.c` calls with a host's units, addressed by
//!   target id and LUN: execute, abort, LUN reset, target reset, reset.

use core::ptr::NonNull;

use kernel::bindings;
use kernel::error::to_result;
use kernel::ffi::c_void;
use kernel::prelude::*;

use crate::emu_sys::{glue, RootDevice, SgBuf};
use crate::outcome::Action;
use crate::units::Units;

/// A host of the C mid-layer with its units.
pub(crate) struct CHost {
    h: NonNull<glue::emu_c_host>,
    host_no: u32,
    units: KBox<Units>,
}

// SAFETY: the C functions on a host may be called from any process
// context; `Units` is `Send + Sync`.
unsafe impl Send for CHost {}
// SAFETY: as above; `&self` only scans or reads.
unsafe impl Sync for CHost {}

impl CHost {
    /// Adds a host below `root` serving `units`, with their targets (its
    /// `max_id`); nothing is scanned yet.
    pub(crate) fn add(root: &RootDevice, units: KBox<Units>) -> Result<Self> {
        let mut h = core::ptr::null_mut();
        let mut host_no = 0;
        let ctx = (&*units as *const Units).cast::<c_void>();
        let targets = units.target_count();
        // SAFETY: `root` is live, and the module drops its hosts before its
        // root device (field order of `EmuCModule`); `ctx` points to the
        // boxed units, which `self` drops only after removing the host.
        to_result(unsafe {
            glue::emu_c_host_add(root.as_ptr(), ctx, targets, &mut h, &mut host_no)
        })?;
        let h = NonNull::new(h).ok_or(EINVAL)?;
        Ok(CHost { h, host_no, units })
    }

    /// The host number N (hostN).
    pub(crate) fn host_no(&self) -> u32 {
        self.host_no
    }

    /// The units of the host.
    pub(crate) fn units(&self) -> &Units {
        &self.units
    }

    /// Scans the host (asynchronously, as the C mid-layer's scan= says).
    pub(crate) fn scan(&self) {
        // SAFETY: a live host.
        unsafe { glue::emu_c_host_scan(self.h.as_ptr()) };
    }
}

impl Drop for CHost {
    fn drop(&mut self) {
        // SAFETY: added in `add`, removed once; when this returns no
        // command is left and the units are no longer used. `units` is
        // dropped after this.
        unsafe { glue::emu_c_host_remove(self.h.as_ptr()) };
    }
}

/// The units a host passed back.
///
/// # Safety
///
/// `units` is the pointer `CHost::add` gave the host, which is live.
unsafe fn units<'a>(units: *const c_void) -> &'a Units {
    // SAFETY: by the function's contract the boxed units outlive the host.
    unsafe { &*units.cast::<Units>() }
}

/// queuecommand's emulation of a command for LUN `lun` of target `id`
/// (atomic context). `false`, `out` untouched: there is no target `id`.
///
/// # Safety
///
/// `units` as for [`units`]; `cdb` has `cdb_len` bytes; `sgl` is the
/// command's scatterlist of `nents` entries for `len` bytes (or null), the
/// command being the adapter's during the call; `out` is writable.
#[no_mangle]
unsafe extern "C" fn scsi_emu_c_execute(
    units_ptr: *const c_void,
    host_no: u32,
    id: u32,
    lun: u64,
    cdb: *const u8,
    cdb_len: u32,
    sgl: *mut bindings::scatterlist,
    nents: u32,
    len: u32,
    out: *mut glue::emu_c_outcome,
) -> bool {
    if units_ptr.is_null() || cdb.is_null() || out.is_null() {
        return false;
    }
    // SAFETY: by the function's contract.
    let (u, cdb, out) = unsafe {
        (
            units(units_ptr),
            core::slice::from_raw_parts(cdb, cdb_len as usize),
            &mut *out,
        )
    };
    // SAFETY: by the function's contract; the buffer lives for the call.
    let mut buf = unsafe { SgBuf::from_raw(sgl, nents as usize, len as usize) };
    let Some(o) = u.execute(host_no, id, lun, cdb, &mut buf) else {
        return false;
    };
    *out = glue::emu_c_outcome::default();
    out.status = o.status;
    let sense = o.sense_data();
    let n = sense.len().min(out.sense.len());
    out.sense[..n].copy_from_slice(&sense[..n]);
    out.sense_len = n as u8;
    out.resid = o.resid;
    match o.action {
        Action::Complete => out.action = glue::EMU_C_COMPLETE as u8,
        Action::Delay(ms) => {
            out.action = glue::EMU_C_DELAY as u8;
            out.delay_ms = ms;
        }
        Action::Drop => out.action = glue::EMU_C_DROP as u8,
    }
    true
}

/// The error handler aborted a command of LUN `lun` of target `id`.
///
/// # Safety
///
/// As for [`units`].
#[no_mangle]
unsafe extern "C" fn scsi_emu_c_abort(units_ptr: *const c_void, id: u32, lun: u64, tag: u32) {
    if !units_ptr.is_null() {
        // SAFETY: by the function's contract.
        unsafe { units(units_ptr) }.abort(id, lun, u64::from(tag));
    }
}

/// The error handler reset LUN `lun` of target `id`.
///
/// # Safety
///
/// As for [`units`].
#[no_mangle]
unsafe extern "C" fn scsi_emu_c_lun_reset(units_ptr: *const c_void, id: u32, lun: u64) {
    if !units_ptr.is_null() {
        // SAFETY: by the function's contract.
        unsafe { units(units_ptr) }.lun_reset(id, lun);
    }
}

/// The error handler reset target `id`.
///
/// # Safety
///
/// As for [`units`].
#[no_mangle]
unsafe extern "C" fn scsi_emu_c_target_reset(units_ptr: *const c_void, id: u32) {
    if !units_ptr.is_null() {
        // SAFETY: by the function's contract.
        unsafe { units(units_ptr) }.target_reset(id);
    }
}

/// The error handler reset the host.
///
/// # Safety
///
/// As for [`units`].
#[no_mangle]
unsafe extern "C" fn scsi_emu_c_reset(units_ptr: *const c_void) {
    if !units_ptr.is_null() {
        // SAFETY: by the function's contract.
        unsafe { units(units_ptr) }.reset();
    }
}
