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
pub mod api;

use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::c_str;
use kernel::error::to_result;
use kernel::ffi::{c_int, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The interface version this module was built against.
pub const ABI_VERSION: u32 = api::SCSI_RS_ABI_VERSION;

/// Size of the sense buffer of a command.
pub const SENSE_SIZE: usize = api::SCSI_RS_SENSE_SIZE as usize;

/// The frozen leading header of every interface structure.
fn abi<T>(origin: &'static CStr) -> api::scsi_rs_abi {
    api::scsi_rs_abi {
        version: ABI_VERSION,
        size: core::mem::size_of::<T>() as u32,
        origin: origin.as_char_ptr(),
    }
}

/// `EOPNOTSUPP`, which the 6.12 kernel crate does not name.
pub fn not_supported() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// The interface version of the loaded core.
pub fn core_abi_version() -> u32 {
    // SAFETY: no arguments, no preconditions.
    unsafe { api::scsi_rs_abi_version() }
}

// ---------------------------------------------------------------------------
// Commands

/// Data direction of a command.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dir {
    /// No data.
    None,
    /// Host to device (write).
    ToDevice,
    /// Device to host (read).
    FromDevice,
}

impl Dir {
    fn from_raw(d: u8) -> Self {
        match u32::from(d) {
            api::SCSI_RS_DIR_TO_DEVICE => Dir::ToDevice,
            api::SCSI_RS_DIR_FROM_DEVICE => Dir::FromDevice,
            _ => Dir::None,
        }
    }

    fn to_raw(self) -> u8 {
        (match self {
            Dir::None => api::SCSI_RS_DIR_NONE,
            Dir::ToDevice => api::SCSI_RS_DIR_TO_DEVICE,
            Dir::FromDevice => api::SCSI_RS_DIR_FROM_DEVICE,
        }) as u8
    }
}

/// What the adapter says about a command besides its SCSI status.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum HostResult {
    /// Delivered; see the status.
    Ok = api::SCSI_RS_HOST_OK as u8,
    /// No such target or LUN.
    NoConnect = api::SCSI_RS_HOST_NO_CONNECT as u8,
    /// Address out of the adapter's range.
    BadTarget = api::SCSI_RS_HOST_BAD_TARGET as u8,
    /// Ended by an abort.
    Aborted = api::SCSI_RS_HOST_ABORTED as u8,
    /// Ended by a reset.
    Reset = api::SCSI_RS_HOST_RESET as u8,
    /// Adapter or transport failure.
    Error = api::SCSI_RS_HOST_ERROR as u8,
    /// Transient transport disruption: retry.
    Retry = api::SCSI_RS_HOST_RETRY as u8,
}

/// A command handed to a host-adapter driver. It must be given back with
/// [`Cmd::done`] exactly once; the type is not `Clone`, and `done` consumes
/// it. A driver that parks it in hardware turns it into a token with
/// [`Cmd::into_raw`] and back with [`Cmd::from_raw`].
pub struct Cmd {
    raw: NonNull<api::scsi_rs_cmd>,
}

// SAFETY: a command may be completed from any context (the core's
// `scsi_rs_cmd_done` is callable from interrupts); the owner of the `Cmd`
// is the only one touching it until `done`.
unsafe impl Send for Cmd {}

impl Cmd {
    fn c(&self) -> &api::scsi_rs_cmd {
        // SAFETY: the core keeps the command alive and unshared with other
        // code until it is given back, which consumes `self`.
        unsafe { self.raw.as_ref() }
    }

    fn c_mut(&mut self) -> &mut api::scsi_rs_cmd {
        // SAFETY: as in `c`; `&mut self` makes this the only access.
        unsafe { self.raw.as_mut() }
    }

    /// The command descriptor block.
    pub fn cdb(&self) -> &[u8] {
        let c = self.c();
        &c.cdb[..usize::from(c.cdb_len).min(c.cdb.len())]
    }

    /// Data direction.
    pub fn dir(&self) -> Dir {
        Dir::from_raw(self.c().dir)
    }

    /// Channel, target id and LUN.
    pub fn address(&self) -> (u32, u32, u64) {
        let c = self.c();
        (c.channel, c.id, c.lun)
    }

    /// Tag, unique within the host while in flight.
    pub fn tag(&self) -> u32 {
        self.c().tag
    }

    /// Hardware queue index.
    pub fn hwq(&self) -> u16 {
        self.c().hwq
    }

    /// The last command of a batch: notify the hardware now (see
    /// [`HostDriver::BATCHES`]).
    pub fn is_last(&self) -> bool {
        u32::from(self.c().flags) & api::SCSI_RS_CMD_F_LAST != 0
    }

    /// Bytes to transfer.
    pub fn data_len(&self) -> u32 {
        self.c().data_len
    }

    /// The scatter-gather list (for the adapter's binding layer) and the
    /// number of its entries.
    pub fn sg(&self) -> (*mut bindings::scatterlist, usize) {
        let c = self.c();
        (c.sgl, usize::from(c.sg_count))
    }

    /// Timeout the core applies, in milliseconds.
    pub fn timeout_ms(&self) -> u32 {
        self.c().timeout_ms
    }

