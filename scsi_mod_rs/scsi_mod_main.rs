// SPDX-License-Identifier: GPL-2.0

//! scsi_mod_rs: the SCSI mid-layer.
//!
//! Loaded alone it scans nothing. It registers the `scsi` bus and exports the
//! versioned registration interface of `include/scsi_rs/api.h` to host-adapter
//! and upper-level drivers. It owns the names the C mid-layer uses, so the two
//! are exclusive: it refuses to load while `scsi_mod` is loaded, and refuses
//! `scsi_mod` while it is loaded.

use core::mem::MaybeUninit;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_ulong, c_void};
use kernel::prelude::*;
use kernel::sync::Mutex;
use kernel::types::Opaque;
use kernel::{new_mutex, str::CStr};

#[path = "../rust/scsi_rs_api.rs"]
mod api;

module! {
    type: ScsiCore,
    name: "scsi_mod_rs",
    author: "The scsi-rs developers",
    description: "SCSI mid-layer in Rust: bus, registration of host and upper-level drivers",
    license: "GPL",
}

/// Interface version this core implements (see `include/scsi_rs/api.h`).
const ABI_VERSION: u32 = api::SCSI_RS_ABI_VERSION;

/// Longest driver name we keep, terminating NUL included.
const NAME_LEN: usize = 32;

/// The C mid-layer module whose names we share.
const C_CORE: &[u8] = b"scsi_mod";

const NOTIFY_DONE: c_int = 0;
const NOTIFY_OK: c_int = 1;
const NOTIFY_STOP_MASK: c_int = 0x8000;

extern "C" {
    // Defined in exports.c, which holds the module parameters.
    fn scsi_rs_param_scan() -> *const c_char;
    fn scsi_rs_param_max_luns() -> u64;
}

/// How a newly added host's bus is scanned (`scan=` parameter).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ScanMode {
    Sync,
    Async,
    None,
}

/// Settings read from the module parameters at load.
struct Params {
    scan: ScanMode,
    max_luns: u64,
}

impl Params {
    fn read() -> Result<Self> {
        // SAFETY: `scsi_rs_param_scan` returns a pointer to a NUL-terminated
        // static buffer that lives as long as this module; the parameter is
        // read-only (0444) after load, so nobody writes it concurrently.
        let scan = unsafe { CStr::from_char_ptr(scsi_rs_param_scan()) };
        let scan = match scan.as_bytes() {
            b"sync" => ScanMode::Sync,
            b"async" => ScanMode::Async,
            b"none" => ScanMode::None,
            other => {
                pr_err!(
                    "invalid scan='{}': use sync, async or none\n",
                    core::str::from_utf8(other).unwrap_or("?")
                );
                return Err(EINVAL);
            }
        };
        // SAFETY: plain read of a parameter that is read-only after load.
        let max_luns = unsafe { scsi_rs_param_max_luns() };
        if max_luns == 0 {
            pr_err!("invalid max_luns=0: must be between 1 and 2^64-1\n");
            return Err(EINVAL);
        }
        Ok(Params { scan, max_luns })
    }
}

/// A NUL-terminated copy of a name handed to us by a dependant.
#[derive(Clone, Copy)]
struct Name([u8; NAME_LEN]);

impl Name {
    /// Copies and checks a name: 1 to 31 printable ASCII characters, no '/'.
    ///
    /// # Safety
    ///
    /// `p` is null or points to a NUL-terminated string.
    unsafe fn copy_from(p: *const c_char) -> Option<Self> {
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null and NUL-terminated by the caller's contract.
        let s = unsafe { CStr::from_char_ptr(p) }.as_bytes();
        if s.is_empty() || s.len() >= NAME_LEN {
            return None;
        }
        if !s.iter().all(|&c| c.is_ascii_graphic() && c != b'/') {
            return None;
        }
        let mut n = [0u8; NAME_LEN];
        n[..s.len()].copy_from_slice(s);
        Some(Name(n))
    }

    fn as_str(&self) -> &str {
        let len = self.0.iter().position(|&c| c == 0).unwrap_or(NAME_LEN);
        core::str::from_utf8(&self.0[..len]).unwrap_or("?")
    }

    fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
}

/// A registered host-adapter driver.
struct HostDriver {
    name: Name,
    /// Module pinned while one of the driver's devices is open; used when
    /// hosts are added (the command path, next stage).
    #[allow(dead_code)]
    owner: *mut bindings::module,
    /// The adapter limits, applied to each host the driver adds.
    #[allow(dead_code)]
    limits: api::scsi_rs_host_template,
}

