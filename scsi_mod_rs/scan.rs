// SPDX-License-Identifier: GPL-2.0

//! Bus scanning: INQUIRY of LUN 0 of each target, REPORT LUNS with a
//! sequential fallback, standard INQUIRY and VPD pages of each LUN, TEST
//! UNIT READY with UNIT ATTENTION handling. Commands go through the host's
//! scan queue, addressed explicitly, before any device exists.

use crate::host::{self, ExecArgs, Host};
use crate::inquiry::Qualifier;
use crate::luns::ReportLuns;
use crate::sdev::{self, Found, Sdev, VPD_PAGES};
use crate::{api, max_luns};
use core::fmt::Write;
use kernel::prelude::*;

const SCAN_TIMEOUT_MS: u32 = 10_000;
const INQ_LEN: usize = 96;

/// What an INQUIRY of one address found.
enum Probe {
    /// No target at this id (selection failed).
    NoTarget,
    /// A target, but no device at this LUN.
    NoLun,
    /// A device.
    Lun([u8; INQ_LEN], u8),
}

fn read(host: &Host, addr: (u32, u32, u64), cdb: &[u8], buf: &mut KVec<u8>) -> Result<usize> {
    let q = host::scan_queue_ptr(host);
    if q.is_null() {
        return Err(ENODEV);
    }
    let args = ExecArgs {
        cdb,
        dir: api::SCSI_RS_DIR_FROM_DEVICE as u8,
        buf: buf.as_mut_ptr(),
        len: buf.len() as u32,
        timeout_ms: SCAN_TIMEOUT_MS,
        retries: 3,
        addr: Some(addr),
        quiet: true,
    };
    let out = host::exec(q, &args)?;
    if out.host != 0 {
        return Err(ENODEV);
    }
    if out.status != 0 {
        return Err(EIO);
    }
    Ok(buf.len() - out.resid as usize)
}

fn probe_lun(host: &Host, ch: u32, id: u32, lun: u64) -> Probe {
    let Ok(mut buf) = KVec::from_elem(0u8, INQ_LEN, GFP_KERNEL) else {
        return Probe::NoLun;
    };
    let cdb = [0x12, 0, 0, 0, INQ_LEN as u8, 0];
    match read(host, (ch, id, lun), &cdb, &mut buf) {
        Err(e) if e == ENODEV => Probe::NoTarget,
        Err(_) => Probe::NoLun,
        Ok(n) if n < 5 => Probe::NoLun,
        Ok(n) => match Qualifier::from_byte0(buf[0]) {
            Qualifier::Connected if buf[0] & 0x1f != 0x1f => {
                let mut inq = [0u8; INQ_LEN];
                let n = n.min(INQ_LEN);
                inq[..n].copy_from_slice(&buf[..n]);
                Probe::Lun(inq, n as u8)
            }
            _ => Probe::NoLun,
        },
    }
}

fn report_luns(host: &Host, ch: u32, id: u32) -> Result<KVec<u64>> {
    let len = 8 + 8 * 512usize;
    let mut buf = KVec::from_elem(0u8, len, GFP_KERNEL)?;
    let l = (len as u32).to_be_bytes();
    let cdb = [0xa0, 0, 0, 0, 0, 0, l[0], l[1], l[2], l[3], 0, 0];
    let n = read(host, (ch, id, 0), &cdb, &mut buf)?;
    let rl = ReportLuns::parse(&buf[..n]).map_err(|_| EIO)?;
    let mut out = KVec::new();
    for lun in rl.iter() {
        out.push(crate::luns::lun_to_int(&lun.0), GFP_KERNEL)?;
    }
    Ok(out)
}

/// The VPD pages kept for sysfs, as far as the device lists them.
fn read_vpd(host: &Host, ch: u32, id: u32, lun: u64, inq: &[u8]) -> [KVec<u8>; 4] {
    let mut pages: [KVec<u8>; 4] = [KVec::new(), KVec::new(), KVec::new(), KVec::new()];
    // SPC-2 and later devices; older ones rarely have VPD pages.
    if inq.len() < 3 || inq[2] < 2 {
        return pages;
    }
    for (i, &pg) in VPD_PAGES.iter().enumerate() {
        if i > 0 {
            let listed = pages[0].get(4..).is_some_and(|l| l.contains(&pg));
            if !listed {
                continue;
            }
        }
        let Ok(mut buf) = KVec::from_elem(0u8, 255, GFP_KERNEL) else {
            break;
        };
        let cdb = [0x12, 1, pg, 0, 255, 0];
        match read(host, (ch, id, lun), &cdb, &mut buf) {
            Ok(n) if n >= 4 && buf[1] == pg => {
                let want = (4 + usize::from(u16::from_be_bytes([buf[2], buf[3]]))).min(n);
                crate::vec_truncate(&mut buf, want);
                pages[i] = buf;
            }
            _ => {
                if i == 0 {
                    break;
                }
            }
        }
    }
    pages
}

/// TEST UNIT READY until it stops reporting UNIT ATTENTION (power on,
/// reset, medium change): the first command of the upper driver then sees
/// the device's real state.
pub(crate) fn test_unit_ready(s: &Sdev) {
    for _ in 0..3 {
        let args = ExecArgs {
            cdb: &[0, 0, 0, 0, 0, 0],
            dir: 0,
            buf: core::ptr::null_mut(),
            len: 0,
            timeout_ms: SCAN_TIMEOUT_MS,
            retries: 0,
            addr: None,
            quiet: true,
        };
        match host::exec(s.queue(), &args) {
            Ok(o) if o.status == 2 && o.sense().is_some_and(|x| x.is_unit_attention()) => continue,
            _ => break,
        }
    }
}

