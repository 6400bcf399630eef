// SPDX-License-Identifier: GPL-2.0

//! Pieces shared by the character-device binding layers (`sg_rs/chrdev.rs`,
//! `st_rs/chrdev.rs`): the answers of the file operations, `ERR_PTR`
//! results of the glue, and the `Arc` of driver data the glue keeps as a
//! `void *` for its nodes.

use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use kernel::ffi::{c_int, c_long, c_void};
use kernel::prelude::*;
use kernel::sync::Arc;

/// A byte count or a negative errno, as `read` and `write` answer.
pub(crate) fn len_or_errno(r: Result<usize>) -> isize {
    match r {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// An `unlocked_ioctl` answer.
pub(crate) fn ioctl_ret(r: Result<c_int>) -> c_long {
    match r {
        Ok(v) => v as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// The result of a glue function that returns a pointer, `ERR_PTR(-E...)`
/// or NULL (taken as `ENOMEM`).
pub(crate) fn from_err_ptr(raw: *mut c_void) -> Result<NonNull<c_void>> {
    if (raw as usize) >= (-4095isize) as usize {
        return Err(Error::from_errno(raw as isize as c_int));
    }
    NonNull::new(raw).ok_or(ENOMEM)
}

/// Hands a reference of `data` to the glue, as a `void *` that
/// [`borrow_arc`] looks at and [`drop_arc`] gives back.
pub(crate) fn arc_into_raw<D>(data: Arc<D>) -> *mut c_void {
    Arc::into_raw(data).cast_mut().cast()
}

/// The driver data behind a `void *` of the glue, without taking its
/// reference over.
///
/// # Safety
///
/// `data` comes from [`arc_into_raw`] for `D` and is not given back (by
/// [`drop_arc`]) while the result lives.
pub(crate) unsafe fn borrow_arc<D>(data: *mut c_void) -> ManuallyDrop<Arc<D>> {
    // SAFETY: by the contract; `ManuallyDrop` keeps the count unchanged.
    ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<D>()) })
}

/// Gives back the glue's reference (its `drop_data` operation).
///
/// # Safety
///
/// `data` comes from [`arc_into_raw`] for `D`, given back once.
pub(crate) unsafe extern "C" fn drop_arc<D>(data: *mut c_void) {
    // SAFETY: by the contract.
    drop(unsafe { Arc::from_raw(data.cast::<D>()) });
}

/// A file's data, stored by the open operation.
///
/// # Safety
///
/// `p` points to a live `T` that is not released during `'a`.
pub(crate) unsafe fn file<'a, T>(p: *mut c_void) -> &'a T {
    // SAFETY: by the contract.
    unsafe { &*p.cast::<T>() }
}