/// A registered upper-level driver: a `device_driver` on our `scsi` bus,
/// unless it is an interface driver (sg).
struct UpperDriver {
    driver: Opaque<bindings::device_driver>,
    name: Name,
    interface: bool,
    type_mask: u32,
    ctx: *mut c_void,
    probe: unsafe extern "C" fn(*mut c_void, *mut api::scsi_rs_device) -> c_int,
    remove: unsafe extern "C" fn(*mut c_void, *mut api::scsi_rs_device),
}

/// What is registered. Slots are reused; a handle is the entry's address.
struct Lists {
    hosts: KVec<Option<KBox<HostDriver>>>,
    uppers: KVec<Option<KBox<UpperDriver>>>,
}

// SAFETY: the raw pointers inside (module owners, driver contexts, callbacks)
// belong to registered dependants, which stay loaded while registered; the
// lists are only touched under the registry mutex.
unsafe impl Send for Lists {}

#[pin_data]
struct Registry {
    #[pin]
    lists: Mutex<Lists>,
}

/// The registry while the module is live; the exported functions reach it
/// here. Dependants can only call them while this module is loaded, and it is
/// cleared before the registry is freed.
static REGISTRY: AtomicPtr<Registry> = AtomicPtr::new(ptr::null_mut());

fn registry() -> Result<&'static Registry> {
    let p = REGISTRY.load(Ordering::Acquire);
    if p.is_null() {
        return Err(ENODEV);
    }
    // SAFETY: non-null only between publication in `init` and `drop`, while
    // the pinned registry is alive; no dependant can call in after `drop`
    // starts, since the module loader unloads us only with no dependants.
    Ok(unsafe { &*p })
}

/// A `static` the kernel may write to (list links and the like).
struct KernelCell<T>(Opaque<T>);

// SAFETY: the kernel serialises its own accesses to these objects (bus and
// notifier registration); Rust code only takes their address.
unsafe impl<T> Sync for KernelCell<T> {}

impl<T> KernelCell<T> {
    fn get(&self) -> *mut T {
        self.0.get()
    }
}

const fn zeroed<T>() -> T {
    // SAFETY: only used for C structures of pointers, integers, booleans and
    // optional function pointers, for which all-zero is a valid value.
    unsafe { MaybeUninit::<T>::zeroed().assume_init() }
}

static SCSI_BUS: KernelCell<bindings::bus_type> = KernelCell(Opaque::new(bindings::bus_type {
    name: c"scsi".as_ptr().cast(),
    ..zeroed()
}));

static MODULE_NB: KernelCell<bindings::notifier_block> =
    KernelCell(Opaque::new(bindings::notifier_block {
        notifier_call: Some(module_notify),
        ..zeroed()
    }));

/// Refuses the C mid-layer while we are loaded: both own bus `scsi`.
///
/// # Safety
///
/// Called by the module notifier chain, with `data` the module changing state.
unsafe extern "C" fn module_notify(
    _nb: *mut bindings::notifier_block,
    action: c_ulong,
    data: *mut c_void,
) -> c_int {
    if action != bindings::module_state_MODULE_STATE_COMING as c_ulong {
        return NOTIFY_DONE;
    }
    let m = data.cast::<bindings::module>();
    // SAFETY: for module state notifications `data` is the module being
    // loaded, valid for the duration of the call; `name` is NUL-terminated.
    let name = unsafe { CStr::from_char_ptr((*m).name.as_ptr()) };
    if name.as_bytes() == C_CORE {
        pr_err!("refusing to load scsi_mod: the SCSI mid-layer scsi_mod_rs is loaded; rmmod its stack first\n");
        // notifier_from_errno(-EBUSY)
        return NOTIFY_STOP_MASK | (NOTIFY_OK + EBUSY.to_errno().abs());
    }
    NOTIFY_DONE
}

/// Whether the C mid-layer is loaded (or built in): `/sys/module/scsi_mod`
/// exists. `module` is this module, whose kobject lives in that same kset.
fn c_core_loaded(module: &ThisModule) -> bool {
    // SAFETY: `module` is this module, live while its init runs; the loader
    // added its kobject to the module kset before calling init.
    let kset = unsafe { (*module.as_ptr()).mkobj.kobj.kset };
    if kset.is_null() {
        return false;
    }
    // SAFETY: `kset` is the live module kset; the name is NUL-terminated.
    let kobj = unsafe { bindings::kset_find_obj(kset, c"scsi_mod".as_ptr().cast()) };
    if kobj.is_null() {
        return false;
    }
    // SAFETY: drops the reference `kset_find_obj` took.
    unsafe { bindings::kobject_put(kobj) };
    true
}