    /// The adapter's per-command area (`cmd_priv_size` bytes).
    pub fn lld_priv(&self) -> *mut c_void {
        self.c().lld_priv
    }

    /// Records the outcome: SAM status, adapter result, residual and sense.
    pub fn set_result(&mut self, status: u8, host: HostResult, resid: u32, sense: &[u8]) {
        let c = self.c_mut();
        c.status = status;
        c.host = host as u8;
        c.resid = resid.min(c.data_len);
        let n = sense.len().min(c.sense.len());
        c.sense[..n].copy_from_slice(&sense[..n]);
        c.sense_len = n as u16;
    }

    /// Gives the command back to the core. Any context.
    pub fn done(self) {
        // SAFETY: the command came from the core and is given back once:
        // `self` is consumed.
        unsafe { api::scsi_rs_cmd_done(self.raw.as_ptr()) };
    }

    /// A token for the command, for hardware queues.
    pub fn into_raw(self) -> *mut c_void {
        self.raw.as_ptr().cast()
    }

    /// Takes back a command from its token.
    ///
    /// # Safety
    ///
    /// `p` came from [`Cmd::into_raw`] and is turned back at most once.
    pub unsafe fn from_raw(p: *mut c_void) -> Self {
        Cmd {
            // SAFETY: `into_raw` of a `NonNull`.
            raw: unsafe { NonNull::new_unchecked(p.cast()) },
        }
    }

    /// The address of the command, for matching it against a token in an
    /// abort without taking it.
    pub fn as_token(&self) -> *mut c_void {
        self.raw.as_ptr().cast()
    }
}

/// A command seen by an upper driver while it builds its CDB.
pub struct CmdSetup<'a> {
    c: &'a mut api::scsi_rs_cmd,
}

impl CmdSetup<'_> {
    /// Sets the CDB (at most 32 bytes).
    pub fn set_cdb(&mut self, cdb: &[u8]) -> Result {
        if cdb.is_empty() || cdb.len() > self.c.cdb.len() {
            return Err(EINVAL);
        }
        self.c.cdb[..cdb.len()].copy_from_slice(cdb);
        self.c.cdb_len = cdb.len() as u16;
        Ok(())
    }

    /// Data direction the core derived from the request.
    pub fn dir(&self) -> Dir {
        Dir::from_raw(self.c.dir)
    }

    /// Bytes the core mapped for the request.
    pub fn data_len(&self) -> u32 {
        self.c.data_len
    }

    /// Lowers the transfer length below what the core mapped (never raises
    /// it): a command that moves less data than the request carries.
    pub fn set_data_len(&mut self, len: u32) {
        self.c.data_len = self.c.data_len.min(len);
    }

    /// Sends `data` (at most `SCSI_RS_MAX_PAYLOAD`, 64 bytes, copied)
    /// instead of the request's data, for a request without data of its own
    /// such as a discard: the parameter list of an UNMAP.
    pub fn set_payload(&mut self, data: &[u8]) -> Result {
        let len = u32::try_from(data.len()).map_err(|_| EINVAL)?;
        // SAFETY: `self.c` is the command of the request being prepared in
        // `init_command`; `data` has `len` bytes.
        let ret = unsafe { api::scsi_rs_cmd_set_payload(self.c, data.as_ptr().cast(), len) };
        if ret == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(ret))
        }
    }

    /// Sends `len` bytes of zeroes (1 ..= `PAGE_SIZE`) instead of the
    /// request's data: the logical block of a WRITE SAME.
    pub fn set_zeroes(&mut self, len: u32) -> Result {
        // SAFETY: `self.c` is the command of the request being prepared in
        // `init_command`.
        let ret = unsafe { api::scsi_rs_cmd_set_zeroes(self.c, len) };
        if ret == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(ret))
        }
    }

    /// Retries the core may make of this file-system command where a retry
    /// is allowed (`None`: no limit).
    pub fn set_retries(&mut self, allowed: Option<u32>) {
        let n = allowed.map_or(-1, |a| c_int::try_from(a).unwrap_or(c_int::MAX));
        // SAFETY: as in `set_zeroes`. It only fails for a null command.
        unsafe { api::scsi_rs_cmd_set_retries(self.c, n) };
    }
}

/// A block-layer request, as an upper driver sees it.
pub struct Request<'a> {
    rq: &'a bindings::request,
}

/// Block-layer operations an upper driver turns into commands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReqOp {
    /// Read.
    Read,
    /// Write.
    Write,
    /// Cache flush.
    Flush,
    /// Discard.
    Discard,
    /// Write zeroes.
    WriteZeroes,
    /// Anything else.
    Other(u32),
}

