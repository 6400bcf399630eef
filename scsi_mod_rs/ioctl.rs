// SPDX-License-Identifier: GPL-2.0

//! The SCSI ioctls of every device node (`scsi_rs_ioctl`): SG_IO (version 3
//! header) through the device's own queue, SG_SCSI_RESET, SCSI_IOCTL_SEND_COMMAND
//! and the small informational ioctls, with the C stack's permission rules
//! for unprivileged callers; and the asynchronous SG_IO of the generic
//! driver (`scsi_rs_sg_*`).

use crate::api;
use crate::host::{self, pdu};
use crate::sdev::Sdev;
use core::sync::atomic::{AtomicU8, Ordering};
use kernel::bindings;
use kernel::ffi::{c_int, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::types::Opaque;
use kernel::uaccess::UserSlice;

const SG_IO: c_uint = 0x2285;
const SG_GET_VERSION_NUM: c_uint = 0x2282;
const SG_SET_TIMEOUT: c_uint = 0x2201;
const SG_GET_TIMEOUT: c_uint = 0x2202;
const SG_EMULATED_HOST: c_uint = 0x2203;
const SG_GET_RESERVED_SIZE: c_uint = 0x2272;
const SG_SET_RESERVED_SIZE: c_uint = 0x2275;
const SCSI_IOCTL_GET_IDLUN: c_uint = 0x5382;
const SCSI_IOCTL_PROBE_HOST: c_uint = 0x5385;
const SCSI_IOCTL_GET_BUS_NUMBER: c_uint = 0x5386;
const SCSI_IOCTL_SEND_COMMAND: c_uint = 1;
const SG_SCSI_RESET: c_uint = 0x2284;
const SG_GET_SCSI_ID: c_uint = 0x2276;
const SG_GET_SG_TABLESIZE: c_uint = 0x227f;
const BLKSECTGET: c_uint = 0x1267;

const SG_DXFER_NONE: i32 = -1;
const SG_DXFER_TO_DEV: i32 = -2;
const SG_DXFER_FROM_DEV: i32 = -3;
const SG_DXFER_TO_FROM_DEV: i32 = -4;
const SG_INFO_CHECK: u32 = 0x1;
const DRIVER_SENSE: u16 = 0x08;
/// The block layer's SG_IO version, as the C stack reports it.
const BLOCK_SG_VERSION: c_int = 30527;
/// Default SG_IO timeout (the C stack's BLK_DEFAULT_SG_TIMEOUT).
const DEFAULT_SG_TIMEOUT_MS: u32 = 60_000;

/// The version 3 SG_IO header (`struct sg_io_hdr` of `<scsi/sg.h>`, 64-bit
/// layout).
#[repr(C)]
#[derive(Clone, Copy)]
struct SgIoHdr {
    interface_id: i32,
    dxfer_direction: i32,
    cmd_len: u8,
    mx_sb_len: u8,
    iovec_count: u16,
    dxfer_len: u32,
    dxferp: usize,
    cmdp: usize,
    sbp: usize,
    timeout: u32,
    flags: u32,
    pack_id: i32,
    usr_ptr: usize,
    status: u8,
    masked_status: u8,
    msg_status: u8,
    sb_len_wr: u8,
    host_status: u16,
    driver_status: u16,
    resid: i32,
    duration: u32,
    info: u32,
}

const _: () = assert!(size_of::<SgIoHdr>() == 88);

/// Commands anyone who can open the device may send.
const READ_SAFE: &[u8] = &[
    0x00, 0x03, 0x08, 0x28, 0xa8, 0x88, 0x3c, 0x37, 0x25, 0x3e, 0x12, 0x1a, 0x5a, 0x4d, 0x1b, 0x2f,
    0x8f, 0xa0, 0x9e, 0x1c, 0xa3, 0x5c, 0x45, 0x47, 0x48, 0x4b, 0xbc, 0xbe, 0xb9, 0x51, 0xad, 0x44,
    0x52, 0x42, 0x43, 0xa4, 0xba, 0x46, 0x23, 0x4a, 0xac, 0x2b, 0x4e, 0x95,
];
/// Commands a caller with the device open for writing may send.
const WRITE_SAFE: &[u8] = &[
    0x0a, 0x2a, 0x2e, 0xaa, 0xae, 0x8a, 0x3f, 0xea, 0x41, 0x93, 0x7f, 0x19, 0x55, 0x15, 0x4c, 0xa1,
    0x5b, 0x35, 0x04, 0x58, 0x53, 0xbf, 0xa2, 0x54, 0x5d, 0xbb, 0x1e, 0xa6, 0xb6, 0xa7, 0x94,
];

fn capable(cap: u32) -> bool {
    // SAFETY: checks the calling task's capabilities.
    unsafe { bindings::capable(cap as c_int) }
}

fn rawio() -> bool {
    capable(bindings::CAP_SYS_RAWIO)
}

/// Resets and the legacy command ioctl need both capabilities, as in C.
fn admin_rawio() -> bool {
    capable(bindings::CAP_SYS_ADMIN) && rawio()
}

/// Whether the caller may send `opcode` (the C stack's rules).
pub(crate) fn cmd_allowed(opcode: u8, open_write: bool) -> bool {
    rawio() || READ_SAFE.contains(&opcode) || (open_write && WRITE_SAFE.contains(&opcode))
}

/// See `api.h`.
///
/// # Safety
///
/// `sdev` is a device handle of an attached upper driver; called in the
/// context of the process doing the ioctl, `arg` its user pointer.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_ioctl(
    sdev: *mut api::scsi_rs_device,
    open_mode: u32,
    cmd: c_uint,
    arg: c_ulong,
) -> c_int {
    if sdev.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: handles are the `dev` fields of our devices.
    let s = unsafe { Sdev::from_dev(sdev.cast()) };
    match ioctl(s, open_mode, cmd, arg) {
        Ok(v) => v,
        Err(e) => e.to_errno(),
    }
}