/// Checks the leading interface header of a structure from a dependant.
///
/// # Safety
///
/// `abi` points to at least a `struct scsi_rs_abi` (the frozen prefix of every
/// interface structure).
unsafe fn check_abi(abi: *const api::scsi_rs_abi, what: &str, want_size: usize) -> Result {
    // SAFETY: by the caller's contract the frozen prefix is readable.
    let a = unsafe { ptr::read(abi) };
    // SAFETY: `origin` is null or a NUL-terminated module name in the
    // caller's static data (frozen part of the interface).
    let origin = unsafe { Name::copy_from(a.origin) };
    let origin = origin.as_ref().map_or("(unnamed)", |n| n.as_str());
    if a.version != ABI_VERSION || a.size as usize != want_size {
        pr_err!(
            "{}: {} built against interface version {} ({} bytes); this core implements version {} ({} bytes); refusing it\n",
            origin, what, a.version, a.size, ABI_VERSION, want_size
        );
        return Err(EINVAL);
    }
    Ok(())
}

/// The interface version this core implements.
#[no_mangle]
pub extern "C" fn scsi_rs_abi_version() -> u32 {
    ABI_VERSION
}

/// Runs `register` for an exported registration function: checks the
/// pointers and the interface header before anything else of `desc` is read,
/// stores the handle, and turns the result into 0 or a negative errno.
///
/// # Safety
///
/// `desc` is null or points to at least a `struct scsi_rs_abi`, the frozen
/// prefix of every interface structure, and to a whole `T` if that header
/// carries this core's version and `T`'s size. `out` is null or writable.
unsafe fn export_register<T, E, H>(
    desc: *const T,
    out: *mut *mut H,
    what: &str,
    register: fn(&T) -> Result<*mut E>,
) -> c_int {
    if desc.is_null() || out.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: non-null, and at least the frozen prefix is readable.
    if let Err(e) = unsafe { check_abi(desc.cast(), what, size_of::<T>()) } {
        return e.to_errno();
    }
    // SAFETY: version and size match, so `desc` points to a whole `T`.
    match register(unsafe { &*desc }) {
        Ok(handle) => {
            // SAFETY: `out` is non-null and writable by the caller's contract.
            unsafe { out.write(handle.cast()) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// Registers a host-adapter driver (see `api.h`).
///
/// # Safety
///
/// `tmpl` points to a template whose leading `abi` is valid (the rest is
/// read only if it matches), and `out` to writable storage for the handle.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_register_host_driver(
    tmpl: *const api::scsi_rs_host_template,
    out: *mut *mut api::scsi_rs_host_driver,
) -> c_int {
    // SAFETY: the caller's contract is the one `export_register` needs.
    unsafe { export_register(tmpl, out, "host driver", register_host_driver) }
}

fn register_host_driver(t: &api::scsi_rs_host_template) -> Result<*mut HostDriver> {
    // SAFETY: the interface makes `name` null or a NUL-terminated string.
    let name = unsafe { Name::copy_from(t.name) }.ok_or_else(|| {
        pr_err!("host driver registration with a missing or malformed name\n");
        EINVAL
    })?;
    let bad = |why: &str| {
        pr_err!("host driver {}: {}\n", name.as_str(), why);
        EINVAL
    };
    if t.owner.is_null() {
        return Err(bad("no owner module"));
    }
    if t.can_queue == 0 {
        return Err(bad("can_queue is 0"));
    }
    if t.cmd_per_lun == 0 || t.cmd_per_lun > t.can_queue {
        return Err(bad("cmd_per_lun must be between 1 and can_queue"));
    }
    if t.sg_tablesize == 0 {
        return Err(bad("sg_tablesize is 0"));
    }
    if t.max_sectors < 8 {
        return Err(bad("max_sectors is below one 4 KiB page"));
    }
    if t.max_id == 0 || t.max_lun == 0 {
        return Err(bad("max_id and max_lun must be at least 1"));
    }
    let reg = registry()?;
    let entry = KBox::new(
        HostDriver {
            name,
            owner: t.owner,
            limits: *t,
        },
        GFP_KERNEL,
    )?;
    let mut lists = reg.lists.lock();
    if lists.hosts.iter().flatten().any(|h| h.name.0 == name.0) {
        pr_err!("host driver {} is already registered\n", name.as_str());
        return Err(EEXIST);
    }
    let handle = insert(&mut lists.hosts, entry)?;
    drop(lists);
    pr_info!(
        "host driver {} registered (can_queue {}, cmd_per_lun {}, sg_tablesize {}, max_sectors {}, max_id {}, max_lun {})\n",
        name.as_str(),
        t.can_queue,
        t.cmd_per_lun,
        t.sg_tablesize,
        t.max_sectors,
        t.max_id,
        t.max_lun
    );
    Ok(handle)
}

/// Unregisters a host-adapter driver.
///
/// # Safety
///
/// `drv` is a handle returned by `scsi_rs_register_host_driver` (anything
/// else is detected, logged and ignored).
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_unregister_host_driver(drv: *mut api::scsi_rs_host_driver) {
    let Ok(reg) = registry() else { return };
    let removed = remove(&mut reg.lists.lock().hosts, drv.cast());
    match removed {
        Some(h) => pr_info!("host driver {} unregistered\n", h.name.as_str()),
        None => pr_err!("unregister of an unknown host driver handle ignored\n"),
    }
}

/// Registers an upper-level driver (see `api.h`).
///
/// # Safety
///
/// `drv` points to a structure whose leading `abi` is valid (the rest is
/// read only if it matches), and `out` to writable storage for the handle.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_register_upper(
    drv: *const api::scsi_rs_upper_driver,
    out: *mut *mut api::scsi_rs_upper,
) -> c_int {
    // SAFETY: the caller's contract is the one `export_register` needs.
    unsafe { export_register(drv, out, "upper-level driver", register_upper) }
}

fn register_upper(d: &api::scsi_rs_upper_driver) -> Result<*mut UpperDriver> {
    // SAFETY: the interface makes `name` null or a NUL-terminated string.
    let name = unsafe { Name::copy_from(d.name) }.ok_or_else(|| {
        pr_err!("upper-level driver registration with a missing or malformed name\n");
        EINVAL
    })?;
    let (Some(probe), Some(remove_cb)) = (d.probe, d.remove) else {
        pr_err!(
            "upper-level driver {}: probe and remove are required\n",
            name.as_str()
        );
        return Err(EINVAL);
    };
    if d.owner.is_null() || d.type_mask == 0 {
        pr_err!(
            "upper-level driver {}: no owner module or empty type_mask\n",
            name.as_str()
        );
        return Err(EINVAL);
    }
    if d.flags & !api::SCSI_RS_UPPER_F_INTERFACE != 0 {
        pr_err!(
            "upper-level driver {}: unknown flags {:#x}\n",
            name.as_str(),
            d.flags
        );
        return Err(EINVAL);
    }
    let interface = d.flags & api::SCSI_RS_UPPER_F_INTERFACE != 0;
    let reg = registry()?;
    let entry = KBox::new(
        UpperDriver {
            driver: Opaque::new(zeroed()),
            name,
            interface,
            type_mask: d.type_mask,
            ctx: d.ctx,
            probe,
            remove: remove_cb,
        },
        GFP_KERNEL,
    )?;
    let drv = entry.driver.get();
    // SAFETY: `drv` points into the boxed entry, not yet shared with anyone.
    // The name points into the same box, which outlives the registration.
    unsafe {
        (*drv).name = entry.name.as_ptr();
        (*drv).bus = SCSI_BUS.get();
        (*drv).owner = d.owner;
    }
    let mut lists = reg.lists.lock();
    if lists.uppers.iter().flatten().any(|u| u.name.0 == name.0) {
        pr_err!(
            "upper-level driver {} is already registered\n",
            name.as_str()
        );
        return Err(EEXIST);
    }
    if !interface {
        // SAFETY: the driver structure is initialised and lives in a heap box
        // that is kept in the registry (so it does not move) until unregistered.
        let ret = unsafe { bindings::driver_register(drv) };
        if ret != 0 {
            pr_err!(
                "upper-level driver {}: driver_register failed ({})\n",
                name.as_str(),
                ret
            );
            return Err(Error::from_errno(ret));
        }
    }
    match insert(&mut lists.uppers, entry) {
        Ok(handle) => {
            drop(lists);
            pr_info!(
                "upper-level {} {} registered (device types {:#x})\n",
                if interface { "interface" } else { "driver" },
                name.as_str(),
                d.type_mask
            );
            Ok(handle)
        }
        Err(e) => {
            if !interface {
                // SAFETY: registered just above; undone before the box is freed.
                unsafe { bindings::driver_unregister(drv) };
            }
            Err(e)
        }
    }
}

/// Unregisters an upper-level driver.
///
/// # Safety
///
/// `drv` is a handle returned by `scsi_rs_register_upper` (anything else is
/// detected, logged and ignored).
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_unregister_upper(drv: *mut api::scsi_rs_upper) {
    let Ok(reg) = registry() else { return };
    let removed = remove(&mut reg.lists.lock().uppers, drv.cast());
    match removed {
        Some(u) => {
            if !u.interface {
                // SAFETY: the driver was registered by `register_upper` and is
                // unregistered once, here, before its box is dropped.
                unsafe { bindings::driver_unregister(u.driver.get()) };
            }
            // No devices exist yet to call `remove` on; keep the callbacks
            // referenced so their presence stays checked.
            let _ = (u.probe, u.remove, u.ctx, u.type_mask);
            pr_info!("upper-level driver {} unregistered\n", u.name.as_str());
        }
        None => pr_err!("unregister of an unknown upper-level driver handle ignored\n"),
    }
}

/// Puts `entry` in a free slot and returns its address as the handle.
fn insert<T>(slots: &mut KVec<Option<KBox<T>>>, entry: KBox<T>) -> Result<*mut T> {
    let handle = (&*entry as *const T).cast_mut();
    if let Some(slot) = slots.as_mut_slice().iter_mut().find(|s| s.is_none()) {
        *slot = Some(entry);
    } else {
        slots.push(Some(entry), GFP_KERNEL)?;
    }
    Ok(handle)
}

/// Takes the entry whose address is `handle` out of its slot.
fn remove<T>(slots: &mut KVec<Option<KBox<T>>>, handle: *mut T) -> Option<KBox<T>> {
    slots
        .as_mut_slice()
        .iter_mut()
        .find(|s| s.as_ref().is_some_and(|e| ptr::eq(&**e, handle)))
        .and_then(|s| s.take())
}

struct ScsiCore {
    _registry: Pin<KBox<Registry>>,
}

impl kernel::Module for ScsiCore {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Self::start(module).inspect_err(|e| pr_err!("initialisation failed: {:?}\n", e))
    }
}

impl ScsiCore {
    /// Sets the core up; on error everything done so far is undone.
    fn start(module: &'static ThisModule) -> Result<Self> {
        let params = Params::read()?;
        let registry = KBox::pin_init(
            pin_init!(Registry {
                lists <- new_mutex!(Lists { hosts: KVec::new(), uppers: KVec::new() }),
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: the notifier block is a static that outlives the
        // registration (removed in `drop` or on the error path below).
        let ret = unsafe { bindings::register_module_notifier(MODULE_NB.get()) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // Checked after the notifier is in place, so a concurrent load of the
        // C core is caught by one or the other.
        if c_core_loaded(module) {
            pr_err!("the C SCSI mid-layer (scsi_mod) is loaded; rmmod it and its drivers first\n");
            // SAFETY: registered above.
            unsafe { bindings::unregister_module_notifier(MODULE_NB.get()) };
            return Err(EBUSY);
        }
        // SAFETY: the bus type is a static of this module, unregistered in
        // `drop` or on the error path.
        let ret = unsafe { bindings::bus_register(SCSI_BUS.get()) };
        if ret != 0 {
            pr_err!("cannot register bus scsi ({})\n", ret);
            // SAFETY: registered above.
            unsafe { bindings::unregister_module_notifier(MODULE_NB.get()) };
            return Err(Error::from_errno(ret));
        }
        let p = (&*registry as *const Registry).cast_mut();
        REGISTRY.store(p, Ordering::Release);
        pr_info!(
            "SCSI mid-layer loaded, interface version {} (scan={:?}, max_luns={})\n",
            ABI_VERSION,
            params.scan,
            params.max_luns
        );
        Ok(ScsiCore {
            _registry: registry,
        })
    }
}

impl Drop for ScsiCore {
    fn drop(&mut self) {
        // The loader only unloads us with no dependants loaded, and every
        // dependant unregisters in its own exit: the lists are empty.
        if let Ok(reg) = registry() {
            let lists = reg.lists.lock();
            let left = lists.hosts.iter().flatten().count() + lists.uppers.iter().flatten().count();
            if left != 0 {
                pr_err!("{} drivers still registered at unload\n", left);
            }
        }
        REGISTRY.store(ptr::null_mut(), Ordering::Release);
        // SAFETY: both were registered in `init`, which succeeded.
        unsafe {
            bindings::bus_unregister(SCSI_BUS.get());
            bindings::unregister_module_notifier(MODULE_NB.get());
        }
        pr_info!("SCSI mid-layer unloaded\n");
    }
}
