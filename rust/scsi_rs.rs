// SPDX-License-Identifier: GPL-2.0

//! Safe interface to the scsi_mod_rs mid-layer for host-adapter and
//! upper-level drivers.
//!
//! Every dependant module includes this one file with
//!
//! ```ignore
//! #[path = "../rust/scsi_rs.rs"]
//! mod scsi_rs;
//! ```
//!
//! (Kbuild builds each module as its own crate, so shared code is shared as
//! source.) All `unsafe` of a dependant's use of the core lives here.
// Items are `pub` for the including crate; the module itself is private.
#![allow(dead_code, unreachable_pub)]

#[path = "scsi_rs_api.rs"]
mod api;

use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;

/// The interface version this module was built against.
pub const ABI_VERSION: u32 = api::SCSI_RS_ABI_VERSION;

/// The frozen leading header of every interface structure.
fn abi<T>(origin: &'static CStr) -> api::scsi_rs_abi {
    api::scsi_rs_abi {
        version: ABI_VERSION,
        size: core::mem::size_of::<T>() as u32,
        origin: origin.as_char_ptr(),
    }
}

/// The interface version of the loaded core.
pub fn core_abi_version() -> u32 {
    // SAFETY: no arguments, no preconditions.
    unsafe { api::scsi_rs_abi_version() }
}

/// Limits of a host adapter, as in the C `scsi_host_template`.
#[derive(Clone, Copy, Debug)]
pub struct HostLimits {
    /// Commands in flight per host.
    pub can_queue: u32,
    /// Default queue depth of a device.
    pub cmd_per_lun: u32,
    /// Scatter-gather entries per command.
    pub sg_tablesize: u32,
    /// 512-byte sectors per command.
    pub max_sectors: u32,
    /// Highest channel number.
    pub max_channel: u32,
    /// Number of target ids.
    pub max_id: u32,
    /// Number of LUNs per target.
    pub max_lun: u64,
}

/// A host-adapter driver registered with the core; unregistered on drop.
pub struct HostDriverRegistration {
    handle: NonNull<api::scsi_rs_host_driver>,
}

// SAFETY: the handle is an opaque token the core accepts from any context
// that may sleep; the core serialises its own state.
unsafe impl Send for HostDriverRegistration {}
// SAFETY: as above; `&self` offers no access to the handle.
unsafe impl Sync for HostDriverRegistration {}

impl HostDriverRegistration {
    /// Registers the host-adapter driver `name` (its `proc_name`) of `module`.
    pub fn new(
        name: &'static CStr,
        module: &'static ThisModule,
        limits: HostLimits,
    ) -> Result<Self> {
        let tmpl = api::scsi_rs_host_template {
            abi: abi::<api::scsi_rs_host_template>(name),
            name: name.as_char_ptr(),
            owner: module.as_ptr(),
            can_queue: limits.can_queue,
            cmd_per_lun: limits.cmd_per_lun,
            sg_tablesize: limits.sg_tablesize,
            max_sectors: limits.max_sectors,
            max_channel: limits.max_channel,
            max_id: limits.max_id,
            max_lun: limits.max_lun,
        };
        let mut handle = core::ptr::null_mut();
        // SAFETY: `tmpl` is a complete template of this interface version and
        // `handle` is writable; the core copies what it keeps.
        to_result(unsafe { api::scsi_rs_register_host_driver(&tmpl, &mut handle) })?;
        let handle = NonNull::new(handle).ok_or(EINVAL)?;
        Ok(Self { handle })
    }
}

impl Drop for HostDriverRegistration {
    fn drop(&mut self) {
        // SAFETY: the handle came from a successful registration and is
        // unregistered exactly once.
        unsafe { api::scsi_rs_unregister_host_driver(self.handle.as_ptr()) };
    }
}

/// A SCSI device the core offers to an upper-level driver.
pub struct Device {
    raw: NonNull<api::scsi_rs_device>,
}

/// Peripheral device types, as bits of [`UpperDriver::TYPES`].
pub mod types {
    /// Direct-access block device (disk).
    pub const DISK: u32 = 1 << 0x00;
    /// Sequential-access device (tape).
    pub const TAPE: u32 = 1 << 0x01;
    /// Write-once device.
    pub const WORM: u32 = 1 << 0x04;
    /// CD/DVD device.
    pub const CDROM: u32 = 1 << 0x05;
    /// Optical memory device.
    pub const OPTICAL: u32 = 1 << 0x07;
    /// Reduced block command device.
    pub const RBC: u32 = 1 << 0x0e;
    /// Host-managed zoned block device.
    pub const ZBC: u32 = 1 << 0x14;
    /// Every type.
    pub const ALL: u32 = u32::MAX;
}