/// An error the `kernel` crate has no constant for.
fn errno(e: u32) -> Error {
    Error::from_errno(-(e as c_int))
}

fn put_int(arg: c_ulong, v: c_int) -> Result<c_int> {
    let mut w = UserSlice::new(arg, 4).writer();
    w.write_slice(&v.to_ne_bytes())?;
    Ok(0)
}

fn get_int(arg: c_ulong) -> Result<c_int> {
    let mut b = [0u8; 4];
    UserSlice::new(arg, 4).reader().read_slice(&mut b)?;
    Ok(c_int::from_ne_bytes(b))
}

fn ioctl(s: &Sdev, mode: u32, cmd: c_uint, arg: c_ulong) -> Result<c_int> {
    match cmd {
        SG_IO => {
            let st = start(s, mode, arg)?;
            // SAFETY: a prepared request of ours; waits for it.
            let sts = unsafe { bindings::blk_execute_rq(st.rq, false) };
            st.finish(sts, Some(arg))?;
            Ok(0)
        }
        SG_SCSI_RESET => reset(s, arg),
        SCSI_IOCTL_SEND_COMMAND => send_command(s, mode & api::SCSI_RS_OPEN_WRITE != 0, arg),
        SG_GET_VERSION_NUM => put_int(arg, BLOCK_SG_VERSION),
        SG_EMULATED_HOST => put_int(arg, 0),
        SG_GET_TIMEOUT => Ok(crate::ms_to_jiffies(s.timeout_ms.load(Ordering::Relaxed)) as c_int),
        SG_SET_TIMEOUT => {
            let t = get_int(arg)?;
            if t < 0 {
                return Err(EIO);
            }
            // SAFETY: pure conversion.
            let ms = unsafe { bindings::jiffies_to_msecs(t as c_ulong) };
            s.timeout_ms.store(ms.max(1000), Ordering::Relaxed);
            Ok(0)
        }
        SG_GET_RESERVED_SIZE => {
            let max = s.host().lim.max_sectors.saturating_mul(512);
            put_int(arg, max.min(i32::MAX as u32) as c_int)
        }
        SG_SET_RESERVED_SIZE => {
            let v = get_int(arg)?;
            if v < 0 {
                return Err(EINVAL);
            }
            Ok(0)
        }
        SCSI_IOCTL_GET_IDLUN => {
            let h = s.host();
            let id = (s.id & 0xff)
                | ((s.lun as u32 & 0xff) << 8)
                | ((s.channel & 0xff) << 16)
                | ((h.host_no & 0xff) << 24);
            let mut w = UserSlice::new(arg, 8).writer();
            w.write_slice(&id.to_ne_bytes())?;
            w.write_slice(&h.host_no.to_ne_bytes())?;
            Ok(0)
        }
        SCSI_IOCTL_GET_BUS_NUMBER => put_int(arg, s.host().host_no as c_int),
        SG_GET_SCSI_ID if mode & api::SCSI_RS_OPEN_SG != 0 => {
            // struct sg_scsi_id: five ints, two shorts, two unused ints.
            let h = s.host();
            let mut b = [0u8; 32];
            let ints = [
                h.host_no,
                s.channel,
                s.id,
                s.lun as u32,
                u32::from(s.dev_type),
            ];
            for (i, v) in ints.iter().enumerate() {
                b[i * 4..i * 4 + 4].copy_from_slice(&v.to_ne_bytes());
            }
            let depth = s.queue_depth.load(Ordering::Relaxed);
            b[20..22].copy_from_slice(&(h.lim.cmd_per_lun.min(0x7fff) as u16).to_ne_bytes());
            b[22..24].copy_from_slice(&(depth.min(0x7fff) as u16).to_ne_bytes());
            UserSlice::new(arg, b.len()).writer().write_slice(&b)?;
            Ok(0)
        }
        SG_GET_SG_TABLESIZE if mode & api::SCSI_RS_OPEN_SG != 0 => {
            put_int(arg, s.host().lim.sg_tablesize.min(host::MAX_SG) as c_int)
        }
        BLKSECTGET if mode & api::SCSI_RS_OPEN_SG != 0 => {
            let max = s.host().lim.max_sectors.min(i32::MAX as u32 >> 9) << 9;
            put_int(arg, max as c_int)
        }
        SCSI_IOCTL_PROBE_HOST => {
            let mut len = [0u8; 4];
            UserSlice::new(arg, 4).reader().read_slice(&mut len)?;
            let len = u32::from_ne_bytes(len) as usize;
            let name = s.host().drv().name.as_str().as_bytes();
            let n = name.len().min(len.saturating_sub(1));
            let mut w = UserSlice::new(arg, n + 1).writer();
            w.write_slice(&name[..n])?;
            w.write_slice(&[0])?;
            Ok(1)
        }
        _ => Err(ENOIOCTLCMD),
    }
}

