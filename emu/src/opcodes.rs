// SPDX-License-Identifier: GPL-2.0

//! The commands each device kind implements, and REPORT SUPPORTED
//! OPERATION CODES (SPC-4, MAINTENANCE IN service action 0x0c) built from
//! them.
//!
//! Reporting options 0 (all commands), 1 (one operation code), 2 (one
//! operation code and service action) and 3 (either) are supported, with
//! and without command timeouts descriptors (RCTD; the timeouts are
//! reported as 0, "not specified"). The CDB usage data marks every bit of
//! the CDB as used except the reserved bits of the CONTROL byte.

use super::cdb;
use super::cdrom::{MECHANISM_STATUS, READ_TRACK_INFORMATION, SET_CD_SPEED};
use super::databuf::Xfer;
use super::lun::Kind;
use super::outcome::{Check, CmdResult};
use super::spc::{cdb_be16, cdb_be32, cdb_u8, reserved};

/// One implemented command: operation code, service action (if the
/// operation code has service actions) and CDB length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command {
    /// Operation code.
    pub opcode: u8,
    /// Service action, for operation codes that have them.
    pub service_action: Option<u16>,
    /// CDB length in bytes.
    pub cdb_len: u8,
}

const fn c(opcode: u8, cdb_len: u8) -> Command {
    Command {
        opcode,
        service_action: None,
        cdb_len,
    }
}

const fn sa(opcode: u8, service_action: u16, cdb_len: u8) -> Command {
    Command {
        opcode,
        service_action: Some(service_action),
        cdb_len,
    }
}

/// Commands every kind implements.
pub const COMMON: &[Command] = &[
    c(cdb::TEST_UNIT_READY, 6),
    c(cdb::REQUEST_SENSE, 6),
    c(cdb::INQUIRY, 6),
    c(cdb::MODE_SELECT_6, 6),
    c(cdb::MODE_SENSE_6, 6),
    c(cdb::SEND_DIAGNOSTIC, 6),
    c(cdb::PREVENT_ALLOW_MEDIUM_REMOVAL, 6),
    c(cdb::MODE_SELECT_10, 10),
    c(cdb::MODE_SENSE_10, 10),
    c(cdb::REPORT_LUNS, 12),
    sa(
        cdb::MAINTENANCE_IN,
        cdb::MI_REPORT_SUPPORTED_OPERATION_CODES as u16,
        12,
    ),
];

/// Commands of a disk (UNMAP only when thin provisioned).
pub const DISK: &[Command] = &[
    c(cdb::FORMAT_UNIT, 6),
    c(cdb::READ_6, 6),
    c(cdb::WRITE_6, 6),
    c(cdb::START_STOP_UNIT, 6),
    c(cdb::READ_CAPACITY_10, 10),
    c(cdb::READ_10, 10),
    c(cdb::WRITE_10, 10),
    c(cdb::VERIFY_10, 10),
    c(cdb::SYNCHRONIZE_CACHE_10, 10),
    c(cdb::WRITE_SAME_10, 10),
    c(cdb::UNMAP, 10),
    c(cdb::READ_16, 16),
    c(cdb::WRITE_16, 16),
    c(cdb::VERIFY_16, 16),
    c(cdb::SYNCHRONIZE_CACHE_16, 16),
    c(cdb::WRITE_SAME_16, 16),
    sa(
        cdb::SERVICE_ACTION_IN_16,
        cdb::SAI_READ_CAPACITY_16 as u16,
        16,
    ),
    c(cdb::READ_12, 12),
    c(cdb::WRITE_12, 12),
    c(0xaf, 12),
];

/// Commands of a CD-ROM drive.
pub const CDROM: &[Command] = &[
    c(cdb::START_STOP_UNIT, 6),
    c(cdb::READ_CAPACITY_10, 10),
    c(cdb::READ_10, 10),
    c(cdb::READ_TOC_PMA_ATIP, 10),
    c(cdb::GET_CONFIGURATION, 10),
    c(cdb::GET_EVENT_STATUS_NOTIFICATION, 10),
    c(cdb::READ_DISC_INFORMATION, 10),
    c(READ_TRACK_INFORMATION, 10),
    c(cdb::READ_12, 12),
    c(SET_CD_SPEED, 12),
    c(MECHANISM_STATUS, 12),
];

/// Commands of a tape drive.
pub const TAPE: &[Command] = &[
    c(cdb::REWIND, 6),
    c(cdb::READ_BLOCK_LIMITS, 6),
    c(cdb::READ_6, 6),
    c(cdb::WRITE_6, 6),
    c(cdb::WRITE_FILEMARKS_6, 6),
    c(cdb::SPACE_6, 6),
    c(cdb::ERASE_6, 6),
    c(cdb::LOAD_UNLOAD, 6),
    c(cdb::LOCATE_10, 10),
    sa(cdb::READ_POSITION, 0, 10),
    sa(cdb::READ_POSITION, 1, 10),
    sa(cdb::READ_POSITION, 6, 10),
];