impl Request<'_> {
    /// The operation.
    pub fn op(&self) -> ReqOp {
        // REQ_OP_MASK: the low 8 bits of the flags.
        let op = self.rq.cmd_flags & 0xff;
        match op {
            bindings::req_op_REQ_OP_READ => ReqOp::Read,
            bindings::req_op_REQ_OP_WRITE => ReqOp::Write,
            bindings::req_op_REQ_OP_FLUSH => ReqOp::Flush,
            bindings::req_op_REQ_OP_DISCARD => ReqOp::Discard,
            bindings::req_op_REQ_OP_WRITE_ZEROES => ReqOp::WriteZeroes,
            o => ReqOp::Other(o),
        }
    }

    /// First 512-byte sector.
    pub fn pos(&self) -> u64 {
        self.rq.__sector
    }

    /// Bytes of the request.
    pub fn bytes(&self) -> u32 {
        self.rq.__data_len
    }

    /// Forced unit access asked for.
    pub fn fua(&self) -> bool {
        self.rq.cmd_flags & (1 << bindings::req_flag_bits___REQ_FUA) != 0
    }

    /// A write-zeroes request that must keep the blocks allocated
    /// (REQ_NOUNMAP): no deallocating WRITE SAME.
    pub fn no_unmap(&self) -> bool {
        self.rq.cmd_flags & (1 << bindings::req_flag_bits___REQ_NOUNMAP) != 0
    }
}

// ---------------------------------------------------------------------------
// Host-adapter drivers

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

/// What one adapter reports about itself; `0` keeps the driver's default.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostParams {
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
    /// Hardware queues (default 1).
    pub nr_hw_queues: u32,
    /// Bytes per scatter-gather entry.
    pub max_segment_size: u32,
    /// Segment boundary mask.
    pub seg_boundary_mask: u64,
    /// DMA alignment mask.
    pub dma_alignment: u32,
}

/// Answer of [`HostDriver::queuecommand`] when the command was not taken;
/// the command comes back to the core, which requeues it later.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Busy {
    /// The adapter is full.
    Host,
    /// The target is busy.
    Target,
    /// The device is busy.
    Device,
}

/// Reset levels.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResetLevel {
    /// One LUN.
    Lun,
    /// One target.
    Target,
    /// A bus.
    Bus,
    /// The whole adapter.
    Host,
}

/// A host-adapter driver.
pub trait HostDriver: Sized + 'static {
    /// Driver name, the hosts' `proc_name`.
    const NAME: &'static CStr;
    /// Default limits of the adapters.
    const LIMITS: HostLimits;
    /// Per-command area the core reserves for the driver.
    const CMD_PRIV_SIZE: u32 = 0;
    /// The driver notifies its hardware only for [`Cmd::is_last`] commands
    /// and in [`HostDriver::commit`]; otherwise every command is last.
    const BATCHES: bool = false;
    /// Data of one adapter instance.
    type Data: Send + Sync;
    /// Starts a command. On `Err` the command comes back to the core
    /// untouched (the driver must not have called `done`).
    fn queuecommand(host: &Self::Data, cmd: Cmd) -> core::result::Result<(), (Busy, Cmd)>;
    /// Aborts a command the adapter holds (see `api.h`).
    fn abort(_host: &Self::Data, _cmd_token: *mut c_void) -> Result {
        Err(not_supported())
    }
    /// Resets a LUN, target, bus or the adapter (see `api.h`).
    fn reset(_host: &Self::Data, _level: ResetLevel, _channel: u32, _id: u32, _lun: u64) -> Result {
        Err(not_supported())
    }
    /// A batch ended early: notify the hardware of queue `hwq`.
    fn commit(_host: &Self::Data, _hwq: u16) {}
    /// Maps CPUs to hardware queues; `false` keeps the default map.
    fn map_queues(_host: &Self::Data, _map: QueueMap) -> bool {
        false
    }
}

/// The CPU-to-hardware-queue map of a host, for [`HostDriver::map_queues`];
/// the adapter's binding layer fills it.
pub struct QueueMap {
    raw: NonNull<bindings::blk_mq_queue_map>,
}

impl QueueMap {
    /// The block layer's map.
    pub fn as_raw(&self) -> *mut bindings::blk_mq_queue_map {
        self.raw.as_ptr()
    }
}

/// Calls [`HostDriver::commit`] for the core.
///
/// # Safety
///
/// As for `queuecommand_tramp`.
unsafe extern "C" fn commit_tramp<T: HostDriver>(hostdata: *mut c_void, hwq: u16) {
    // SAFETY: as in `queuecommand_tramp`.
    let data = unsafe { &*hostdata.cast::<T::Data>() };
    T::commit(data, hwq);
}

/// Calls [`HostDriver::map_queues`] for the core.
///
/// # Safety
///
/// As for `queuecommand_tramp`; `qmap` is the map being built.
unsafe extern "C" fn map_queues_tramp<T: HostDriver>(
    hostdata: *mut c_void,
    qmap: *mut bindings::blk_mq_queue_map,
) -> c_int {
    let Some(raw) = NonNull::new(qmap) else {
        return 0;
    };
    // SAFETY: as in `queuecommand_tramp`.
    let data = unsafe { &*hostdata.cast::<T::Data>() };
    c_int::from(T::map_queues(data, QueueMap { raw }))
}