/// Reads the user's `sg_io_hdr`.
fn read_hdr(arg: c_ulong) -> Result<SgIoHdr> {
    let mut b = [0u8; size_of::<SgIoHdr>()];
    UserSlice::new(arg, b.len()).reader().read_slice(&mut b)?;
    // SAFETY: `sg_io_hdr` is a plain C structure of integers and pointers,
    // for which any bit pattern is valid; `b` has its exact size.
    Ok(unsafe { core::ptr::read_unaligned(b.as_ptr().cast()) })
}

fn write_hdr(arg: c_ulong, h: &SgIoHdr) -> Result {
    // SAFETY: viewing a plain C structure as its bytes.
    let b = unsafe {
        core::slice::from_raw_parts((h as *const SgIoHdr).cast::<u8>(), size_of::<SgIoHdr>())
    };
    UserSlice::new(arg, b.len()).writer().write_slice(b)?;
    Ok(())
}

/// The C stack's host byte for our adapter results.
fn did(host: u8) -> u16 {
    match u32::from(host) {
        api::SCSI_RS_HOST_OK => 0x00,
        api::SCSI_RS_HOST_NO_CONNECT => 0x01,
        api::SCSI_RS_HOST_BAD_TARGET => 0x04,
        api::SCSI_RS_HOST_ABORTED => 0x05,
        api::SCSI_RS_HOST_RESET => 0x08,
        api::SCSI_RS_HOST_RETRY => 0x0f,
        _ => 0x07,
    }
}

