// SPDX-License-Identifier: GPL-2.0

//! SCSI devices (`H:C:T:L`) and targets (`targetH:C:T`): their driver-model
//! objects, sysfs attributes, binding to upper-level drivers, and the
//! device functions of the interface.

use crate::api;
use crate::glue;
use crate::host::{self, ExecArgs, Host};
use crate::{registry, zeroed, KernelCell, UpperDriver};
use core::fmt::Write;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_long, c_void};
use kernel::prelude::*;
use kernel::sync::Mutex;
use kernel::types::Opaque;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum SdevState {
    Created = 0,
    Running = 1,
    Offline = 2,
    Cancel = 3,
    Del = 4,
}

impl SdevState {
    fn from_u32(v: u32) -> Self {
        match v {
            0 => Self::Created,
            1 => Self::Running,
            2 => Self::Offline,
            3 => Self::Cancel,
            _ => Self::Del,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Offline => "offline",
            Self::Cancel => "cancel",
            Self::Del => "deleted",
        }
    }
}

/// A target: the parent of its LUNs' devices.
#[repr(C)]
pub(crate) struct Target {
    pub(crate) dev: Opaque<bindings::device>,
    pub(crate) channel: u32,
    pub(crate) id: u32,
    /// LUNs under it in the host's list (under the host's `lists` mutex).
    pub(crate) luns: u32,
}

/// Interface drivers (sg) attached to a device.
pub(crate) struct Ifaces {
    pub(crate) list: KVec<(*const UpperDriver, *mut c_void)>,
}

// SAFETY: pointers to registered drivers and their data, used under the mutex.
unsafe impl Send for Ifaces {}

/// Page numbers of the VPD pages kept for sysfs.
pub(crate) const VPD_PAGES: [u8; 4] = [0x00, 0x80, 0x83, 0xb0];

/// One SCSI device. Lives in a heap allocation owned by its device's
/// reference count; freed by the release callback.
#[pin_data]
pub(crate) struct Sdev {
    pub(crate) dev: Opaque<bindings::device>,
    pub(crate) class_dev: Opaque<bindings::device>,
    pub(crate) host: *const Host,
    pub(crate) target: *mut Target,
    pub(crate) channel: u32,
    pub(crate) id: u32,
    pub(crate) lun: u64,
    pub(crate) dev_type: u8,
    pub(crate) removable: bool,
    pub(crate) scsi_level: u8,
    pub(crate) inquiry: [u8; 96],
    pub(crate) inquiry_len: u8,
    pub(crate) vpd: [KVec<u8>; 4],
    pub(crate) queue: AtomicPtr<bindings::request_queue>,
    pub(crate) state: AtomicU32,
    pub(crate) queue_depth: AtomicU32,
    pub(crate) inflight: AtomicU32,
    pub(crate) starved: AtomicBool,
    pub(crate) timeout_ms: AtomicU32,
    pub(crate) eh_timeout_s: AtomicU32,
    pub(crate) device_blocked: AtomicU32,
    pub(crate) iorequest_cnt: AtomicU64,
    pub(crate) iodone_cnt: AtomicU64,
    pub(crate) ioerr_cnt: AtomicU64,
    pub(crate) iotmo_cnt: AtomicU64,
    pub(crate) bus_upper: AtomicPtr<UpperDriver>,
    pub(crate) bus_ddata: AtomicPtr<c_void>,
    pub(crate) rescan_luns: AtomicBool,
    #[pin]
    pub(crate) ifaces: Mutex<Ifaces>,
    pub(crate) event_work: Opaque<bindings::work_struct>,
    pub(crate) name: [u8; 40],
}

// SAFETY: shared state is atomics and mutexes; raw pointers are to the
// host (pinned by the device's parent chain) and the target (likewise).
unsafe impl Send for Sdev {}
// SAFETY: as above.
unsafe impl Sync for Sdev {}

pub(crate) static EVENT_WORK_KEY: KernelCell<bindings::lock_class_key> =
    KernelCell(Opaque::new(zeroed()));

impl Sdev {
    pub(crate) fn name(&self) -> &str {
        crate::cstr_of(&self.name)
    }

    pub(crate) fn host(&self) -> &Host {
        // SAFETY: the host outlives its devices (their parent chain holds
        // a reference on its device).
        unsafe { &*self.host }
    }

    pub(crate) fn state(&self) -> SdevState {
        SdevState::from_u32(self.state.load(Ordering::Acquire))
    }

    fn set_state(&self, s: SdevState) {
        self.state.store(s as u32, Ordering::Release);
    }

    pub(crate) fn accepts_io(&self) -> bool {
        matches!(self.state(), SdevState::Running | SdevState::Cancel)
    }