/// Calls [`HostDriver::queuecommand`] for the core.
///
/// # Safety
///
/// `hostdata` is the `T::Data` of a live [`Host<T>`]; `cmd` a command of the
/// core.
unsafe extern "C" fn queuecommand_tramp<T: HostDriver>(
    hostdata: *mut c_void,
    cmd: *mut api::scsi_rs_cmd,
) -> c_int {
    let Some(raw) = NonNull::new(cmd) else {
        return api::SCSI_RS_QC_HOST_BUSY as c_int;
    };
    // SAFETY: `hostdata` is the boxed data of a host that is alive while the
    // core sends it commands (see `Host::add`).
    let data = unsafe { &*hostdata.cast::<T::Data>() };
    match T::queuecommand(data, Cmd { raw }) {
        Ok(()) => api::SCSI_RS_QC_OK as c_int,
        Err((busy, _cmd)) => {
            (match busy {
                Busy::Host => api::SCSI_RS_QC_HOST_BUSY,
                Busy::Target => api::SCSI_RS_QC_TARGET_BUSY,
                Busy::Device => api::SCSI_RS_QC_DEVICE_BUSY,
            }) as c_int
        }
    }
}

/// Calls [`HostDriver::abort`] for the core.
///
/// # Safety
///
/// As for `queuecommand_tramp`.
unsafe extern "C" fn abort_tramp<T: HostDriver>(
    hostdata: *mut c_void,
    cmd: *mut api::scsi_rs_cmd,
) -> c_int {
    // SAFETY: as in `queuecommand_tramp`.
    let data = unsafe { &*hostdata.cast::<T::Data>() };
    match T::abort(data, cmd.cast()) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Calls [`HostDriver::reset`] for the core.
///
/// # Safety
///
/// As for `queuecommand_tramp`.
unsafe extern "C" fn reset_tramp<T: HostDriver>(
    hostdata: *mut c_void,
    level: u32,
    channel: u32,
    id: u32,
    lun: u64,
) -> c_int {
    // SAFETY: as in `queuecommand_tramp`.
    let data = unsafe { &*hostdata.cast::<T::Data>() };
    let level = match level {
        api::SCSI_RS_RESET_LUN => ResetLevel::Lun,
        api::SCSI_RS_RESET_TARGET => ResetLevel::Target,
        api::SCSI_RS_RESET_BUS => ResetLevel::Bus,
        _ => ResetLevel::Host,
    };
    match T::reset(data, level, channel, id, lun) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// A host-adapter driver registered with the core; unregistered on drop.
pub struct HostDriverRegistration<T: HostDriver> {
    handle: NonNull<api::scsi_rs_host_driver>,
    _p: PhantomData<T>,
}

// SAFETY: the handle is an opaque token the core accepts from any context
// that may sleep; the core serialises its own state.
unsafe impl<T: HostDriver> Send for HostDriverRegistration<T> {}
// SAFETY: as above; `&self` only passes the handle to the core.
unsafe impl<T: HostDriver> Sync for HostDriverRegistration<T> {}

impl<T: HostDriver> HostDriverRegistration<T> {
    /// Registers the host-adapter driver `T` of `module`.
    pub fn new(module: &'static ThisModule) -> Result<Self> {
        let l = T::LIMITS;
        let tmpl = api::scsi_rs_host_template {
            abi: abi::<api::scsi_rs_host_template>(T::NAME),
            name: T::NAME.as_char_ptr(),
            owner: module.as_ptr(),
            can_queue: l.can_queue,
            cmd_per_lun: l.cmd_per_lun,
            sg_tablesize: l.sg_tablesize,
            max_sectors: l.max_sectors,
            max_channel: l.max_channel,
            max_id: l.max_id,
            max_lun: l.max_lun,
            cmd_priv_size: T::CMD_PRIV_SIZE,
            reserved: 0,
            queuecommand: Some(queuecommand_tramp::<T>),
            abort: Some(abort_tramp::<T>),
            reset: Some(reset_tramp::<T>),
            map_queues: Some(map_queues_tramp::<T>),
            commit: if T::BATCHES {
                Some(commit_tramp::<T>)
            } else {
                None
            },
        };
        let mut handle = core::ptr::null_mut();
        // SAFETY: `tmpl` is a complete template of this interface version and
        // `handle` is writable; the core copies what it keeps.
        to_result(unsafe { api::scsi_rs_register_host_driver(&tmpl, &mut handle) })?;
        let handle = NonNull::new(handle).ok_or(EINVAL)?;
        Ok(Self {
            handle,
            _p: PhantomData,
        })
    }
}

impl<T: HostDriver> Drop for HostDriverRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: the handle came from a successful registration and is
        // unregistered exactly once.
        unsafe { api::scsi_rs_unregister_host_driver(self.handle.as_ptr()) };
    }
}

/// One adapter instance (hostN). Dropping it removes the host and its
/// devices (waiting for the commands the adapter still holds), then frees
/// the driver's data.
pub struct Host<T: HostDriver> {
    handle: NonNull<api::scsi_rs_host>,
    data: NonNull<T::Data>,
}

// SAFETY: the handle is an opaque token; `T::Data` is `Send + Sync`.
unsafe impl<T: HostDriver> Send for Host<T> {}
// SAFETY: as above.
unsafe impl<T: HostDriver> Sync for Host<T> {}