/// SG_SCSI_RESET: a reset of the device's LUN, target, bus or host,
/// escalating unless SG_SCSI_RESET_NO_ESCALATE is set.
fn reset(s: &Sdev, arg: c_ulong) -> Result<c_int> {
    const NO_ESCALATE: c_int = 0x100;
    if !admin_rawio() {
        return Err(EACCES);
    }
    let v = get_int(arg)?;
    let first = match v & !NO_ESCALATE {
        0 => return Ok(0),
        1 => 0,
        4 => 1,
        2 => 2,
        3 => 3,
        _ => return Err(EINVAL),
    };
    const LEVELS: [u32; 4] = [
        api::SCSI_RS_RESET_LUN,
        api::SCSI_RS_RESET_TARGET,
        api::SCSI_RS_RESET_BUS,
        api::SCSI_RS_RESET_HOST,
    ];
    let last = if v & NO_ESCALATE != 0 { first } else { 3 };
    let h = s.host();
    for &level in &LEVELS[first..=last] {
        pr_info!(
            "{}: reset (level {}) requested by the user\n",
            s.name(),
            level
        );
        // SAFETY: the adapter's entry point with its own data, from process
        // context.
        if unsafe { (h.drv().reset)(h.hostdata, level, s.channel, s.id, s.lun) } == 0 {
            return Ok(0);
        }
    }
    Err(EIO)
}

/// SCSI_IOCTL_SEND_COMMAND, the legacy interface: `{ inlen, outlen, data }`
/// with the CDB (its length from the opcode's group) and the data out in
/// `data`; the data in, or the sense data on a failure, comes back there.
/// Returns the SCSI status byte.
fn send_command(s: &Sdev, write: bool, arg: c_ulong) -> Result<c_int> {
    const PAGE: u32 = 4096;
    if arg == 0 {
        return Err(EINVAL);
    }
    let mut lens = [0u8; 8];
    UserSlice::new(arg, 8).reader().read_slice(&mut lens)?;
    let in_len = u32::from_ne_bytes([lens[0], lens[1], lens[2], lens[3]]);
    let out_len = u32::from_ne_bytes([lens[4], lens[5], lens[6], lens[7]]);
    if in_len > PAGE || out_len > PAGE {
        return Err(EINVAL);
    }
    let data = arg + 8;
    let mut op = [0u8; 1];
    UserSlice::new(data, 1).reader().read_slice(&mut op)?;
    let cdb_len = match op[0] >> 5 {
        0 => 6,
        1 | 2 => 10,
        4 => 16,
        5 => 12,
        _ => 10,
    };
    let mut cdb = [0u8; 16];
    UserSlice::new(data, cdb_len)
        .reader()
        .read_slice(&mut cdb[..cdb_len])?;
    let bytes = in_len.max(out_len) as usize;
    let mut buf = KVec::from_elem(0u8, bytes, GFP_KERNEL)?;
    if in_len != 0 {
        UserSlice::new(data + cdb_len as c_ulong, in_len as usize)
            .reader()
            .read_slice(&mut buf[..in_len as usize])?;
    }
    if !cmd_allowed(cdb[0], write) {
        return Err(EPERM);
    }
    let dir = if in_len != 0 {
        api::SCSI_RS_DIR_TO_DEVICE
    } else {
        api::SCSI_RS_DIR_FROM_DEVICE
    } as u8;
    let args = host::ExecArgs {
        cdb: &cdb[..cdb_len],
        dir,
        buf: if bytes == 0 {
            core::ptr::null_mut()
        } else {
            buf.as_mut_ptr()
        },
        len: bytes as u32,
        timeout_ms: DEFAULT_SG_TIMEOUT_MS,
        retries: 5,
        addr: None,
        quiet: true,
    };
    let out = host::exec(s.queue(), &args)?;
    let mut w = UserSlice::new(data, bytes).writer();
    if out.status != 0 {
        // The sense data replaces the data, at most what fits in the
        // larger of the two lengths (as the C stack limits it).
        let n = usize::from(out.sense_len).min(out.sense.len()).min(bytes);
        w.write_slice(&out.sense[..n])?;
    } else if out_len != 0 {
        w.write_slice(&buf[..out_len as usize])?;
    }
    if out.host != 0 {
        return Err(EIO);
    }
    Ok(c_int::from(out.status))
}