/// Adds the LUN if new, revalidates it if known. Called with the scan lock.
fn add_or_rescan(host: &Host, ch: u32, id: u32, lun: u64, inq: [u8; INQ_LEN], n: u8) {
    if let Some(s) = sdev::find_sdev(host, ch, id, lun) {
        // SAFETY: listed devices are live while the scan lock is held.
        let s = unsafe { &*s };
        s.rescan_upper();
        return;
    }
    let vpd = read_vpd(host, ch, id, lun, &inq[..usize::from(n)]);
    let found = Found {
        inquiry: inq,
        inquiry_len: n,
        vpd,
    };
    if let Err(e) = sdev::add_sdev(host, ch, id, lun, found) {
        pr_err!(
            "{}: cannot add device {}:{}:{}: {:?}\n",
            host.name(),
            ch,
            id,
            lun,
            e
        );
    }
}

/// Scans one target, or one LUN of it. Called with the scan lock held.
pub(crate) fn scan_target(host: &Host, ch: u32, id: u32, lun: Option<u64>) {
    let max_lun = host.lim.max_lun.min(max_luns());
    if let Some(l) = lun {
        if l >= host.lim.max_lun {
            return;
        }
        if let Probe::Lun(inq, n) = probe_lun(host, ch, id, l) {
            add_or_rescan(host, ch, id, l, inq, n);
        }
        return;
    }
    let lun0 = match probe_lun(host, ch, id, 0) {
        Probe::NoTarget => {
            // A target that went away takes its devices with it.
            remove_missing(host, ch, id, None);
            return;
        }
        p => p,
    };
    let mut ansi = 0;
    if let Probe::Lun(inq, n) = lun0 {
        ansi = inq[2];
        add_or_rescan(host, ch, id, 0, inq, n);
    }
    match report_luns(host, ch, id) {
        Ok(luns) => {
            let mut count = 0u64;
            for &l in luns.iter() {
                if l == 0 || l >= host.lim.max_lun {
                    continue;
                }
                count += 1;
                if count >= max_lun {
                    break;
                }
                if let Probe::Lun(inq, n) = probe_lun(host, ch, id, l) {
                    add_or_rescan(host, ch, id, l, inq, n);
                }
            }
            remove_missing(host, ch, id, Some(&luns));
        }
        Err(_) if ansi >= 2 || ansi == 0 => {
            // Sequential scan up to the first LUN without a device.
            for l in 1..max_lun.min(host.lim.max_lun) {
                match probe_lun(host, ch, id, l) {
                    Probe::Lun(inq, n) => add_or_rescan(host, ch, id, l, inq, n),
                    _ => break,
                }
            }
        }
        Err(_) => {}
    }
}

/// Removes the devices of a target that a new REPORT LUNS list no longer
/// has (all of them for an empty list of a vanished target).
fn remove_missing(host: &Host, ch: u32, id: u32, present: Option<&[u64]>) {
    loop {
        let gone = {
            let lists = host.lists.lock();
            lists.sdevs.iter().copied().find(|&s| {
                // SAFETY: listed devices are live.
                let s = unsafe { &*s };
                s.channel == ch && s.id == id && !present.is_some_and(|p| p.contains(&s.lun))
            })
        };
        match gone {
            Some(s) => sdev::remove_sdev_locked(host, s),
            None => break,
        }
    }
}

/// Short names of device types, as the C stack prints them.
pub(crate) fn type_name(t: u8) -> &'static str {
    match t {
        0x00 => "Direct-Access",
        0x01 => "Sequential-Access",
        0x02 => "Printer",
        0x03 => "Processor",
        0x04 => "WORM",
        0x05 => "CD-ROM",
        0x06 => "Scanner",
        0x07 => "Optical Device",
        0x08 => "Medium Changer",
        0x09 => "Communications",
        0x0c => "RAID",
        0x0d => "Enclosure",
        0x0e => "Direct-Access-RBC",
        0x11 => "OSD",
        0x14 => "Direct-Access-ZBC",
        0x1e => "Well-known LUN",
        _ => "Unknown",
    }
}

/// A world-wide identifier from the Device Identification page, as the
/// `wwid` attribute prints it (NAA or EUI-64 designators, hex; or a T10
/// vendor id as text).
pub(crate) fn wwid(pg83: &[u8]) -> Option<Wwid> {
    let mut off = 4;
    let mut best: Option<Wwid> = None;
    while off + 4 <= pg83.len() {
        let code_set = pg83[off] & 0x0f;
        let assoc = (pg83[off + 1] >> 4) & 0x3;
        let dtype = pg83[off + 1] & 0x0f;
        let len = usize::from(pg83[off + 3]);
        let Some(d) = pg83.get(off + 4..off + 4 + len) else {
            break;
        };
        off += 4 + len;
        if assoc != 0 {
            continue;
        }
        let (prio, prefix) = match dtype {
            3 => (3, "naa."),
            2 => (2, "eui."),
            8 => (1, ""),
            1 => (0, "t10."),
            _ => continue,
        };
        if best.as_ref().is_some_and(|b| b.prio >= prio) {
            continue;
        }
        let mut w = Wwid {
            prio,
            buf: [0; 160],
            len: 0,
        };
        let _ = w.write_str(prefix);
        if code_set == 1 {
            for &b in d {
                let _ = write!(w, "{:02x}", b);
            }
        } else {
            for &b in d {
                if b != 0 {
                    let _ = w.write_char(if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '?'
                    });
                }
            }
        }
        best = Some(w);
    }
    best
}

/// A formatted `wwid`.
pub(crate) struct Wwid {
    prio: u8,
    buf: [u8; 160],
    len: usize,
}

impl Write for Wwid {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

impl core::fmt::Display for Wwid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?"))
    }
}