impl<T: HostDriver> Host<T> {
    /// Adds a host for an adapter, as a child of `parent`.
    ///
    /// # Safety
    ///
    /// `parent` is a live device that outlives the returned host.
    pub unsafe fn add(
        reg: &HostDriverRegistration<T>,
        parent: *mut bindings::device,
        params: &HostParams,
        data: KBox<T::Data>,
    ) -> Result<Self> {
        let p = api::scsi_rs_host_params {
            abi: abi::<api::scsi_rs_host_params>(T::NAME),
            can_queue: params.can_queue,
            cmd_per_lun: params.cmd_per_lun,
            sg_tablesize: params.sg_tablesize,
            max_sectors: params.max_sectors,
            max_channel: params.max_channel,
            max_id: params.max_id,
            max_lun: params.max_lun,
            nr_hw_queues: params.nr_hw_queues,
            max_segment_size: params.max_segment_size,
            seg_boundary_mask: params.seg_boundary_mask,
            dma_alignment: params.dma_alignment,
            reserved: 0,
        };
        let data = NonNull::from(KBox::leak(data));
        let mut handle = core::ptr::null_mut();
        // SAFETY: `reg` is a live registration, `parent` is live by the
        // caller's contract, `p` is complete; the data pointer stays valid
        // until `drop` has removed the host.
        let ret = unsafe {
            api::scsi_rs_host_add(
                reg.handle.as_ptr(),
                parent,
                &p,
                data.as_ptr().cast(),
                &mut handle,
            )
        };
        let handle = match (to_result(ret), NonNull::new(handle)) {
            (Ok(()), Some(h)) => h,
            (r, _) => {
                // SAFETY: leaked above and never handed out.
                drop(unsafe { KBox::from_raw(data.as_ptr()) });
                return Err(r.err().unwrap_or(EINVAL));
            }
        };
        Ok(Self { handle, data })
    }

    /// The driver's data of this adapter.
    pub fn data(&self) -> &T::Data {
        // SAFETY: owned by `self` until drop.
        unsafe { self.data.as_ref() }
    }

    /// The host number N (hostN).
    pub fn host_no(&self) -> u32 {
        // SAFETY: live handle.
        unsafe { api::scsi_rs_host_no(self.handle.as_ptr()) }
    }

    /// Scans the buses (as the core's `scan=` says).
    pub fn scan(&self) {
        // SAFETY: live handle.
        unsafe { api::scsi_rs_host_scan(self.handle.as_ptr()) }
    }

    /// A reference that hot-plug work can use while the `Host` lives.
    pub fn events(&self) -> HostEvents {
        HostEvents {
            handle: self.handle,
        }
    }
}

impl<T: HostDriver> Drop for Host<T> {
    fn drop(&mut self) {
        // SAFETY: added in `add`; removed once. The core returns only when
        // no command is left with the adapter and no callback runs.
        unsafe { api::scsi_rs_host_remove(self.handle.as_ptr()) };
        // SAFETY: leaked in `add`; nobody uses it after the host is gone.
        drop(unsafe { KBox::from_raw(self.data.as_ptr()) });
    }
}

/// Hot-plug notifications to a host's core side. Valid while its [`Host`]
/// lives: the adapter must stop its event work before dropping the host.
#[derive(Clone, Copy)]
pub struct HostEvents {
    handle: NonNull<api::scsi_rs_host>,
}

// SAFETY: an opaque token the core accepts from any process context.
unsafe impl Send for HostEvents {}
// SAFETY: as above.
unsafe impl Sync for HostEvents {}

impl HostEvents {
    /// A target or LUN appeared (`lun == None`: scan all LUNs of the target).
    pub fn scan_target(&self, channel: u32, id: u32, lun: Option<u64>) -> Result {
        // SAFETY: live handle by the type's contract.
        to_result(unsafe {
            api::scsi_rs_host_scan_target(self.handle.as_ptr(), channel, id, lun.unwrap_or(!0))
        })
    }

    /// A LUN went away.
    pub fn remove_device(&self, channel: u32, id: u32, lun: u64) {
        // SAFETY: live handle by the type's contract.
        unsafe { api::scsi_rs_host_remove_device(self.handle.as_ptr(), channel, id, lun) }
    }

    /// A LUN reports a parameter change.
    pub fn rescan_device(&self, channel: u32, id: u32, lun: u64) {
        // SAFETY: live handle by the type's contract.
        unsafe { api::scsi_rs_host_rescan_device(self.handle.as_ptr(), channel, id, lun) }
    }
}

// ---------------------------------------------------------------------------
// Upper-level drivers and devices

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

/// A SCSI device the core offers to an upper-level driver. The handle is
/// valid from `probe` until `remove` returns; a driver keeps it in its
/// per-device data, which `remove` gets back and drops.
pub struct Device {
    raw: NonNull<api::scsi_rs_device>,
}

// SAFETY: the core's device functions may be called from any process
// context and serialise internally.
unsafe impl Send for Device {}
// SAFETY: as above.
unsafe impl Sync for Device {}