/// An upper-level driver: attaches to the devices of the types it serves.
pub trait UpperDriver: Sync + Sized + 'static {
    /// Name on the `scsi` bus (`/sys/bus/scsi/drivers/NAME`).
    const NAME: &'static CStr;
    /// Peripheral device types served (bits from [`types`]).
    const TYPES: u32;
    /// Attaches alongside the bus driver of each device instead of being
    /// one (the generic driver), like a class interface in the C stack.
    const INTERFACE: bool = false;
    /// Offered a device: `Ok` attaches, an error declines.
    fn probe(&self, dev: &Device) -> Result;
    /// The device goes away or the driver unregisters.
    fn remove(&self, dev: &Device);
}

/// An upper-level driver registered with the core; unregistered on drop.
pub struct UpperRegistration<T: UpperDriver> {
    handle: NonNull<api::scsi_rs_upper>,
    // Owns the driver object the core's callbacks point at; boxed so its
    // address stays put.
    _driver: KBox<T>,
    _p: PhantomData<T>,
}

// SAFETY: see `HostDriverRegistration`; `T` is `Sync` and owned.
unsafe impl<T: UpperDriver + Send> Send for UpperRegistration<T> {}
// SAFETY: `&self` offers no access to anything.
unsafe impl<T: UpperDriver> Sync for UpperRegistration<T> {}

/// Calls [`UpperDriver::probe`] for the core.
///
/// # Safety
///
/// `ctx` is the `T` of an [`UpperRegistration<T>`] that is still registered.
unsafe extern "C" fn probe_tramp<T: UpperDriver>(
    ctx: *mut c_void,
    sdev: *mut api::scsi_rs_device,
) -> c_int {
    let Some(raw) = NonNull::new(sdev) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `ctx` is the `T` boxed in the registration, alive until the
    // core returns from unregistering it, after which it calls nothing.
    let drv = unsafe { &*ctx.cast::<T>() };
    match drv.probe(&Device { raw }) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Calls [`UpperDriver::remove`] for the core.
///
/// # Safety
///
/// As for `probe_tramp`.
unsafe extern "C" fn remove_tramp<T: UpperDriver>(
    ctx: *mut c_void,
    sdev: *mut api::scsi_rs_device,
) {
    if let Some(raw) = NonNull::new(sdev) {
        // SAFETY: as in `probe_tramp`.
        let drv = unsafe { &*ctx.cast::<T>() };
        drv.remove(&Device { raw });
    }
}

impl<T: UpperDriver> UpperRegistration<T> {
    /// Registers `driver` for `module`; the core offers it every matching
    /// device, those already present and those found later.
    pub fn new(driver: T, module: &'static ThisModule) -> Result<Self> {
        let driver = KBox::new(driver, GFP_KERNEL)?;
        let desc = api::scsi_rs_upper_driver {
            abi: abi::<api::scsi_rs_upper_driver>(T::NAME),
            name: T::NAME.as_char_ptr(),
            owner: module.as_ptr(),
            type_mask: T::TYPES,
            flags: if T::INTERFACE {
                api::SCSI_RS_UPPER_F_INTERFACE
            } else {
                0
            },
            ctx: (&*driver as *const T).cast_mut().cast(),
            probe: Some(probe_tramp::<T>),
            remove: Some(remove_tramp::<T>),
        };
        let mut handle = core::ptr::null_mut();
        // SAFETY: `desc` is complete for this interface version; `ctx` points
        // to the boxed driver, which outlives the registration (dropped after
        // the unregister in `drop`).
        to_result(unsafe { api::scsi_rs_register_upper(&desc, &mut handle) })?;
        let handle = NonNull::new(handle).ok_or(EINVAL)?;
        Ok(Self {
            handle,
            _driver: driver,
            _p: PhantomData,
        })
    }
}

impl<T: UpperDriver> Drop for UpperRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: registered once in `new`, unregistered once here; the core
        // calls `remove` for every attached device before returning.
        unsafe { api::scsi_rs_unregister_upper(self.handle.as_ptr()) };
    }
}

impl Device {
    /// The core's handle, for calls the wrapper does not cover yet.
    fn raw(&self) -> *mut api::scsi_rs_device {
        self.raw.as_ptr()
    }
}