/// The commands of `kind` (in table order: common ones first).
pub fn commands(kind: Kind, thin: bool) -> impl Iterator<Item = Command> {
    let own: &'static [Command] = match kind {
        Kind::Disk => DISK,
        Kind::CdRom => CDROM,
        Kind::Tape => TAPE,
    };
    COMMON
        .iter()
        .chain(own)
        .copied()
        .filter(move |c| thin || c.opcode != cdb::UNMAP || kind != Kind::Disk)
}

/// Longest REPORT SUPPORTED OPERATION CODES data.
const RSOC_MAX: usize = 640;

/// Length of a command timeouts descriptor.
const TIMEOUTS_LEN: usize = 12;

/// Writes the CDB usage data of `c` into `out`; returns its length.
fn usage(c: &Command, out: &mut [u8]) -> usize {
    let n = usize::from(c.cdb_len);
    for (i, b) in out.iter_mut().take(n).enumerate() {
        *b = if i == 0 {
            c.opcode
        } else if i + 1 == n {
            // CONTROL: NACA and LINK are checked (and refused).
            0x05
        } else if i == 1 && c.service_action.is_some() {
            0x1f
        } else {
            0xff
        };
    }
    n.min(out.len())
}

/// REPORT SUPPORTED OPERATION CODES.
pub fn report_supported(cdb: &[u8], x: &mut Xfer<'_>, kind: Kind, thin: bool) -> CmdResult {
    reserved(cdb, 1, 0xe0)?;
    reserved(cdb, 2, 0x78)?;
    let rctd = cdb_u8(cdb, 2) & 0x80 != 0;
    let option = cdb_u8(cdb, 2) & 0x07;
    let op = cdb_u8(cdb, 3);
    let req_sa = cdb_be16(cdb, 4);
    let alloc = cdb_be32(cdb, 6) as usize;
    // Large enough for every command of the largest table with timeouts
    // descriptors (see the test `all_commands`).
    let mut out = [0u8; RSOC_MAX];
    let n = match option {
        0 => {
            let mut n = 4;
            for c in commands(kind, thin) {
                let s = c.service_action.unwrap_or(0).to_be_bytes();
                let mut flags = u8::from(c.service_action.is_some());
                if rctd {
                    flags |= 0x02;
                }
                let d = [c.opcode, 0, s[0], s[1], 0, flags, 0, c.cdb_len];
                if let Some(dst) = out.get_mut(n..n + d.len()) {
                    dst.copy_from_slice(&d);
                }
                n += d.len();
                if rctd {
                    if let Some(dst) = out.get_mut(n..n + TIMEOUTS_LEN) {
                        dst.copy_from_slice(&[0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
                    }
                    n += TIMEOUTS_LEN;
                }
            }
            let l = ((n - 4) as u32).to_be_bytes();
            if let Some(dst) = out.get_mut(..4) {
                dst.copy_from_slice(&l);
            }
            n
        }
        1..=3 => {
            let has_sa = commands(kind, thin).any(|c| c.opcode == op && c.service_action.is_some())
                || matches!(op, cdb::MAINTENANCE_IN | cdb::SERVICE_ACTION_IN_16);
            let want_sa = match option {
                1 => false,
                2 => true,
                _ => has_sa,
            };
            if want_sa != has_sa {
                return Err(Check::invalid_cdb(if option == 1 { 3 } else { 4 }, None));
            }
            let found = commands(kind, thin)
                .find(|c| c.opcode == op && (!want_sa || c.service_action == Some(req_sa)));
            let mut n = 4;
            match found {
                Some(c) => {
                    // SUPPORT 011b: supported as the standard says.
                    out[1] = 0x03 | if rctd { 0x80 } else { 0 };
                    out[3] = c.cdb_len;
                    n += usage(&c, out.get_mut(4..).unwrap_or(&mut []));
                    if rctd {
                        if let Some(dst) = out.get_mut(n..n + TIMEOUTS_LEN) {
                            dst.copy_from_slice(&[0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
                        }
                        n += TIMEOUTS_LEN;
                    }
                }
                // SUPPORT 001b: not supported; no usage data.
                None => out[1] = 0x01,
            }
            n
        }
        _ => return Err(Check::invalid_cdb(2, Some(2))),
    };
    x.send(out.get(..n).unwrap_or(&out), alloc);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::databuf::SliceBuf;
    use super::*;
    use std::vec;

    fn rsoc(kind: Kind, thin: bool, cdb: &[u8], len: usize) -> (CmdResult, u32, std::vec::Vec<u8>) {
        let mut b = vec![0u8; len];
        let mut s = SliceBuf::new(&mut b);
        let mut x = Xfer::new(&mut s);
        let r = report_supported(cdb, &mut x, kind, thin);
        let resid = x.resid();
        (r, resid, b)
    }

    fn cdb(rctd: bool, option: u8, op: u8, sa: u16, alloc: u32) -> [u8; 12] {
        let s = sa.to_be_bytes();
        let a = alloc.to_be_bytes();
        [
            0xa3,
            0x0c,
            option | if rctd { 0x80 } else { 0 },
            op,
            s[0],
            s[1],
            a[0],
            a[1],
            a[2],
            a[3],
            0,
            0,
        ]
    }

    #[test]
    fn all_commands() {
        let (r, resid, b) = rsoc(Kind::Disk, true, &cdb(false, 0, 0, 0, 1024), 1024);
        assert_eq!(r, Ok(()));
        let n = (COMMON.len() + DISK.len()) * 8;
        assert_eq!(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize, n);
        assert_eq!(resid as usize, 1024 - 4 - n);
        // READ CAPACITY(16) is listed with its service action.
        let rc16 = b[4..4 + n]
            .chunks(8)
            .find(|d| d[0] == 0x9e)
            .unwrap()
            .to_vec();
        assert_eq!(rc16, [0x9e, 0, 0, 0x10, 0, 1, 0, 16]);
        // Without thin provisioning UNMAP is missing.
        let (_, _, b) = rsoc(Kind::Disk, false, &cdb(false, 0, 0, 0, 1024), 1024);
        assert_eq!(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize, n - 8);
        // With timeouts descriptors.
        let (r, _, b) = rsoc(Kind::Tape, false, &cdb(true, 0, 0, 0, 1024), 1024);
        assert_eq!(r, Ok(()));
        let n = (COMMON.len() + TAPE.len()) * 20;
        assert_eq!(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize, n);
        assert_eq!(b[4 + 5], 0x02);
        // The largest answer fits the buffer.
        for t in [DISK, CDROM, TAPE] {
            assert!(4 + (COMMON.len() + t.len()) * 20 <= RSOC_MAX);
        }
    }

    /// The tables list exactly the operation codes the kinds execute.
    #[test]
    fn tables_match_the_implementation() {
        use super::super::databuf::NoData;
        use super::super::lun::{Config, Lun};
        for kind in [Kind::Disk, Kind::CdRom, Kind::Tape] {
            for thin in [false, true] {
                let mut cfg = Config::new(kind);
                cfg.thin = thin;
                let mut l = Lun::new(&cfg).unwrap();
                let mut m = vec![0u8; 64 * 2048];
                for op in 0..=255u8 {
                    let Some(len) = cdb::cdb_len_for_opcode(op) else {
                        continue;
                    };
                    let mut c = vec![0u8; len];
                    c[0] = op;
                    // Clear the power-on unit attention first.
                    l.execute(&mut m, &[0x03, 0, 0, 0, 0, 0], &mut NoData);
                    let o = l.execute(&mut m, &c, &mut NoData);
                    let listed = commands(kind, thin).any(|c| c.opcode == op);
                    let invalid = o.key_asc_ascq() == Some((5, 0x20, 0));
                    assert_eq!(listed, !invalid, "{kind:?} thin {thin} op {op:#04x}");
                }
            }
        }
    }

    #[test]
    fn one_command() {
        let (r, resid, b) = rsoc(Kind::Disk, true, &cdb(false, 1, 0x93, 0, 64), 64);
        assert_eq!(r, Ok(()));
        assert_eq!(&b[..4], &[0, 3, 0, 16]);
        assert_eq!(b[4], 0x93);
        assert_eq!(b[19], 0x05);
        assert_eq!(resid, 64 - 20);
        // Not supported on a CD-ROM.
        let (r, resid, b) = rsoc(Kind::CdRom, false, &cdb(false, 1, 0x93, 0, 64), 64);
        assert_eq!((r, resid), (Ok(()), 60));
        assert_eq!(&b[..4], &[0, 1, 0, 0]);
        // With a service action; option 3 chooses.
        let (r, _, b) = rsoc(Kind::Disk, false, &cdb(true, 2, 0x9e, 0x10, 64), 64);
        assert_eq!(r, Ok(()));
        assert_eq!(&b[..4], &[0, 0x83, 0, 16]);
        assert_eq!(b[5], 0x1f);
        assert_eq!(&b[20..22], &[0, 0x0a]);
        let (r, _, b) = rsoc(Kind::Disk, false, &cdb(false, 3, 0x28, 0, 64), 64);
        assert_eq!((r, b[1]), (Ok(()), 3));
        let (r, _, b) = rsoc(Kind::Tape, false, &cdb(false, 3, 0x34, 6, 64), 64);
        assert_eq!((r, b[1]), (Ok(()), 3));
        let (r, _, b) = rsoc(Kind::Tape, false, &cdb(false, 3, 0x34, 8, 64), 64);
        assert_eq!((r, b[1]), (Ok(()), 1));
        // Option 1 on an operation code with service actions and the
        // reverse, and a reserved option.
        let (r, _, _) = rsoc(Kind::Disk, false, &cdb(false, 1, 0x9e, 0, 64), 64);
        assert_eq!(r, Err(Check::invalid_cdb(3, None)));
        let (r, _, _) = rsoc(Kind::Disk, false, &cdb(false, 2, 0x28, 0, 64), 64);
        assert_eq!(r, Err(Check::invalid_cdb(4, None)));
        let (r, _, _) = rsoc(Kind::Disk, false, &cdb(false, 4, 0x28, 0, 64), 64);
        assert_eq!(r, Err(Check::invalid_cdb(2, Some(2))));
    }
}