/// A copy of what the core knows about a device.
pub struct DeviceInfo {
    /// Host number.
    pub host_no: u32,
    /// Channel.
    pub channel: u32,
    /// Target id.
    pub id: u32,
    /// LUN.
    pub lun: u64,
    /// 512-byte sectors per command (0 from a core before this field).
    pub max_sectors: u32,
    /// Peripheral device type.
    pub dev_type: u8,
    /// Removable medium.
    pub removable: bool,
    /// SCSI level, as the C stack counts it.
    pub scsi_level: u8,
    /// Standard INQUIRY data.
    pub inquiry: [u8; 96],
    /// Valid bytes of `inquiry`.
    pub inquiry_len: usize,
    /// The `H:C:T:L` device, parent of device nodes.
    pub dev: *mut bindings::device,
    /// The device's request queue.
    pub queue: *mut bindings::request_queue,
}

/// A synchronous command.
pub struct Exec<'a> {
    /// CDB.
    pub cdb: &'a [u8],
    /// Direction of `buf`.
    pub dir: Dir,
    /// Timeout in milliseconds; 0: the device's.
    pub timeout_ms: u32,
    /// Retries on UNIT ATTENTION and transient errors.
    pub retries: u32,
}

/// Outcome of a synchronous command that ran.
pub struct ExecResult {
    /// SAM status.
    pub status: u8,
    /// Adapter result.
    pub host: u8,
    /// Bytes not transferred.
    pub resid: u32,
    /// Sense data.
    pub sense: [u8; SENSE_SIZE],
    /// Valid bytes of `sense`.
    pub sense_len: usize,
}

impl ExecResult {
    /// The command completed with GOOD status.
    pub fn good(&self) -> bool {
        self.status == 0 && self.host == api::SCSI_RS_HOST_OK as u8
    }

    /// The valid sense bytes.
    pub fn sense(&self) -> &[u8] {
        &self.sense[..self.sense_len]
    }
}

impl Device {
    /// What the core knows about the device.
    pub fn info(&self) -> Result<DeviceInfo> {
        // SAFETY: all-zero is valid for this plain C structure.
        let mut i: api::scsi_rs_device_info = unsafe { core::mem::zeroed() };
        i.abi = abi::<api::scsi_rs_device_info>(c_str!("scsi_rs"));
        // SAFETY: live handle (type invariant); `i` is writable.
        to_result(unsafe { api::scsi_rs_device_info(self.raw.as_ptr(), &mut i) })?;
        Ok(DeviceInfo {
            host_no: i.host_no,
            channel: i.channel,
            id: i.id,
            lun: i.lun,
            max_sectors: i.max_sectors,
            dev_type: i.type_,
            removable: i.removable != 0,
            scsi_level: i.scsi_level,
            inquiry: i.inquiry,
            inquiry_len: usize::from(i.inquiry_len).min(96),
            dev: i.dev,
            queue: i.queue,
        })
    }

    /// Sends a command with `buf` as its data (read into or written from,
    /// as `x.dir` says) and waits for it.
    pub fn execute(&self, x: &Exec<'_>, buf: &mut [u8]) -> Result<ExecResult> {
        // SAFETY: all-zero is valid for this plain C structure.
        let mut e: api::scsi_rs_exec = unsafe { core::mem::zeroed() };
        e.abi = abi::<api::scsi_rs_exec>(c_str!("scsi_rs"));
        if x.cdb.is_empty() || x.cdb.len() > e.cdb.len() {
            return Err(EINVAL);
        }
        e.cdb[..x.cdb.len()].copy_from_slice(x.cdb);
        e.cdb_len = x.cdb.len() as u16;
        e.dir = if buf.is_empty() { 0 } else { x.dir.to_raw() };
        e.len = u32::try_from(buf.len()).map_err(|_| EINVAL)?;
        e.buf = buf.as_mut_ptr().cast();
        e.timeout_ms = x.timeout_ms;
        e.retries = x.retries;
        // SAFETY: live handle; `buf` is valid kernel memory of `len` bytes
        // for the duration of the synchronous call.
        to_result(unsafe { api::scsi_rs_execute(self.raw.as_ptr(), &mut e) })?;
        Ok(ExecResult {
            status: e.status,
            host: e.host,
            resid: e.resid,
            sense: e.sense,
            sense_len: usize::from(e.sense_len).min(SENSE_SIZE),
        })
    }

    /// Pins the device and its adapter's module for an open device node;
    /// the pin is released when the guard drops.
    pub fn get(&self) -> Result<DevicePin> {
        // SAFETY: live handle.
        to_result(unsafe { api::scsi_rs_device_get(self.raw.as_ptr()) })?;
        Ok(DevicePin {
            dev: Device { raw: self.raw },
        })
    }

    /// The SCSI ioctls every device node supports (see `api.h`); `ENOTTY`
    /// style `ENOIOCTLCMD` for others.
    pub fn ioctl(&self, read: bool, write: bool, cmd: c_uint, arg: c_ulong) -> Result<c_int> {
        let mode = if read { open::READ } else { 0 } | if write { open::WRITE } else { 0 };
        self.ioctl_mode(mode, cmd, arg)
    }

    /// As [`Device::ioctl`], with the open mode bits of [`open`].
    pub fn ioctl_mode(&self, mode: u32, cmd: c_uint, arg: c_ulong) -> Result<c_int> {
        // SAFETY: live handle; runs in the caller's context, `arg` is a
        // user pointer the core checks.
        let ret = unsafe { api::scsi_rs_ioctl(self.raw.as_ptr(), mode, cmd, arg) };
        to_result(ret).map(|()| ret)
    }