/// A started SG_IO: the request with the user's data mapped into it.
struct Started {
    rq: *mut bindings::request,
    bio: *mut bindings::bio,
    hdr: SgIoHdr,
    len: u32,
    /// ktime at the start, for the duration.
    t0: i64,
}

/// Reads and checks the header at `arg`, builds the request and maps the
/// user's data (the caller's context); the caller starts it.
fn start(s: &Sdev, mode: u32, arg: c_ulong) -> Result<Started> {
    let sg = mode & api::SCSI_RS_OPEN_SG != 0;
    let h = read_hdr(arg)?;
    if h.interface_id != i32::from(b'S') {
        return Err(if sg { errno(bindings::ENOSYS) } else { EINVAL });
    }
    let cmd_len = usize::from(h.cmd_len);
    if sg {
        if h.cmdp == 0 || cmd_len < 6 {
            return Err(errno(bindings::EMSGSIZE));
        }
        if cmd_len > 32 {
            return Err(EINVAL);
        }
        if h.dxfer_len >= 256 << 20 {
            return Err(EINVAL);
        }
    } else {
        let max_bytes = u64::from(s.host().lim.max_sectors) * 512;
        if u64::from(h.dxfer_len) > max_bytes {
            return Err(EIO);
        }
        if cmd_len == 0 || cmd_len > 32 {
            return Err(EINVAL);
        }
    }
    let mut cdb = [0u8; 32];
    UserSlice::new(h.cmdp, cmd_len)
        .reader()
        .read_slice(&mut cdb[..cmd_len])?;
    if mode & api::SCSI_RS_OPEN_ANY_CMD == 0
        && !cmd_allowed(cdb[0], mode & api::SCSI_RS_OPEN_WRITE != 0)
    {
        return Err(EPERM);
    }
    let dir_out = match h.dxfer_direction {
        SG_DXFER_TO_DEV => true,
        SG_DXFER_NONE | SG_DXFER_FROM_DEV | SG_DXFER_TO_FROM_DEV => false,
        // sg takes anything else as data-in; the block layer refuses it.
        _ if sg || h.dxfer_len == 0 => false,
        _ => return Err(EINVAL),
    };
    let len = if h.dxfer_direction == SG_DXFER_NONE {
        0
    } else {
        h.dxfer_len
    };
    let dir = if dir_out {
        api::SCSI_RS_DIR_TO_DEVICE
    } else {
        api::SCSI_RS_DIR_FROM_DEVICE
    } as u8;
    let rq = host::alloc_passthrough(s.queue(), &cdb[..cmd_len], dir, len, 0)?;
    let timeout_ms = match h.timeout {
        0 if sg => s.timeout_ms.load(Ordering::Relaxed),
        0 => DEFAULT_SG_TIMEOUT_MS,
        t => t,
    };
    // SAFETY: our request, not yet started.
    unsafe { (*rq).timeout = crate::ms_to_jiffies(timeout_ms) };
    let mut bio = core::ptr::null_mut();
    if len != 0 {
        let iov = h.iovec_count != 0;
        // SAFETY: reads the user's memory (or iovec array) only through
        // the user-access helpers, in the caller's context.
        let r = unsafe {
            crate::glue::scsi_rs_user_buf_check(
                h.dxferp as c_ulong,
                len as c_ulong,
                iov,
                u32::from(h.iovec_count),
                dir_out,
            )
        };
        if r != 0 {
            // SAFETY: never started; freed once.
            unsafe { bindings::blk_mq_free_request(rq) };
            return Err(Error::from_errno(r));
        }
        // SAFETY: maps (or copies through zeroed bounce pages) the user's
        // buffer or iovec array into the request; checked by the block
        // layer against the queue limits and the user address space.
        let r = unsafe {
            bindings::blk_rq_map_user_io(
                rq,
                core::ptr::null_mut(),
                h.dxferp as *mut c_void,
                len as c_ulong,
                bindings::GFP_KERNEL | bindings::__GFP_ZERO,
                iov,
                c_int::from(h.iovec_count),
                iov,
                c_int::from(dir_out),
            )
        };
        if r != 0 {
            // SAFETY: never started; freed once.
            unsafe { bindings::blk_mq_free_request(rq) };
            return Err(Error::from_errno(r));
        }
        // SAFETY: our request.
        bio = unsafe { (*rq).bio };
    }
    Ok(Started {
        rq,
        bio,
        hdr: h,
        len,
        // SAFETY: reads the clock.
        t0: unsafe { bindings::ktime_get() },
    })
}

