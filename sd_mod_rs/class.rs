// SPDX-License-Identifier: GPL-2.0

//! The `scsi_disk` class (binding layer over the class in glue.c).
//!
//! [`ClassRegistration`] registers the class with the attribute operations
//! of a type `T: Attrs`; a [`ClassDev`] is one device of the class, named
//! after its SCSI device and below it, whose attribute calls reach an
//! `Arc<T>` it holds until the device is gone.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::to_result;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_void};
use kernel::prelude::*;
use kernel::sync::Arc;

use crate::scsi_rs;

#[repr(C)]
struct Ops {
    show: unsafe extern "C" fn(*mut c_void, c_uint, *mut c_char) -> c_long,
    store: unsafe extern "C" fn(*mut c_void, c_uint, *const c_char, usize) -> c_long,
}

extern "C" {
    fn sd_rs_class_register(ops: *const Ops) -> c_int;
    fn sd_rs_class_unregister();
    // Device pointers as `void *`: `struct device` is not FFI-safe as
    // bindgen renders it.
    fn sd_rs_class_dev_add(parent: *mut c_void, data: *mut c_void) -> *mut c_void;
    fn sd_rs_class_dev_del(dev: *mut c_void);
}

/// The attributes of a class device (ids as in glue.c; the C sd's names).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Attr {
    /// `cache_type` (read-write).
    CacheType,
    /// `FUA`.
    Fua,
    /// `thin_provisioning`.
    ThinProvisioning,
    /// `provisioning_mode` (read-write).
    ProvisioningMode,
    /// `protection_type` (read-write).
    ProtectionType,
    /// `allow_restart` (read-write).
    AllowRestart,
    /// `manage_start_stop`.
    ManageStartStop,
    /// `manage_system_start_stop` (read-write).
    ManageSystemStartStop,
    /// `manage_runtime_start_stop` (read-write).
    ManageRuntimeStartStop,
    /// `manage_shutdown` (read-write).
    ManageShutdown,
    /// `protection_mode`.
    ProtectionMode,
    /// `app_tag_own`.
    AppTagOwn,
    /// `zeroing_mode` (read-write).
    ZeroingMode,
    /// `max_write_same_blocks` (read-write).
    MaxWriteSameBlocks,
    /// `max_medium_access_timeouts` (read-write).
    MaxMediumAccessTimeouts,
    /// `zoned_cap`.
    ZonedCap,
    /// `max_retries` (read-write).
    MaxRetries,
}

const ATTRS: [Attr; 17] = [
    Attr::CacheType,
    Attr::Fua,
    Attr::ThinProvisioning,
    Attr::ProvisioningMode,
    Attr::ProtectionType,
    Attr::AllowRestart,
    Attr::ManageStartStop,
    Attr::ManageSystemStartStop,
    Attr::ManageRuntimeStartStop,
    Attr::ManageShutdown,
    Attr::ProtectionMode,
    Attr::AppTagOwn,
    Attr::ZeroingMode,
    Attr::MaxWriteSameBlocks,
    Attr::MaxMediumAccessTimeouts,
    Attr::ZonedCap,
    Attr::MaxRetries,
];

impl Attr {
    fn from_id(id: c_uint) -> Option<Self> {
        ATTRS.get(id as usize).copied()
    }

    /// Writing it takes `CAP_SYS_ADMIN`, as in C (all but `max_retries`,
    /// which only the file mode guards).
    fn needs_admin(self) -> bool {
        self != Attr::MaxRetries
    }
}

/// The text of an attribute read (one page at most).
pub(crate) struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// What a class device's attributes do.
pub(crate) trait Attrs: Send + Sync + Sized + 'static {
    /// Writes the value of `attr` (with its newline) to `out`.
    fn show(&self, attr: Attr, out: &mut Page<'_>) -> Result;
    /// Takes a write of `input` to `attr` (process context; may sleep).
    fn store(&self, attr: Attr, input: &[u8]) -> Result;
}

const PAGE: usize = 4096;

/// The writing task has `CAP_SYS_ADMIN`.
fn capable_sys_admin() -> bool {
    // SAFETY: checks the current task's credentials (sysfs writes run in
    // the writer's context); no preconditions.
    unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as c_int) }
}