    /// Starts the SG_IO whose `sg_io_hdr` is at the user address `hdr`
    /// (the caller's context); `T::done(ctx)` is called when it ends,
    /// unless the request is dropped first. `module` holds `T::done`.
    pub fn sg_submit<T: SgDone>(
        &self,
        mode: u32,
        hdr: c_ulong,
        ctx: Arc<T>,
        module: &'static ThisModule,
    ) -> Result<SgRequest<T>> {
        let ctx = Arc::into_raw(ctx);
        let s = api::scsi_rs_sg_submit {
            abi: abi::<api::scsi_rs_sg_submit>(c_str!("scsi_rs")),
            open_mode: mode,
            reserved: 0,
            hdr,
            owner: module.as_ptr(),
            done: Some(sg_done_tramp::<T>),
            ctx: ctx.cast_mut().cast(),
        };
        let mut raw = core::ptr::null_mut();
        // SAFETY: live handle; `s` is complete; `ctx` is an `Arc` reference
        // handed to `sg_done_tramp` (or taken back below or on drop).
        let r = unsafe { api::scsi_rs_sg_submit(self.raw.as_ptr(), &s, &mut raw) };
        match (to_result(r), NonNull::new(raw)) {
            (Ok(()), Some(raw)) => Ok(SgRequest { raw, ctx }),
            (res, _) => {
                // SAFETY: not started: the reference is still ours.
                drop(unsafe { Arc::from_raw(ctx) });
                Err(res.err().unwrap_or(EINVAL))
            }
        }
    }
}

/// Open mode bits for [`Device::ioctl_mode`] and [`Device::sg_submit`].
pub mod open {
    use super::api;
    /// Open for reading.
    pub const READ: u32 = api::SCSI_RS_OPEN_READ;
    /// Open for writing.
    pub const WRITE: u32 = api::SCSI_RS_OPEN_WRITE;
    /// A generic (sg) node: the C sg driver's header checks.
    pub const SG: u32 = api::SCSI_RS_OPEN_SG;
    /// No command filter (an sg node open read-write).
    pub const ANY_CMD: u32 = api::SCSI_RS_OPEN_ANY_CMD;
}

/// The end of an asynchronous SG_IO.
pub trait SgDone: Send + Sync + Sized + 'static {
    /// Called once when the request ends, from its completion context
    /// (interrupts included: must not sleep).
    fn done(this: Arc<Self>);
}

/// Calls [`SgDone::done`] for the core.
///
/// # Safety
///
/// `ctx` is the `Arc<T>` reference `Device::sg_submit` handed over, given
/// back once.
unsafe extern "C" fn sg_done_tramp<T: SgDone>(ctx: *mut c_void) {
    // SAFETY: by the function's contract.
    T::done(unsafe { Arc::from_raw(ctx.cast::<T>()) });
}

/// A started asynchronous SG_IO; dropping it abandons the request (the
/// core frees it when it ends; nothing reaches the user).
pub struct SgRequest<T: SgDone> {
    raw: NonNull<api::scsi_rs_sg_req>,
    ctx: *const T,
}

// SAFETY: the core's sg functions may be called from any process context.
unsafe impl<T: SgDone> Send for SgRequest<T> {}
// SAFETY: `&self` only reads the pack id, which never changes.
unsafe impl<T: SgDone> Sync for SgRequest<T> {}

impl<T: SgDone> SgRequest<T> {
    /// The header's pack_id.
    pub fn pack_id(&self) -> i32 {
        // SAFETY: a live request of ours.
        unsafe { api::scsi_rs_sg_pack_id(self.raw.as_ptr()) }
    }

    /// After `done`: writes the results and the header to the user address
    /// `hdr` (the submitter's context) and frees the request. `EBUSY` (and
    /// the request abandoned) if it has not ended.
    pub fn finish(self, hdr: c_ulong) -> Result {
        // SAFETY: a live request of ours; the core refuses an unended one.
        let r = unsafe { api::scsi_rs_sg_finish(self.raw.as_ptr(), hdr) };
        if r == EBUSY.to_errno() {
            return Err(EBUSY);
        }
        core::mem::forget(self);
        to_result(r)
    }
}

impl<T: SgDone> Drop for SgRequest<T> {
    fn drop(&mut self) {
        // SAFETY: a live request of ours, given up once.
        if unsafe { api::scsi_rs_sg_abandon(self.raw.as_ptr()) } == 1 {
            // SAFETY: `done` will not be called: the reference is ours.
            drop(unsafe { Arc::from_raw(self.ctx) });
        }
    }
}

/// A device pinned for an open node; derefs to the device, whose handle
/// stays valid while pinned.
pub struct DevicePin {
    dev: Device,
}

impl core::ops::Deref for DevicePin {
    type Target = Device;
    fn deref(&self) -> &Device {
        &self.dev
    }
}

// SAFETY: releasing the pin is allowed from any process context.
unsafe impl Send for DevicePin {}
// SAFETY: `&self` gives no access.
unsafe impl Sync for DevicePin {}