impl Started {
    /// After the request ended: fills in the header's results, copies the
    /// sense data (when `out`, the user's header address, is given: the
    /// submitter's context), unmaps the user's data, frees the request and
    /// writes the header to `out`. `sts` is the block layer's result.
    fn finish(self, sts: bindings::blk_status_t, out: Option<c_ulong>) -> Result {
        let mut h = self.hdr;
        // SAFETY: the request ended and is still ours.
        let c = &unsafe { pdu(self.rq) }.cmd;
        // SAFETY: reads the clock.
        let now = unsafe { bindings::ktime_get() };
        let mut host_status = did(c.host);
        if sts != 0 && c.host == 0 && c.status == 0 {
            // Refused before reaching the adapter: the device is gone.
            host_status = 0x01;
        }
        h.status = c.status;
        h.masked_status = (c.status >> 1) & 0x7f;
        h.msg_status = 0;
        h.host_status = host_status;
        h.driver_status = 0;
        h.sb_len_wr = 0;
        h.resid = c.resid.min(self.len) as i32;
        h.duration = ((now - self.t0) / 1_000_000) as u32;
        let sense_len = usize::from(c.sense_len).min(c.sense.len());
        let mut res = Ok(());
        if sense_len != 0 {
            h.driver_status = DRIVER_SENSE;
            if let (Some(_), true) = (out, h.mx_sb_len != 0 && h.sbp != 0) {
                let n = sense_len.min(usize::from(h.mx_sb_len));
                res = UserSlice::new(h.sbp, n).writer().write_slice(&c.sense[..n]);
                h.sb_len_wr = n as u8;
            }
        }
        h.info = if h.status != 0 || h.host_status != 0 || h.driver_status != 0 {
            SG_INFO_CHECK
        } else {
            0
        };
        if !self.bio.is_null() {
            // SAFETY: the bio chain `blk_rq_map_user_io` built; copies
            // bounce data back to the user (not from a kernel thread) and
            // unpins pages, once.
            let r = unsafe { bindings::blk_rq_unmap_user(self.bio) };
            if r != 0 && res.is_ok() {
                res = Err(Error::from_errno(r));
            }
        }
        // SAFETY: ended; freed once.
        unsafe { bindings::blk_mq_free_request(self.rq) };
        res?;
        if let Some(arg) = out {
            write_hdr(arg, &h)?;
        }
        Ok(())
    }
}