    /// Takes the device offline; true if it was online.
    pub(crate) fn set_offline(&self) -> bool {
        self.state
            .compare_exchange(
                SdevState::Running as u32,
                SdevState::Offline as u32,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    pub(crate) fn dev_ptr(&self) -> *mut bindings::device {
        self.dev.get()
    }

    pub(crate) fn queue(&self) -> *mut bindings::request_queue {
        self.queue.load(Ordering::Acquire)
    }

    /// # Safety
    ///
    /// `dev` is the `dev` field of a live `Sdev`.
    pub(crate) unsafe fn from_dev<'a>(dev: *const bindings::device) -> &'a Sdev {
        // SAFETY: by the contract.
        unsafe {
            &*(dev
                .cast::<u8>()
                .sub(core::mem::offset_of!(Sdev, dev))
                .cast::<Sdev>())
        }
    }

    /// The bound upper driver's `init_command` and its data for the device.
    pub(crate) fn bus_init_command(
        &self,
    ) -> (
        Option<
            unsafe extern "C" fn(
                *mut c_void,
                *mut bindings::request,
                *mut api::scsi_rs_cmd,
            ) -> c_int,
        >,
        *mut c_void,
    ) {
        let u = self.bus_upper.load(Ordering::Acquire);
        if u.is_null() {
            return (None, ptr::null_mut());
        }
        // SAFETY: an upper driver stays registered while bound (its
        // unregistration unbinds first, which clears `bus_upper`).
        let init = unsafe { (*u).init_command };
        (init, self.bus_ddata.load(Ordering::Acquire))
    }

    /// TASK SET FULL: lower the queue depth to what the device holds.
    pub(crate) fn track_queue_full(&self) {
        let cur = self.queue_depth.load(Ordering::Relaxed);
        let held = self.inflight.load(Ordering::Relaxed).max(1);
        if held < cur {
            self.queue_depth.store(held, Ordering::Relaxed);
            pr_info!(
                "{}: queue full; queue depth lowered to {}\n",
                self.name(),
                held
            );
        }
    }

    /// A UNIT ATTENTION says the device changed: revalidate in process
    /// context.
    pub(crate) fn queue_event(&self, luns_changed: bool) {
        if luns_changed {
            self.rescan_luns.store(true, Ordering::Release);
        }
        if !self.accepts_io() {
            return;
        }
        crate::queue_dev_work(self.dev_ptr(), self.event_work.get());
    }

    pub(crate) fn log_failure(&self, c: &api::scsi_rs_cmd, sts: bindings::blk_status_t) {
        let n = usize::from(c.sense_len).min(c.sense.len());
        let sense = crate::sense::Sense::parse(&c.sense[..n]).ok();
        match sense {
            Some(s) => pr_err!(
                "{}: command {:#04x} failed: status {:#04x}, sense key {:#x} asc {:#04x} ascq {:#04x} (blk status {})\n",
                self.name(),
                c.cdb[0],
                c.status,
                s.key as u8,
                s.asc,
                s.ascq,
                sts
            ),
            None => pr_err!(
                "{}: command {:#04x} failed: status {:#04x}, host result {} (blk status {})\n",
                self.name(),
                c.cdb[0],
                c.status,
                c.host,
                sts
            ),
        }
    }

    /// Revalidates: calls the bound upper driver's rescan.
    pub(crate) fn rescan_upper(&self) {
        let u = self.bus_upper.load(Ordering::Acquire);
        if u.is_null() {
            return;
        }
        // SAFETY: device_lock serialises this with unbinding, so the driver
        // and its data stay valid during the call.
        unsafe { bindings::mutex_lock(&raw mut (*self.dev_ptr()).mutex) };
        let u = self.bus_upper.load(Ordering::Acquire);
        if !u.is_null() {
            // SAFETY: bound under device_lock (see above).
            if let Some(f) = unsafe { (*u).rescan } {
                // SAFETY: the bound driver's callback with its data.
                unsafe { f(self.bus_ddata.load(Ordering::Acquire)) };
            }
        }
        // SAFETY: taken above.
        unsafe { bindings::mutex_unlock(&raw mut (*self.dev_ptr()).mutex) };
    }

    fn vendor_model_rev(&self) -> (&str, &str, &str) {
        let inq = &self.inquiry[..usize::from(self.inquiry_len)];
        let field = |a: usize, b: usize| -> &str {
            inq.get(a..b)
                .and_then(|s| core::str::from_utf8(s).ok())
                .unwrap_or("")
        };
        (field(8, 16), field(16, 32), field(32, 36))
    }
}

/// Device event work: revalidate, and rescan the target if its LUNs changed.
/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
unsafe extern "C" fn event_work_fn(work: *mut bindings::work_struct) {
    // SAFETY: `work` is the event work of a device we hold a reference on.
    let sdev = unsafe {
        &*(work
            .cast::<u8>()
            .sub(core::mem::offset_of!(Sdev, event_work))
            .cast::<Sdev>())
    };
    if sdev.accepts_io() {
        sdev.rescan_upper();
        if sdev.rescan_luns.swap(false, Ordering::AcqRel) {
            let host = sdev.host();
            let _g = host.scan_lock.lock();
            if host.running() {
                crate::scan::scan_target(host, sdev.channel, sdev.id, None);
            }
        }
    }
    // SAFETY: drops the reference taken when the work was queued.
    unsafe { bindings::put_device(sdev.dev_ptr()) };
}

/// Writes formatted text into a sysfs page.
struct PageWriter {
    buf: *mut u8,
    len: usize,
}

impl Write for PageWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = 4096usize.saturating_sub(self.len + 1);
        let n = s.len().min(room);
        // SAFETY: sysfs hands us a PAGE_SIZE buffer; we stay below it.
        unsafe { ptr::copy_nonoverlapping(s.as_ptr(), self.buf.add(self.len), n) };
        self.len += n;
        Ok(())
    }
}

fn show(buf: *mut c_char, args: core::fmt::Arguments<'_>) -> c_long {
    let mut w = PageWriter {
        buf: buf.cast(),
        len: 0,
    };
    let _ = w.write_fmt(args);
    w.len as c_long
}

/// The bytes a sysfs store got, without a trailing newline.
fn store_input<'a>(buf: *const c_char, count: u64) -> &'a [u8] {
    // SAFETY: sysfs passes `count` readable bytes.
    let s = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count as usize) };
    let mut s = s;
    while let [rest @ .., b'\n' | b' ' | 0] = s {
        s = rest;
    }
    s
}