/// # Safety
///
/// Called by glue.c for an attribute read of a `ClassDev<T>`'s device.
unsafe extern "C" fn show<T: Attrs>(data: *mut c_void, id: c_uint, buf: *mut c_char) -> c_long {
    let Some(attr) = Attr::from_id(id) else {
        return EINVAL.to_errno() as c_long;
    };
    // SAFETY: `data` is the `Arc<T>` pointer a live `ClassDev` holds (the
    // device is unregistered, and its attribute calls drained, before the
    // reference goes); sysfs hands us a page-sized buffer.
    let (this, buf) = unsafe {
        (
            &*data.cast::<T>(),
            core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE),
        )
    };
    let mut page = Page { buf, len: 0 };
    match this.show(attr, &mut page) {
        Ok(()) => page.len as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// # Safety
///
/// Called by glue.c for an attribute write of a `ClassDev<T>`'s device.
unsafe extern "C" fn store<T: Attrs>(
    data: *mut c_void,
    id: c_uint,
    buf: *const c_char,
    count: usize,
) -> c_long {
    let Some(attr) = Attr::from_id(id) else {
        return EINVAL.to_errno() as c_long;
    };
    if attr.needs_admin() && !capable_sys_admin() {
        return EACCES.to_errno() as c_long;
    }
    // SAFETY: as in `show`; sysfs passes `count` readable bytes.
    let (this, input) = unsafe {
        (
            &*data.cast::<T>(),
            core::slice::from_raw_parts(buf.cast::<u8>(), count),
        )
    };
    match this.store(attr, input) {
        Ok(()) => count as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

struct OpsOf<T>(PhantomData<T>);

impl<T: Attrs> OpsOf<T> {
    const OPS: Ops = Ops {
        show: show::<T>,
        store: store::<T>,
    };
}

/// The registered class; unregistered on drop (after every [`ClassDev`]).
pub(crate) struct ClassRegistration<T: Attrs> {
    _t: PhantomData<T>,
}

impl<T: Attrs> ClassRegistration<T> {
    /// Registers the class. One registration per module.
    pub(crate) fn new() -> Result<Self> {
        let ops: &'static Ops = &OpsOf::<T>::OPS;
        // SAFETY: `ops` is static; the class is static in glue.c.
        to_result(unsafe { sd_rs_class_register(ops) })?;
        Ok(Self { _t: PhantomData })
    }
}

impl<T: Attrs> Drop for ClassRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; every `ClassDev` borrowed the
        // registration and is gone.
        unsafe { sd_rs_class_unregister() };
    }
}

/// One device of the class; removed on drop.
pub(crate) struct ClassDev<T: Attrs> {
    dev: NonNull<c_void>,
    _data: Arc<T>,
}

// SAFETY: the device pointer is only used to unregister it, which may be
// done from any process context.
unsafe impl<T: Attrs> Send for ClassDev<T> {}
// SAFETY: `&self` gives no access to the device.
unsafe impl<T: Attrs> Sync for ClassDev<T> {}

impl<T: Attrs> ClassDev<T> {
    /// Adds the device below the SCSI device `parent`, its attributes
    /// served by `data`.
    pub(crate) fn new(
        _reg: &ClassRegistration<T>,
        parent: &scsi_rs::Device,
        data: Arc<T>,
    ) -> Result<Self> {
        let pdev = parent.info()?.dev;
        if pdev.is_null() {
            return Err(ENODEV);
        }
        let raw = (&*data as *const T).cast_mut().cast::<c_void>();
        // SAFETY: the parent is live while the upper driver is attached;
        // `raw` stays valid as long as `self.data`, which outlives the
        // device's attribute calls (see `drop`).
        let dev = unsafe { sd_rs_class_dev_add(pdev.cast(), raw) };
        if dev.is_null() || (dev as usize) >= (-4095isize) as usize {
            let e = if dev.is_null() {
                -(bindings::ENOMEM as c_int)
            } else {
                dev as isize as c_int
            };
            return Err(Error::from_errno(e));
        }
        Ok(Self {
            // SAFETY: checked non-null and not an error above.
            dev: unsafe { NonNull::new_unchecked(dev) },
            _data: data,
        })
    }
}

impl<T: Attrs> Drop for ClassDev<T> {
    fn drop(&mut self) {
        // SAFETY: added in `new`; unregistering waits for running attribute
        // calls, so none sees `data` after this (it is dropped after).
        unsafe { sd_rs_class_dev_del(self.dev.as_ptr()) };
    }
}
