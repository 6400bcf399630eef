// SPDX-License-Identifier: GPL-2.0

//! The SCSI ioctls of every device node (`scsi_rs_ioctl`): SG_IO (version 3
//! header) through the device's own queue, and the small informational
//! ioctls, with the C stack's permission rules for unprivileged callers.

use crate::api;
use crate::host::{self, pdu};
use crate::sdev::Sdev;
use core::sync::atomic::Ordering;
use kernel::bindings;
use kernel::ffi::{c_int, c_uint, c_ulong};
use kernel::prelude::*;
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

fn rawio() -> bool {
    // SAFETY: checks the calling task's capabilities.
    unsafe { bindings::capable(bindings::CAP_SYS_RAWIO as c_int) }
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
    let write = open_mode & api::SCSI_RS_OPEN_WRITE != 0;
    match ioctl(s, write, cmd, arg) {
        Ok(v) => v,
        Err(e) => e.to_errno(),
    }
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

fn ioctl(s: &Sdev, write: bool, cmd: c_uint, arg: c_ulong) -> Result<c_int> {
    match cmd {
        SG_IO => sg_io(s, write, arg),
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

fn sg_io(s: &Sdev, write: bool, arg: c_ulong) -> Result<c_int> {
    let mut h = read_hdr(arg)?;
    if h.interface_id != i32::from(b'S') {
        return Err(EINVAL);
    }
    let q = s.queue();
    let max_bytes = u64::from(s.host().lim.max_sectors) * 512;
    if u64::from(h.dxfer_len) > max_bytes {
        return Err(EIO);
    }
    let cmd_len = usize::from(h.cmd_len);
    if cmd_len == 0 || cmd_len > 32 {
        return Err(EINVAL);
    }
    let mut cdb = [0u8; 32];
    UserSlice::new(h.cmdp, cmd_len)
        .reader()
        .read_slice(&mut cdb[..cmd_len])?;
    if !cmd_allowed(cdb[0], write) {
        return Err(EPERM);
    }
    let dir_out = match h.dxfer_direction {
        SG_DXFER_TO_DEV => true,
        SG_DXFER_NONE | SG_DXFER_FROM_DEV | SG_DXFER_TO_FROM_DEV => false,
        _ if h.dxfer_len == 0 => false,
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
    let rq = host::alloc_passthrough(q, &cdb[..cmd_len], dir, len, 0)?;
    // SAFETY: freshly allocated request of ours.
    let p = unsafe { pdu(rq) };
    let timeout_ms = if h.timeout == 0 {
        DEFAULT_SG_TIMEOUT_MS
    } else {
        h.timeout
    };
    // SAFETY: our request, not yet started.
    unsafe { (*rq).timeout = crate::ms_to_jiffies(timeout_ms) };
    let mut bio = core::ptr::null_mut();
    if len != 0 {
        let iov = h.iovec_count != 0;
        // SAFETY: maps (or copies through zeroed bounce pages) the user's
        // buffer or iovec array into the request; checked by the block
        // layer against the queue limits and the user address space.
        let r = unsafe {
            bindings::blk_rq_map_user_io(
                rq,
                core::ptr::null_mut(),
                h.dxferp as *mut core::ffi::c_void,
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
    // SAFETY: as in `host::exec`.
    let start = unsafe { bindings::ktime_get() };
    // SAFETY: a prepared request of ours; waits for it.
    let sts = unsafe { bindings::blk_execute_rq(rq, false) };
    // SAFETY: as above.
    let elapsed_ms = ((unsafe { bindings::ktime_get() } - start) / 1_000_000) as u32;
    let c = &p.cmd;
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
    h.resid = c.resid.min(len) as i32;
    h.duration = elapsed_ms;
    let sense_len = usize::from(c.sense_len).min(c.sense.len());
    let mut res = Ok(());
    if sense_len != 0 && h.mx_sb_len != 0 && h.sbp != 0 {
        let n = sense_len.min(usize::from(h.mx_sb_len));
        res = UserSlice::new(h.sbp, n).writer().write_slice(&c.sense[..n]);
        h.sb_len_wr = n as u8;
        h.driver_status = DRIVER_SENSE;
    } else if sense_len != 0 {
        h.driver_status = DRIVER_SENSE;
    }
    h.info = if h.status != 0 || h.host_status != 0 || h.driver_status != 0 {
        SG_INFO_CHECK
    } else {
        0
    };
    if !bio.is_null() {
        // SAFETY: the bio chain `blk_rq_map_user_io` built; copies bounce
        // data back to the user and unpins pages, once.
        let r = unsafe { bindings::blk_rq_unmap_user(bio) };
        if r != 0 && res.is_ok() {
            res = Err(Error::from_errno(r));
        }
    }
    // SAFETY: completed; freed once.
    unsafe { bindings::blk_mq_free_request(rq) };
    res?;
    write_hdr(arg, &h)?;
    Ok(0)
}