/// States of an asynchronous request.
const SG_PENDING: u8 = 0;
const SG_DONE: u8 = 1;
const SG_ABANDONED: u8 = 2;

/// An asynchronous SG_IO (`struct scsi_rs_sg_req`): owned by the core from
/// `scsi_rs_sg_submit` until `scsi_rs_sg_finish`, or until its end after
/// `scsi_rs_sg_abandon`.
struct SgReq {
    st: Started,
    state: AtomicU8,
    /// The block layer's result, set at the end.
    sts: AtomicU8,
    owner: *mut bindings::module,
    done: unsafe extern "C" fn(*mut c_void),
    ctx: *mut c_void,
    /// Frees an abandoned request from process context.
    work: Opaque<bindings::work_struct>,
}

static SG_WORK_KEY: crate::KernelCell<bindings::lock_class_key> =
    crate::KernelCell(Opaque::new(crate::zeroed()));

/// See `api.h`.
///
/// # Safety
///
/// `sdev` is a device handle of an attached upper driver, `s` a submit
/// structure, `out` writable; called in the context of the process whose
/// user memory `s.hdr` addresses.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_sg_submit(
    sdev: *mut api::scsi_rs_device,
    s: *const api::scsi_rs_sg_submit,
    out: *mut *mut api::scsi_rs_sg_req,
) -> c_int {
    if sdev.is_null() || s.is_null() || out.is_null() {
        return EINVAL.to_errno();
    }
    let size = size_of::<api::scsi_rs_sg_submit>();
    // SAFETY: the header is readable by the contract.
    if let Err(e) = unsafe { crate::check_abi(s.cast(), "sg submit", size) } {
        return e.to_errno();
    }
    // SAFETY: version and size match.
    let a = unsafe { &*s };
    let Some(done) = a.done else {
        return EINVAL.to_errno();
    };
    // SAFETY: handles are the `dev` fields of our devices.
    let sd = unsafe { Sdev::from_dev(sdev.cast()) };
    match submit(sd, a, done) {
        Ok(r) => {
            // SAFETY: writable by the contract.
            unsafe { *out = r.cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

fn submit(
    sd: &Sdev,
    a: &api::scsi_rs_sg_submit,
    done: unsafe extern "C" fn(*mut c_void),
) -> Result<*mut SgReq> {
    // SAFETY: `owner` is the caller's own module (or null for built-in
    // code), live while it calls.
    if !unsafe { bindings::try_module_get(a.owner) } {
        return Err(ENODEV);
    }
    let put = || {
        // SAFETY: the reference taken above.
        unsafe { bindings::module_put(a.owner) }
    };
    let slot = match KBox::<SgReq>::new_uninit(GFP_KERNEL) {
        Ok(b) => b,
        Err(e) => {
            put();
            return Err(e.into());
        }
    };
    let st = match start(sd, a.open_mode, a.hdr) {
        Ok(st) => st,
        Err(e) => {
            put();
            return Err(e);
        }
    };
    let rq = st.rq;
    let r = KBox::into_raw(slot.write(SgReq {
        st,
        state: AtomicU8::new(SG_PENDING),
        sts: AtomicU8::new(0),
        owner: a.owner,
        done,
        ctx: a.ctx,
        work: Opaque::uninit(),
    }));
    // SAFETY: the work is initialised once, before anything can queue it;
    // the request is ours and not started: its end calls `sg_end_io` with
    // `r`, which lives until the request is finished.
    unsafe {
        bindings::init_work_with_key(
            (*r).work.get(),
            Some(sg_free_work),
            false,
            c"scsi_rs_sg_free".as_ptr().cast(),
            SG_WORK_KEY.get(),
        );
        (*rq).end_io = Some(sg_end_io);
        (*rq).end_io_data = r.cast();
        bindings::blk_execute_rq_nowait(rq, true);
    }
    Ok(r)
}

/// The end of an asynchronous request: tell the submitter, or free an
/// abandoned request from process context.
///
/// # Safety
///
/// Called by the block layer once for a request started by `submit`.
unsafe extern "C" fn sg_end_io(
    rq: *mut bindings::request,
    sts: bindings::blk_status_t,
) -> bindings::rq_end_io_ret {
    // SAFETY: `end_io_data` is the `SgReq` set by `submit`, live until it
    // is finished, which needs the state below to leave SG_PENDING.
    let r = unsafe { &*(*rq).end_io_data.cast::<SgReq>() };
    r.sts.store(sts, Ordering::Relaxed);
    let (owner, done, ctx) = (r.owner, r.done, r.ctx);
    if r.state
        .compare_exchange(SG_PENDING, SG_DONE, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
    {
        // From here the submitter may finish (free) `r`: only the copies
        // are used.
        // SAFETY: the submitter's callback with its context, called once;
        // its module is pinned until after it returns.
        unsafe {
            done(ctx);
            bindings::module_put(owner);
        }
    } else {
        // Abandoned: nobody else touches `r` any more.
        // SAFETY: the work initialised in `submit`; the core's workqueue
        // is drained before the core unloads, and an unfreed request
        // keeps its queue (and so the core) busy.
        unsafe { crate::queue_work(r.work.get()) };
        // SAFETY: the reference taken in `submit`; `done` is not called.
        unsafe { bindings::module_put(owner) };
    }
    bindings::rq_end_io_ret_RQ_END_IO_NONE
}

/// Frees an abandoned request after its end.
///
/// # Safety
///
/// `work` is the `work` of an abandoned, ended `SgReq`.
unsafe extern "C" fn sg_free_work(work: *mut bindings::work_struct) {
    // SAFETY: by the contract; `work` is a field of the boxed `SgReq`.
    let r = unsafe {
        KBox::from_raw(
            work.cast::<u8>()
                .sub(core::mem::offset_of!(SgReq, work))
                .cast::<SgReq>(),
        )
    };
    let sts = r.sts.load(Ordering::Relaxed);
    // Nothing goes to the user: the file is closed.
    let _ = KBox::into_inner(r).st.finish(sts, None);
}

/// See `api.h`.
///
/// # Safety
///
/// `req` is a request returned by `scsi_rs_sg_submit`, not yet finished
/// or abandoned.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_sg_pack_id(req: *const api::scsi_rs_sg_req) -> c_int {
    // SAFETY: by the contract.
    unsafe { (*req.cast::<SgReq>()).st.hdr.pack_id }
}

/// See `api.h`.
///
/// # Safety
///
/// As for `scsi_rs_sg_pack_id`; in the submitter's process context.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_sg_finish(req: *mut api::scsi_rs_sg_req, hdr: c_ulong) -> c_int {
    let r = req.cast::<SgReq>();
    // SAFETY: by the contract.
    if unsafe { (*r).state.load(Ordering::Acquire) } != SG_DONE {
        return EBUSY.to_errno();
    }
    // SAFETY: done: the end is past and the submitter owns the request.
    let r = unsafe { KBox::from_raw(r) };
    let sts = r.sts.load(Ordering::Relaxed);
    match KBox::into_inner(r).st.finish(sts, Some(hdr)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// See `api.h`.
///
/// # Safety
///
/// As for `scsi_rs_sg_pack_id`.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_sg_abandon(req: *mut api::scsi_rs_sg_req) -> c_int {
    let r = req.cast::<SgReq>();
    // SAFETY: by the contract.
    let st = unsafe { &(*r).state };
    if st
        .compare_exchange(
            SG_PENDING,
            SG_ABANDONED,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_ok()
    {
        // `sg_end_io` frees it.
        return 1;
    }
    // Ended: freed from process context too (not from the closing
    // process, which is not necessarily the one whose memory the request
    // mapped).
    // SAFETY: done and owned by the caller: queued once.
    unsafe { crate::queue_work((*r).work.get()) };
    0
}