impl Drop for DevicePin {
    fn drop(&mut self) {
        // SAFETY: taken by `Device::get`, released once.
        unsafe { api::scsi_rs_device_put(self.dev.raw.as_ptr()) };
    }
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
    /// The driver's data for one device.
    type Data: Send + Sync;
    /// Offered a device: `Ok` attaches, an error declines.
    fn probe(&self, dev: Device) -> Result<KBox<Self::Data>>;
    /// Bus drivers: the device's file-system requests now reach
    /// [`UpperDriver::init_command`] with `data` (add the disk here).
    fn start(&self, _data: &Self::Data) -> Result {
        Ok(())
    }
    /// The device goes away or the driver unregisters.
    fn remove(&self, data: KBox<Self::Data>);
    /// Turns a file-system request into a command (bus drivers).
    fn init_command(_data: &Self::Data, _rq: &Request<'_>, _cmd: &mut CmdSetup<'_>) -> Result {
        Err(EIO)
    }
    /// The device may have changed.
    fn rescan(_data: &Self::Data) {}
    /// The system is going down: flush what must reach the medium.
    fn shutdown(&self, _data: &Self::Data) {}
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
/// `ctx` is the `T` of an [`UpperRegistration<T>`] that is still registered;
/// `ddata` is writable.
unsafe extern "C" fn probe_tramp<T: UpperDriver>(
    ctx: *mut c_void,
    sdev: *mut api::scsi_rs_device,
    ddata: *mut *mut c_void,
) -> c_int {
    let Some(raw) = NonNull::new(sdev) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `ctx` is the `T` boxed in the registration, alive until the
    // core returns from unregistering it, after which it calls nothing.
    let drv = unsafe { &*ctx.cast::<T>() };
    match drv.probe(Device { raw }) {
        Ok(data) => {
            // SAFETY: writable by the function's contract.
            unsafe { ddata.write(KBox::into_raw(data).cast()) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// Calls [`UpperDriver::start`] for the core.
///
/// # Safety
///
/// `ddata` is the live data of a device `T`'s probe attached.
unsafe extern "C" fn start_tramp<T: UpperDriver>(ctx: *mut c_void, ddata: *mut c_void) -> c_int {
    if ddata.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: as in `probe_tramp` for `ctx`; `ddata` is the data `T`'s
    // probe returned, alive until remove.
    let (drv, data) = unsafe { (&*ctx.cast::<T>(), &*ddata.cast::<T::Data>()) };
    match drv.start(data) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Calls [`UpperDriver::remove`] for the core.
///
/// # Safety
///
/// As for `probe_tramp`; `ddata` is what probe stored, given back once.
unsafe extern "C" fn remove_tramp<T: UpperDriver>(
    ctx: *mut c_void,
    _sdev: *mut api::scsi_rs_device,
    ddata: *mut c_void,
) {
    if ddata.is_null() {
        return;
    }
    // SAFETY: as in `probe_tramp`.
    let drv = unsafe { &*ctx.cast::<T>() };
    // SAFETY: `ddata` is the box `probe_tramp` leaked, handed back once.
    drv.remove(unsafe { KBox::from_raw(ddata.cast::<T::Data>()) });
}

/// Calls [`UpperDriver::init_command`] for the core.
///
/// # Safety
///
/// `ddata` is the live data of an attached device, `rq` its request and
/// `cmd` the request's command, unshared during the call.
unsafe extern "C" fn init_command_tramp<T: UpperDriver>(
    ddata: *mut c_void,
    rq: *mut bindings::request,
    cmd: *mut api::scsi_rs_cmd,
) -> c_int {
    if ddata.is_null() || rq.is_null() || cmd.is_null() {
        return EIO.to_errno();
    }
    // SAFETY: by the function's contract.
    let (data, rq, c) = unsafe { (&*ddata.cast::<T::Data>(), &*rq, &mut *cmd) };
    match T::init_command(data, &Request { rq }, &mut CmdSetup { c }) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Calls [`UpperDriver::rescan`] for the core.
///
/// # Safety
///
/// `ddata` is the live data of an attached device.
unsafe extern "C" fn rescan_tramp<T: UpperDriver>(ddata: *mut c_void) {
    if !ddata.is_null() {
        // SAFETY: by the function's contract.
        T::rescan(unsafe { &*ddata.cast::<T::Data>() });
    }
}

/// Calls [`UpperDriver::shutdown`] for the core.
///
/// # Safety
///
/// As for `start_tramp`.
unsafe extern "C" fn shutdown_tramp<T: UpperDriver>(ctx: *mut c_void, ddata: *mut c_void) {
    if ddata.is_null() {
        return;
    }
    // SAFETY: as in `start_tramp`.
    let (drv, data) = unsafe { (&*ctx.cast::<T>(), &*ddata.cast::<T::Data>()) };
    drv.shutdown(data);
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
            start: Some(start_tramp::<T>),
            remove: Some(remove_tramp::<T>),
            init_command: Some(init_command_tramp::<T>),
            rescan: Some(rescan_tramp::<T>),
            shutdown: Some(shutdown_tramp::<T>),
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
