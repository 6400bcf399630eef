// SPDX-License-Identifier: GPL-2.0

//! Pieces shared by the character-device binding layers (`sg_rs/chrdev.rs`,
//! `st_rs/chrdev.rs`): the answers of the file operations, `ERR_PTR`
//! results of the glue, the `Arc` of driver data the glue keeps as a
//! `void *` for its nodes, the registration of the glue's region and
//! class, and the nodes the glue adds below a SCSI device.

use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use kernel::error::to_result;
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

/// The glue's character-device region and class, registered with a table
/// of file operations and unregistered on drop.
pub(crate) struct GlueRegistration {
    unregister: unsafe extern "C" fn(),
}

impl GlueRegistration {
    /// Calls `register(ops)`.
    ///
    /// # Safety
    ///
    /// `register` and `unregister` are the glue's pair for one module,
    /// called once each; `ops` has the layout the glue reads.
    pub(crate) unsafe fn new<O>(
        register: unsafe extern "C" fn(*const O) -> c_int,
        unregister: unsafe extern "C" fn(),
        ops: &'static O,
    ) -> Result<Self> {
        // SAFETY: by the contract; `ops` lives as long as the module.
        to_result(unsafe { register(ops) })?;
        Ok(Self { unregister })
    }
}

impl Drop for GlueRegistration {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; the module's nodes are gone (they
        // live in driver data the core removes before the driver
        // unregisters, and open files pin the module).
        unsafe { (self.unregister)() };
    }
}

/// A glue function that adds a node below `parent` for `data` (an
/// [`arc_into_raw`] reference the glue then owns) and stores its index.
pub(crate) type NodeAddFn =
    unsafe extern "C" fn(parent: *mut c_void, data: *mut c_void, index: *mut c_int) -> *mut c_void;

/// Nodes the glue added below a SCSI device, removed on drop.
pub(crate) struct GlueNode {
    raw: NonNull<c_void>,
    index: u32,
    del: unsafe extern "C" fn(*mut c_void),
}

// SAFETY: the glue's node functions may be called from any process context.
unsafe impl Send for GlueNode {}
// SAFETY: `&self` only reads the index.
unsafe impl Sync for GlueNode {}

impl GlueNode {
    /// Adds nodes below `parent` whose files get `data`.
    ///
    /// # Safety
    ///
    /// `add` and `del` are the glue's pair for one kind of node, of a
    /// registered region whose `drop_data` gives back a `D`; `parent` is
    /// a live device.
    pub(crate) unsafe fn add<D>(
        add: NodeAddFn,
        del: unsafe extern "C" fn(*mut c_void),
        parent: *mut c_void,
        data: Arc<D>,
    ) -> Result<Self> {
        let mut index = 0;
        // SAFETY: by the contract; the glue owns the reference from here
        // on and gives it to `drop_data` once, also on failure.
        let raw = unsafe { add(parent, arc_into_raw(data), &mut index) };
        Ok(Self {
            raw: from_err_ptr(raw)?,
            index: index as u32,
            del,
        })
    }

    /// The index the glue gave the nodes (N of `sgN`, `stN`).
    pub(crate) fn index(&self) -> u32 {
        self.index
    }
}

impl Drop for GlueNode {
    fn drop(&mut self) {
        // SAFETY: added in `add` by the pair `del` belongs to, removed once.
        unsafe { (self.del)(self.raw.as_ptr()) };
    }
}