fn parse_u64(s: &[u8]) -> Option<u64> {
    let s = core::str::from_utf8(s).ok()?.trim();
    s.parse::<u64>().ok()
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_sdev_show(
    dev: *mut bindings::device,
    attr: u32,
    buf: *mut c_char,
) -> c_long {
    // SAFETY: the attribute belongs to an H:C:T:L device of ours.
    let s = unsafe { Sdev::from_dev(dev) };
    let (vendor, model, rev) = s.vendor_model_rev();
    match attr {
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_TYPE => show(buf, format_args!("{}\n", s.dev_type)),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_SCSI_LEVEL => {
            show(buf, format_args!("{}\n", s.scsi_level))
        }
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_VENDOR => show(buf, format_args!("{}\n", vendor)),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_MODEL => show(buf, format_args!("{}\n", model)),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_REV => show(buf, format_args!("{}\n", rev)),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_STATE => {
            show(buf, format_args!("{}\n", s.state().name()))
        }
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_TIMEOUT => show(
            buf,
            format_args!("{}\n", s.timeout_ms.load(Ordering::Relaxed) / 1000),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_EH_TIMEOUT => show(
            buf,
            format_args!("{}\n", s.eh_timeout_s.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_QUEUE_DEPTH => show(
            buf,
            format_args!("{}\n", s.queue_depth.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_QUEUE_TYPE => show(buf, format_args!("simple\n")),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_DEVICE_BLOCKED => show(
            buf,
            format_args!("{}\n", s.device_blocked.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_DEVICE_BUSY => show(
            buf,
            format_args!("{}\n", s.inflight.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_IOCOUNTERBITS => show(buf, format_args!("64\n")),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_IOREQUEST_CNT => show(
            buf,
            format_args!("{:#x}\n", s.iorequest_cnt.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_IODONE_CNT => show(
            buf,
            format_args!("{:#x}\n", s.iodone_cnt.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_IOERR_CNT => show(
            buf,
            format_args!("{:#x}\n", s.ioerr_cnt.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_IOTMO_CNT => show(
            buf,
            format_args!("{:#x}\n", s.iotmo_cnt.load(Ordering::Relaxed)),
        ),
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_MODALIAS => {
            show(buf, format_args!("scsi:t-0x{:02x}\n", s.dev_type))
        }
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_WWID => match crate::scan::wwid(&s.vpd[2]) {
            Some(w) => show(buf, format_args!("{}\n", w)),
            None => show(
                buf,
                format_args!("t10.{:<8}{:<16}\n", vendor.trim_end(), model.trim_end()),
            ),
        },
        _ => EINVAL.to_errno() as c_long,
    }
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_sdev_store(
    dev: *mut bindings::device,
    attr: u32,
    buf: *const c_char,
    count: u64,
) -> c_long {
    // SAFETY: the attribute belongs to an H:C:T:L device of ours.
    let s = unsafe { Sdev::from_dev(dev) };
    let input = store_input(buf, count);
    let ok = count as c_long;
    let inval = EINVAL.to_errno() as c_long;
    match attr {
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_TIMEOUT => match parse_u64(input) {
            Some(v) if (1..=3600).contains(&v) => {
                s.timeout_ms.store(v as u32 * 1000, Ordering::Relaxed);
                let q = s.queue();
                if !q.is_null() {
                    // SAFETY: the queue is live while the device is.
                    unsafe {
                        bindings::blk_queue_rq_timeout(q, crate::ms_to_jiffies(v as u32 * 1000))
                    };
                }
                ok
            }
            _ => inval,
        },
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_EH_TIMEOUT => match parse_u64(input) {
            Some(v) if v <= 3600 => {
                s.eh_timeout_s.store(v as u32, Ordering::Relaxed);
                ok
            }
            _ => inval,
        },
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_QUEUE_DEPTH => match parse_u64(input) {
            Some(v) if v >= 1 && v <= u64::from(s.host().lim.can_queue) => {
                s.queue_depth.store(v as u32, Ordering::Relaxed);
                ok
            }
            _ => inval,
        },
        // Simple tags are what the core uses; nothing else is offered.
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_QUEUE_TYPE => match input {
            b"simple" => ok,
            _ => inval,
        },
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_STATE => {
            let new = match input {
                b"running" => SdevState::Running,
                b"offline" => SdevState::Offline,
                _ => return inval,
            };
            let cur = s.state();
            if !matches!(cur, SdevState::Running | SdevState::Offline) {
                return inval;
            }
            s.set_state(new);
            if new == SdevState::Running {
                let q = s.queue();
                // SAFETY: the queue is live while the device is.
                unsafe { bindings::blk_mq_run_hw_queues(q, true) };
            }
            ok
        }
        glue::scsi_rs_sdev_attr_SCSI_RS_SDEV_RESCAN => {
            s.rescan_upper();
            ok
        }
        _ => inval,
    }
}

/// Called by glue.c for `delete` once the attribute removed itself.
/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_sdev_delete(dev: *mut bindings::device) {
    // SAFETY: the attribute belongs to an H:C:T:L device of ours, kept
    // alive by the sysfs write in progress.
    let s = unsafe { Sdev::from_dev(dev) };
    let host = s.host();
    let _g = host.scan_lock.lock();
    remove_sdev_locked(host, s as *const Sdev as *mut Sdev);
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_sdev_bin_read(
    dev: *mut bindings::device,
    which: u32,
    buf: *mut c_char,
    off: i64,
    count: u64,
) -> c_long {
    // SAFETY: the attribute belongs to an H:C:T:L device of ours.
    let s = unsafe { Sdev::from_dev(dev) };
    let data: &[u8] = match which {
        glue::scsi_rs_sdev_bin_SCSI_RS_SDEV_BIN_INQUIRY => &s.inquiry[..usize::from(s.inquiry_len)],
        glue::scsi_rs_sdev_bin_SCSI_RS_SDEV_BIN_VPD_PG0 => &s.vpd[0],
        glue::scsi_rs_sdev_bin_SCSI_RS_SDEV_BIN_VPD_PG80 => &s.vpd[1],
        glue::scsi_rs_sdev_bin_SCSI_RS_SDEV_BIN_VPD_PG83 => &s.vpd[2],
        glue::scsi_rs_sdev_bin_SCSI_RS_SDEV_BIN_VPD_PGB0 => &s.vpd[3],
        _ => return EINVAL.to_errno() as c_long,
    };
    if buf.is_null() {
        // Visibility query from glue.c.
        return data.len() as c_long;
    }
    let off = off.max(0) as usize;
    if off >= data.len() {
        return 0;
    }
    let n = (data.len() - off).min(count as usize);
    // SAFETY: sysfs gives a buffer of `count` bytes.
    unsafe { ptr::copy_nonoverlapping(data[off..].as_ptr(), buf.cast::<u8>(), n) };
    n as c_long
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_host_show(
    dev: *mut bindings::device,
    attr: u32,
    buf: *mut c_char,
) -> c_long {
    // SAFETY: the attribute belongs to a scsi_host class device of ours.
    let h = unsafe { Host::from_class_dev(dev) };
    let l = &h.lim;
    match attr {
        glue::scsi_rs_host_attr_SCSI_RS_HOST_UNIQUE_ID => {
            show(buf, format_args!("{}\n", h.host_no))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_HOST_BUSY => {
            // Commands the adapter holds: the sum over the host's devices
            // (kept out of the I/O path, as the C stack derives it too).
            let busy: u32 = h
                .lists
                .lock()
                .sdevs
                .iter()
                // SAFETY: listed devices are live while the lock is held.
                .map(|&s| unsafe { &*s }.inflight.load(Ordering::Relaxed))
                .sum();
            show(buf, format_args!("{}\n", busy))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_CMD_PER_LUN => {
            show(buf, format_args!("{}\n", l.cmd_per_lun))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_CAN_QUEUE => {
            show(buf, format_args!("{}\n", l.can_queue))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_SG_TABLESIZE => {
            show(buf, format_args!("{}\n", l.sg_tablesize.min(host::MAX_SG)))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_SG_PROT_TABLESIZE => show(buf, format_args!("0\n")),
        glue::scsi_rs_host_attr_SCSI_RS_HOST_PROC_NAME => {
            show(buf, format_args!("{}\n", h.drv().name.as_str()))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_STATE => show(
            buf,
            format_args!("{}\n", if h.running() { "running" } else { "cancel" }),
        ),
        glue::scsi_rs_host_attr_SCSI_RS_HOST_NR_HW_QUEUES => {
            show(buf, format_args!("{}\n", l.nr_hw_queues))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_ACTIVE_MODE => show(buf, format_args!("Initiator\n")),
        glue::scsi_rs_host_attr_SCSI_RS_HOST_SUPPORTED_MODE => {
            show(buf, format_args!("Initiator\n"))
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_PROT_CAPABILITIES => show(buf, format_args!("0\n")),
        glue::scsi_rs_host_attr_SCSI_RS_HOST_PROT_GUARD_TYPE => show(buf, format_args!("0\n")),
        glue::scsi_rs_host_attr_SCSI_RS_HOST_EH_DEADLINE => show(buf, format_args!("off\n")),
        glue::scsi_rs_host_attr_SCSI_RS_HOST_USE_BLK_MQ => show(buf, format_args!("1\n")),
        _ => EINVAL.to_errno() as c_long,
    }
}

/// One field of a `scan` write: a number or `-` (all).
fn scan_field(f: Option<&[u8]>) -> Option<Option<u64>> {
    match f? {
        b"-" => Some(None),
        s => parse_u64(s).map(Some),
    }
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_host_store(
    dev: *mut bindings::device,
    attr: u32,
    buf: *const c_char,
    count: u64,
) -> c_long {
    // SAFETY: the attribute belongs to a scsi_host class device of ours.
    let h = unsafe { Host::from_class_dev(dev) };
    let input = store_input(buf, count);
    let inval = EINVAL.to_errno() as c_long;
    match attr {
        glue::scsi_rs_host_attr_SCSI_RS_HOST_SCAN => {
            let mut it = input.split(|&c| c == b' ').filter(|f| !f.is_empty());
            let (Some(ch), Some(id), Some(lun)) = (
                scan_field(it.next()),
                scan_field(it.next()),
                scan_field(it.next()),
            ) else {
                return inval;
            };
            if it.next().is_some() {
                return inval;
            }
            let _g = h.scan_lock.lock();
            if !h.running() {
                return ENODEV.to_errno() as c_long;
            }
            let chans = match ch {
                Some(c) if c > u64::from(h.lim.max_channel) => return inval,
                Some(c) => c as u32..=c as u32,
                None => 0..=h.lim.max_channel,
            };
            for c in chans {
                let ids = match id {
                    Some(i) if i >= u64::from(h.lim.max_id) => return inval,
                    Some(i) => i as u32..i as u32 + 1,
                    None => 0..h.lim.max_id,
                };
                for i in ids {
                    crate::scan::scan_target(h, c, i, lun);
                }
            }
            count as c_long
        }
        glue::scsi_rs_host_attr_SCSI_RS_HOST_STATE
        | glue::scsi_rs_host_attr_SCSI_RS_HOST_EH_DEADLINE => inval,
        glue::scsi_rs_host_attr_SCSI_RS_HOST_HOST_RESET => {
            let drv = h.drv();
            // SAFETY: the adapter's entry point with its data, process context.
            let r = unsafe { (drv.reset)(h.hostdata, api::SCSI_RS_RESET_HOST, 0, 0, 0) };
            if r == 0 {
                count as c_long
            } else {
                r as c_long
            }
        }
        _ => inval,
    }
}

// ---------------------------------------------------------------------------
// Bus callbacks

/// Whether `dev` is an H:C:T:L device.
fn is_sdev(dev: *const bindings::device) -> bool {
    // SAFETY: any device on our bus.
    unsafe { glue::scsi_rs_dev_kind(dev) == glue::scsi_rs_dev_kind_SCSI_RS_KIND_SDEV }
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_bus_match(
    dev: *mut bindings::device,
    drv: *const bindings::device_driver,
) -> c_int {
    if !is_sdev(dev) {
        return 0;
    }
    // SAFETY: an H:C:T:L device of ours; every driver on the bus is an
    // UpperDriver registered by `register_upper`.
    let (s, u) = unsafe { (Sdev::from_dev(dev), UpperDriver::from_driver(drv)) };
    if s.state() == SdevState::Del {
        return 0;
    }
    c_int::from(u.type_mask & (1u32 << (s.dev_type & 0x1f)) != 0)
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_bus_probe(dev: *mut bindings::device) -> c_int {
    if !is_sdev(dev) {
        return ENODEV.to_errno();
    }
    // SAFETY: an H:C:T:L device of ours being bound (device_lock held) to
    // one of our drivers.
    let (s, u) = unsafe { (Sdev::from_dev(dev), UpperDriver::from_driver((*dev).driver)) };
    let mut ddata: *mut c_void = ptr::null_mut();
    // SAFETY: the registered driver's callback with its context.
    let ret = unsafe { (u.probe)(u.ctx, dev.cast(), &mut ddata) };
    if ret != 0 {
        return ret;
    }
    // From here the device's requests reach the driver's init_command.
    s.bus_ddata.store(ddata, Ordering::Release);
    s.bus_upper
        .store((u as *const UpperDriver).cast_mut(), Ordering::Release);
    if let Some(start) = u.start {
        // SAFETY: the driver's callback with the data its probe returned.
        let ret = unsafe { start(u.ctx, ddata) };
        if ret != 0 {
            s.bus_upper.store(ptr::null_mut(), Ordering::Release);
            s.bus_ddata.store(ptr::null_mut(), Ordering::Release);
            // SAFETY: undoes the probe; the data is given back once.
            unsafe { (u.remove)(u.ctx, dev.cast(), ddata) };
            return ret;
        }
    }
    0
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core for a device of ours bound to one of our
/// drivers, with its device lock held.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_bus_remove(dev: *mut bindings::device) {
    if !is_sdev(dev) {
        return;
    }
    // SAFETY: as in probe; device_lock held by the driver core.
    let (s, u) = unsafe { (Sdev::from_dev(dev), UpperDriver::from_driver((*dev).driver)) };
    let ddata = s.bus_ddata.load(Ordering::Acquire);
    // SAFETY: the driver's callback with the data its probe returned. Its
    // requests keep reaching init_command while it winds down (deleting a
    // disk writes back dirty pages); after it returned none come.
    unsafe { (u.remove)(u.ctx, dev.cast(), ddata) };
    s.bus_upper.store(ptr::null_mut(), Ordering::Release);
    s.bus_ddata.store(ptr::null_mut(), Ordering::Release);
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_bus_shutdown(dev: *mut bindings::device) {
    if !is_sdev(dev) {
        return;
    }
    // SAFETY: an H:C:T:L device of ours; the driver core holds its device
    // lock, so its binding cannot change during the call.
    let s = unsafe { Sdev::from_dev(dev) };
    let u = s.bus_upper.load(Ordering::Acquire);
    if u.is_null() || !s.accepts_io() {
        return;
    }
    // SAFETY: bound (see above).
    let u = unsafe { &*u };
    if let Some(f) = u.shutdown {
        // SAFETY: the bound driver's callback with its data.
        unsafe { f(u.ctx, s.bus_ddata.load(Ordering::Acquire)) };
    }
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_bus_uevent(
    dev: *const bindings::device,
    env: *mut bindings::kobj_uevent_env,
) -> c_int {
    if !is_sdev(dev) {
        return 0;
    }
    // SAFETY: an H:C:T:L device of ours.
    let s = unsafe { Sdev::from_dev(dev) };
    let mut b = [0u8; 24];
    let mut w = crate::BufWriter::new(&mut b);
    let _ = write!(w, "scsi:t-0x{:02x}", s.dev_type);
    // SAFETY: `env` is the uevent environment being built; `b` holds a
    // NUL-terminated string.
    unsafe { glue::scsi_rs_uevent_add(env, c"MODALIAS".as_ptr().cast(), b.as_ptr().cast()) }
}

/// Callback of glue.c (see glue.h).
///
/// # Safety
///
/// Called by the driver core or sysfs for a device of ours, with the
/// arguments glue.c passes through.
#[no_mangle]
unsafe extern "C" fn scsi_rs_rs_dev_release(dev: *mut bindings::device) {
    // SAFETY: the last reference of a device of ours is gone.
    match unsafe { glue::scsi_rs_dev_kind(dev) } {
        glue::scsi_rs_dev_kind_SCSI_RS_KIND_SDEV => {
            // SAFETY: allocated by `alloc_sdev` and leaked into the driver
            // model; nobody uses it any more.
            let s = unsafe { Sdev::from_dev(dev) } as *const Sdev as *mut Sdev;
            // SAFETY: as above.
            drop(unsafe { KBox::from_raw(s) });
        }
        glue::scsi_rs_dev_kind_SCSI_RS_KIND_TARGET => {
            // SAFETY: `dev` is the first field of a repr(C) Target leaked
            // by `get_target`.
            drop(unsafe { KBox::from_raw(dev.cast::<Target>()) });
        }
        glue::scsi_rs_dev_kind_SCSI_RS_KIND_HOST => {
            // SAFETY: a host allocated by `host_add`.
            let h = unsafe { Host::from_dev(dev) } as *const Host as *mut Host;
            // SAFETY: as above.
            unsafe { host::release(h) };
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Creation and removal

/// Finds or creates (and registers) the target `ch:id` of `host`.
/// Called with the host's scan lock held.
fn get_target(host: &Host, ch: u32, id: u32) -> Result<*mut Target> {
    let mut lists = host.lists.lock();
    for &t in lists.targets.iter() {
        // SAFETY: targets in the list are live.
        let tr = unsafe { &*t };
        if tr.channel == ch && tr.id == id {
            return Ok(t);
        }
    }
    lists.targets.push(ptr::null_mut(), GFP_KERNEL)?;
    let t = KBox::into_raw(KBox::new(
        Target {
            dev: Opaque::new(zeroed()),
            channel: ch,
            id,
            luns: 0,
        },
        GFP_KERNEL,
    )?);
    // SAFETY: `t` is fresh; the device is set up and added once; on
    // failure the reference is dropped, which frees `t` via release.
    unsafe {
        let dev = (*t).dev.get();
        glue::scsi_rs_init_target_dev(dev);
        bindings::device_initialize(dev);
        (*dev).parent = host.dev_ptr();
        bindings::dev_set_name(dev, c"target%u:%u:%u".as_ptr().cast(), host.host_no, ch, id);
        let r = bindings::device_add(dev);
        if r != 0 {
            crate::vec_pop(&mut lists.targets);
            bindings::put_device(dev);
            return Err(Error::from_errno(r));
        }
    }
    if let Some(last) = lists.targets.last_mut() {
        *last = t;
    }
    Ok(t)
}

/// Drops a LUN's hold on its target; the last one unregisters it.
fn put_target(host: &Host, t: *mut Target) {
    let mut lists = host.lists.lock();
    // SAFETY: live while in the list.
    let tr = unsafe { &mut *t };
    tr.luns = tr.luns.saturating_sub(1);
    if tr.luns != 0 {
        return;
    }
    if let Some(i) = lists.targets.iter().position(|&x| x == t) {
        let last = lists.targets.len() - 1;
        lists.targets.as_mut_slice().swap(i, last);
        crate::vec_pop(&mut lists.targets);
        drop(lists);
        // SAFETY: registered in `get_target`; unregistered once.
        unsafe { bindings::device_unregister(tr.dev.get()) };
    }
}

/// The device at an address, if registered. Called with the scan lock held.
pub(crate) fn find_sdev(host: &Host, ch: u32, id: u32, lun: u64) -> Option<*mut Sdev> {
    let lists = host.lists.lock();
    lists.sdevs.iter().copied().find(|&s| {
        // SAFETY: devices in the list are live.
        let s = unsafe { &*s };
        s.channel == ch && s.id == id && s.lun == lun
    })
}

/// What the scan learnt about a LUN.
pub(crate) struct Found {
    pub(crate) inquiry: [u8; 96],
    pub(crate) inquiry_len: u8,
    pub(crate) vpd: [KVec<u8>; 4],
}

/// Creates, registers and offers a new device. Called with the scan lock.
pub(crate) fn add_sdev(host: &Host, ch: u32, id: u32, lun: u64, found: Found) -> Result {
    let t = get_target(host, ch, id)?;
    {
        let _l = host.lists.lock();
        // SAFETY: live target, its count is guarded by the lists mutex.
        unsafe { (*t).luns += 1 };
    }
    let r = add_sdev_on(host, t, ch, id, lun, found);
    if r.is_err() {
        put_target(host, t);
    }
    r
}

fn add_sdev_on(host: &Host, t: *mut Target, ch: u32, id: u32, lun: u64, found: Found) -> Result {
    let inq = &found.inquiry;
    let dev_type = inq[0] & 0x1f;
    let removable = inq[1] & 0x80 != 0;
    let version = inq[2];
    let scsi_level = match version {
        0 => 0,
        1 => 2,
        2 => 3,
        v => v.saturating_add(1),
    };
    let mut name = [0u8; 40];
    {
        let mut w = crate::BufWriter::new(&mut name);
        let _ = write!(w, "{}:{}:{}:{}", host.host_no, ch, id, lun);
    }
    let depth = host.lim.cmd_per_lun.max(1);
    let init = pin_init!(Sdev {
        dev: Opaque::new(zeroed()),
        class_dev: Opaque::new(zeroed()),
        host: host as *const Host,
        target: t,
        channel: ch,
        id,
        lun,
        dev_type,
        removable,
        scsi_level,
        inquiry: found.inquiry,
        inquiry_len: found.inquiry_len,
        vpd: found.vpd,
        queue: AtomicPtr::new(ptr::null_mut()),
        state: AtomicU32::new(SdevState::Created as u32),
        queue_depth: AtomicU32::new(depth),
        inflight: AtomicU32::new(0),
        starved: AtomicBool::new(false),
        timeout_ms: AtomicU32::new(host::DEFAULT_TIMEOUT_MS),
        eh_timeout_s: AtomicU32::new(10),
        device_blocked: AtomicU32::new(0),
        iorequest_cnt: AtomicU64::new(0),
        iodone_cnt: AtomicU64::new(0),
        ioerr_cnt: AtomicU64::new(0),
        iotmo_cnt: AtomicU64::new(0),
        bus_upper: AtomicPtr::new(ptr::null_mut()),
        bus_ddata: AtomicPtr::new(ptr::null_mut()),
        rescan_luns: AtomicBool::new(false),
        ifaces <- kernel::new_mutex!(Ifaces { list: KVec::new() }),
        event_work: Opaque::new(zeroed()),
        name,
    });
    let boxed = KBox::pin_init(init, GFP_KERNEL)?;
    // SAFETY: the device never moves: it is leaked into the driver model
    // and freed by its release callback.
    let s: *mut Sdev = KBox::into_raw(unsafe { Pin::into_inner_unchecked(boxed) });
    // SAFETY: fresh, unshared.
    let sr = unsafe { &*s };
    let q = match host.alloc_queue(s.cast()) {
        Ok(q) => q,
        Err(e) => {
            // SAFETY: not registered anywhere yet.
            drop(unsafe { KBox::from_raw(s) });
            return Err(e);
        }
    };
    sr.queue.store(q, Ordering::Release);
    // SAFETY: fresh objects; set up once. From `device_initialize` on the
    // reference count owns `s`.
    unsafe {
        bindings::blk_queue_rq_timeout(q, crate::ms_to_jiffies(host::DEFAULT_TIMEOUT_MS));
        bindings::init_work_with_key(
            sr.event_work.get(),
            Some(event_work_fn),
            false,
            c"scsi_rs_event".as_ptr().cast(),
            EVENT_WORK_KEY.get(),
        );
        let dev = sr.dev.get();
        let cdev = sr.class_dev.get();
        glue::scsi_rs_init_sdev_dev(dev, cdev);
        bindings::device_initialize(dev);
        (*dev).parent = (*t).dev.get();
        bindings::dev_set_name(dev, c"%s".as_ptr().cast(), sr.name.as_ptr());
        bindings::device_initialize(cdev);
        (*cdev).parent = dev;
        bindings::dev_set_name(cdev, c"%s".as_ptr().cast(), sr.name.as_ptr());
    }
    // The power-on UNIT ATTENTION is consumed here, not by the first upper
    // driver command.
    sr.set_state(SdevState::Created);
    crate::scan::test_unit_ready(sr);
    sr.set_state(SdevState::Running);
    {
        let mut lists = host.lists.lock();
        if lists.sdevs.push(s, GFP_KERNEL).is_err() {
            drop(lists);
            destroy_unadded(sr);
            return Err(ENOMEM);
        }
    }
    // SAFETY: initialised above; device_add binds the matching upper
    // driver (probe) before it returns.
    let r = unsafe { bindings::device_add(sr.dev.get()) };
    if r != 0 {
        pr_err!("{}: device_add failed ({})\n", sr.name(), r);
        unlist(host, s);
        destroy_unadded(sr);
        return Err(Error::from_errno(r));
    }
    // SAFETY: as above; the class device lives inside the device.
    let r = unsafe { bindings::device_add(sr.class_dev.get()) };
    if r != 0 {
        pr_err!("{}: class device_add failed ({})\n", sr.name(), r);
    }
    let (v, m, rv) = sr.vendor_model_rev();
    pr_info!(
        "scsi {}: {:<8} {:<8} {:<16} {:<4} PQ: 0 ANSI: {}\n",
        sr.name(),
        crate::scan::type_name(dev_type),
        v,
        m,
        rv,
        version
    );
    crate::attach_interfaces(sr);
    Ok(())
}

fn unlist(host: &Host, s: *mut Sdev) {
    let mut lists = host.lists.lock();
    if let Some(i) = lists.sdevs.iter().position(|&x| x == s) {
        let last = lists.sdevs.len() - 1;
        lists.sdevs.as_mut_slice().swap(i, last);
        crate::vec_pop(&mut lists.sdevs);
    }
}

/// Undoes the set-up of a device that never got registered.
fn destroy_unadded(s: &Sdev) {
    s.set_state(SdevState::Del);
    let q = s.queue();
    // SAFETY: the queue has no users (nothing was registered on it) and is
    // destroyed once; then the device's only reference is dropped, which
    // releases it.
    unsafe {
        bindings::blk_mq_destroy_queue(q);
        bindings::blk_put_queue(q);
        bindings::put_device(s.class_dev.get());
        bindings::put_device(s.dev.get());
    }
}

/// Removes a device: upper drivers detach (a last SYNCHRONIZE CACHE may
/// still run: state `Cancel`), then nothing more is accepted, the queue is
/// drained and destroyed, the device unregistered. Called with the scan lock.
pub(crate) fn remove_sdev_locked(host: &Host, s: *mut Sdev) {
    // SAFETY: the caller holds the scan lock, so the device is still
    // registered (only removal, under that lock, drops the registration's
    // reference) and therefore live.
    let sr = unsafe { &*s };
    let prev = sr.state.swap(SdevState::Cancel as u32, Ordering::AcqRel);
    if prev == SdevState::Cancel as u32 || prev == SdevState::Del as u32 {
        sr.state.store(prev, Ordering::Release);
        return;
    }
    unlist(host, s);
    crate::detach_interfaces(sr);
    // SAFETY: registered in `add_sdev_on`; unregistering unbinds the upper
    // driver (its remove runs now) and removes the sysfs entries.
    unsafe {
        bindings::device_del(sr.class_dev.get());
        bindings::device_del(sr.dev.get());
    }
    sr.set_state(SdevState::Del);
    let q = sr.queue();
    // A pending event work keeps its own reference and finds the device
    // deleted; it is not waited for here (it may need the scan lock).
    // SAFETY: no new requests are accepted (`Del`); destroying waits for
    // those in flight (the adapter gives every command back).
    unsafe {
        bindings::blk_mq_run_hw_queues(q, false);
        bindings::blk_mq_destroy_queue(q);
        bindings::blk_put_queue(q);
    }
    let t = sr.target;
    pr_info!("{}: removed\n", sr.name());
    // SAFETY: drop the references the registration held; the device goes
    // when the last user (an open device node) lets go.
    unsafe {
        bindings::put_device(sr.class_dev.get());
        bindings::put_device(sr.dev.get());
    }
    put_target(host, t);
}

/// Removes every device of a host (host removal).
pub(crate) fn remove_all(host: &Host) {
    loop {
        let next = host.lists.lock().sdevs.last().copied();
        match next {
            Some(s) => remove_sdev_locked(host, s),
            None => break,
        }
    }
}

// ---------------------------------------------------------------------------
// Device functions of the interface

fn sdev_of<'a>(p: *mut api::scsi_rs_device) -> Option<&'a Sdev> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the interface's device handles are the `dev` fields of our
    // devices, valid while an upper driver is attached.
    Some(unsafe { Sdev::from_dev(p.cast()) })
}

/// See `api.h`.
///
/// # Safety
///
/// `sdev` is a device handle given to an attached upper driver; `out` is a
/// writable structure whose header is valid.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_device_info(
    sdev: *mut api::scsi_rs_device,
    out: *mut api::scsi_rs_device_info,
) -> c_int {
    let Some(s) = sdev_of(sdev) else {
        return EINVAL.to_errno();
    };
    if out.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: the header is readable by the contract.
    if let Err(e) = unsafe {
        crate::check_abi(
            out.cast(),
            "device info",
            size_of::<api::scsi_rs_device_info>(),
        )
    } {
        return e.to_errno();
    }
    // SAFETY: version and size match: a whole structure.
    let o = unsafe { &mut *out };
    o.host_no = s.host().host_no;
    o.channel = s.channel;
    o.id = s.id;
    o.max_sectors = s.host().lim.max_sectors;
    o.lun = s.lun;
    o.type_ = s.dev_type;
    o.removable = u8::from(s.removable);
    o.scsi_level = s.scsi_level;
    o.inquiry_len = s.inquiry_len;
    o.inquiry = s.inquiry;
    o.dev = s.dev_ptr();
    o.queue = s.queue();
    0
}

/// See `api.h`.
///
/// # Safety
///
/// `sdev` is a device handle given to an attached upper driver.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_device_get(sdev: *mut api::scsi_rs_device) -> c_int {
    let Some(s) = sdev_of(sdev) else {
        return EINVAL.to_errno();
    };
    if !s.accepts_io() && s.state() != SdevState::Offline {
        return ENXIO.to_errno();
    }
    let owner = s.host().drv().owner;
    // SAFETY: the host's driver module is live (it has this host).
    if !unsafe { bindings::try_module_get(owner) } {
        return ENXIO.to_errno();
    }
    // SAFETY: a live device; the reference is dropped in `put`.
    unsafe { bindings::get_device(s.dev_ptr()) };
    0
}

/// See `api.h`.
///
/// # Safety
///
/// `sdev` is a device handle pinned by `scsi_rs_device_get`.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_device_put(sdev: *mut api::scsi_rs_device) {
    let Some(s) = sdev_of(sdev) else { return };
    let owner = s.host().drv().owner;
    // SAFETY: taken by `scsi_rs_device_get`.
    unsafe {
        bindings::module_put(owner);
        bindings::put_device(s.dev_ptr());
    }
}

/// See `api.h`.
///
/// # Safety
///
/// `sdev` is a device handle of an attached upper driver; `x` a writable
/// structure whose header is valid and whose buffer is kernel memory.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_execute(
    sdev: *mut api::scsi_rs_device,
    x: *mut api::scsi_rs_exec,
) -> c_int {
    let Some(s) = sdev_of(sdev) else {
        return EINVAL.to_errno();
    };
    if x.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: the header is readable by the contract.
    if let Err(e) = unsafe { crate::check_abi(x.cast(), "execute", size_of::<api::scsi_rs_exec>()) }
    {
        return e.to_errno();
    }
    // SAFETY: version and size match.
    let x = unsafe { &mut *x };
    let len = usize::from(x.cdb_len);
    if len == 0 || len > x.cdb.len() || (x.len != 0 && x.buf.is_null()) {
        return EINVAL.to_errno();
    }
    let args = ExecArgs {
        cdb: &x.cdb[..len],
        dir: x.dir,
        buf: x.buf.cast(),
        len: x.len,
        timeout_ms: if x.timeout_ms == 0 {
            s.timeout_ms.load(Ordering::Relaxed)
        } else {
            x.timeout_ms
        },
        retries: x.retries,
        addr: None,
        quiet: true,
    };
    match host::exec(s.queue(), &args) {
        Ok(o) => {
            x.status = o.status;
            x.host = o.host;
            x.resid = o.resid;
            x.sense_len = o.sense_len;
            x.sense = o.sense;
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// The registry's view for interface attach/detach.
pub(crate) fn for_each_sdev(mut f: impl FnMut(&Sdev)) {
    let Ok(reg) = registry() else { return };
    let lists = reg.lists.lock();
    for h in lists.live_hosts.iter().flatten() {
        // SAFETY: live hosts are listed between add and remove.
        let h = unsafe { &**h };
        let hl = h.lists.lock();
        for &s in hl.sdevs.iter() {
            // SAFETY: listed devices are live.
            f(unsafe { &*s });
        }
    }
}
