// SPDX-License-Identifier: GPL-2.0

//! A SCSI target device: which logical units exist, REPORT LUNS, and what
//! an address without a logical unit answers (SPC-4, "Logical unit
//! addressing" and REPORT LUNS; SAM-5, "Incorrect logical unit selection").
//!
//! LUN numbers 0 to 255 are supported and reported with peripheral device
//! addressing (the encoding of `scsi_proto`'s `Lun::single_level`).
//!
//! The target holds no logical unit itself, so that the front end can lock
//! each LU separately: [`Target::execute`] takes the addressed LU (or
//! `None`) together with its medium. Adding or removing a LUN bumps a
//! generation number; every LU that sees a newer generation than it saw
//! last queues REPORTED LUNS DATA HAS CHANGED (3F/0E), which REPORT LUNS
//! sent to that LU clears.
//!
//! An address without LU: INQUIRY returns standard data with peripheral
//! qualifier 3 and device type 0x1f, REQUEST SENSE returns LOGICAL UNIT NOT
//! SUPPORTED (25/00) as parameter data, REPORT LUNS works, and everything
//! else ends with CHECK CONDITION, ILLEGAL REQUEST, LOGICAL UNIT NOT
//! SUPPORTED.

use super::cdb;
use super::databuf::{DataBuf, Xfer};
use super::inquiry::{DeviceType, StandardInquiry, STANDARD_INQUIRY_LEN};
use super::lun::{check_cdb, send_sense, Lun};
use super::luns::{Lun as LunAddr, LUN_LEN, REPORT_LUNS_HEADER_LEN};
use super::outcome::{Check, CmdResult, Outcome};
use super::sense::asc;
use super::spc::{cdb_be16, cdb_be32, cdb_u8, reserved, VERSION_SPC4};

/// Highest LUN number a target can hold, plus one.
pub const MAX_LUNS: usize = 256;

/// The logical units present in a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Target {
    present: [u64; MAX_LUNS / 64],
    gen: u32,
}

impl Target {
    /// A target without logical units.
    pub const fn new() -> Target {
        Target {
            present: [0; MAX_LUNS / 64],
            gen: 0,
        }
    }

    fn slot(lun: u16) -> Option<(usize, u64)> {
        let i = usize::from(lun);
        if i >= MAX_LUNS {
            return None;
        }
        Some((i / 64, 1u64 << (i % 64)))
    }

    /// `true` if LUN `lun` exists.
    pub fn has_lun(&self, lun: u16) -> bool {
        match Self::slot(lun) {
            Some((w, b)) => self.present.get(w).is_some_and(|v| v & b != 0),
            None => false,
        }
    }

    /// Adds LUN `lun`; `false` if it is out of range or already there.
    /// Other LUs learn about it through a unit attention.
    pub fn add_lun(&mut self, lun: u16) -> bool {
        self.set(lun, true)
    }

    /// Removes LUN `lun`; `false` if it was not there.
    pub fn remove_lun(&mut self, lun: u16) -> bool {
        self.set(lun, false)
    }

    fn set(&mut self, lun: u16, on: bool) -> bool {
        let Some((w, b)) = Self::slot(lun) else {
            return false;
        };
        let Some(v) = self.present.get_mut(w) else {
            return false;
        };
        if (*v & b != 0) == on {
            return false;
        }
        if on {
            *v |= b;
        } else {
            *v &= !b;
        }
        self.luns_changed();
        true
    }

    /// Makes every LU report REPORTED LUNS DATA HAS CHANGED once.
    pub fn luns_changed(&mut self) {
        self.gen = self.gen.wrapping_add(1);
    }

    /// Number of LUNs present.
    pub fn lun_count(&self) -> usize {
        self.present.iter().map(|v| v.count_ones() as usize).sum()
    }

    /// The LUN numbers present, ascending.
    pub fn luns(&self) -> impl Iterator<Item = u16> + '_ {
        (0..MAX_LUNS as u16).filter(|&l| self.has_lun(l))
    }

    /// Executes a command addressed to a LUN of this target: `lun` is the
    /// addressed LU (with its `medium`), or `None` if there is none.
    pub fn execute(
        &self,
        lun: Option<&mut Lun>,
        medium: &mut [u8],
        cdb: &[u8],
        data: &mut dyn DataBuf,
    ) -> Outcome {
        match lun {
            Some(l) => {
                l.sync_luns_generation(self.gen);
                l.execute_in(Some(self), medium, cdb, data)
            }
            None => {
                let mut x = Xfer::new(data);
                let mut o = match self.no_lun(cdb, &mut x) {
                    Ok(()) => Outcome::good(),
                    Err(c) => Outcome::check(&c),
                };
                o.resid = x.resid();
                o
            }
        }
    }

    fn no_lun(&self, cdb: &[u8], x: &mut Xfer<'_>) -> CmdResult {
        check_cdb(cdb)?;
        match cdb_u8(cdb, 0) {
            cdb::INQUIRY => {
                reserved(cdb, 1, 0xfe)?;
                if cdb_u8(cdb, 1) & 0x01 != 0 {
                    return Err(Check::illegal(asc::LUN_NOT_SUPPORTED));
                }
                if cdb_u8(cdb, 2) != 0 {
                    return Err(Check::invalid_cdb(2, None));
                }
                let mut out = [0u8; STANDARD_INQUIRY_LEN];
                StandardInquiry {
                    device_type: DeviceType::NoDevice,
                    rmb: false,
                    version: VERSION_SPC4,
                    hisup: true,
                    cmdque: true,
                    vendor: "",
                    product: "",
                    revision: "",
                }
                .write(&mut out);
                // Peripheral qualifier 3: no logical unit here.
                out[0] = 0x7f;
                x.send(&out, usize::from(cdb_be16(cdb, 3)));
                Ok(())
            }
            cdb::REPORT_LUNS => report_luns(cdb, x, Some(self)),
            cdb::REQUEST_SENSE => {
                reserved(cdb, 1, 0xfe)?;
                let desc = cdb_u8(cdb, 1) & 0x01 != 0;
                let c = Check::illegal(asc::LUN_NOT_SUPPORTED);
                send_sense(&c, desc, usize::from(cdb_u8(cdb, 4)), x);
                Ok(())
            }
            _ => Err(Check::illegal(asc::LUN_NOT_SUPPORTED)),
        }
    }
}

/// REPORT LUNS (SPC-4): the LUNs of `target`, or LUN 0 alone without one.
/// SELECT REPORT 0 and 2 list them, 1 (well-known LUs only) lists none.
pub fn report_luns(cdb: &[u8], x: &mut Xfer<'_>, target: Option<&Target>) -> CmdResult {
    let select = cdb_u8(cdb, 2);
    // SPC-4 only recommends an allocation length of at least 16; a shorter
    // one truncates the data like any other.
    let alloc = cdb_be32(cdb, 6) as usize;
    let single = Target {
        present: [1, 0, 0, 0],
        gen: 0,
    };
    let t = target.unwrap_or(&single);
    let count = match select {
        cdb::SELECT_REPORT_STANDARD | cdb::SELECT_REPORT_ALL => t.lun_count(),
        cdb::SELECT_REPORT_WELL_KNOWN => 0,
        _ => return Err(Check::invalid_cdb(2, None)),
    };
    let len = ((count * LUN_LEN) as u32).to_be_bytes();
    x.send(&[len[0], len[1], len[2], len[3], 0, 0, 0, 0], alloc);
    let mut off = REPORT_LUNS_HEADER_LEN;
    if count != 0 {
        for n in t.luns() {
            if off >= alloc {
                break;
            }
            let Some(addr) = LunAddr::single_level(n) else {
                continue;
            };
            let room = (alloc - off).min(LUN_LEN);
            x.send_at(off, addr.0.get(..room).unwrap_or(&[]));
            off += LUN_LEN;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::databuf::SliceBuf;
    use super::super::lun::{Config, Kind};
    use super::super::luns::ReportLuns;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn run(t: &Target, l: Option<&mut Lun>, cdb: &[u8], buf: &mut [u8]) -> Outcome {
        let mut m = vec![0u8; 16 * 512];
        let mut s = SliceBuf::new(buf);
        t.execute(l, &mut m, cdb, &mut s)
    }

    #[test]
    fn lun_map() {
        let mut t = Target::new();
        assert!(t.add_lun(0));
        assert!(t.add_lun(5));
        assert!(t.add_lun(255));
        assert!(!t.add_lun(5));
        assert!(!t.add_lun(256));
        assert_eq!(t.lun_count(), 3);
        assert_eq!(t.luns().collect::<Vec<_>>(), [0, 5, 255]);
        assert!(t.remove_lun(5));
        assert!(!t.remove_lun(5));
        assert!(!t.has_lun(5) && t.has_lun(255) && !t.has_lun(1000));
    }

    #[test]
    fn report_luns_lists_and_truncates() {
        let mut t = Target::new();
        for n in [0, 1, 5] {
            t.add_lun(n);
        }
        let mut b = [0xeeu8; 64];
        let o = run(&t, None, &cdb::report_luns(0, 64), &mut b);
        assert!(o.is_good());
        assert_eq!(o.resid, 64 - 32);
        let r = ReportLuns::parse(&b[..32]).unwrap();
        let l: Vec<u64> = r.iter().map(|l| l.to_int()).collect();
        assert_eq!(l, [0, 1, 5]);
        // Allocation length 20: header, one LUN and half of the next.
        let mut b = [0u8; 64];
        let o = run(&t, None, &cdb::report_luns(2, 20), &mut b);
        assert!(o.is_good());
        assert_eq!(o.resid, 44);
        let r = ReportLuns::parse(&b[..20]).unwrap();
        assert_eq!(r.reported_count(), 3);
        assert!(r.is_truncated());
        // Well-known only: an empty list.
        let o = run(&t, None, &cdb::report_luns(1, 64), &mut b);
        assert_eq!(o.resid, 56);
        assert_eq!(&b[..4], &[0, 0, 0, 0]);
        let o = run(&t, None, &cdb::report_luns(3, 64), &mut b);
        assert_eq!(o.key_asc_ascq(), Some((5, 0x24, 0)));
        let o = run(&t, None, &cdb::report_luns(0, 4), &mut b);
        assert_eq!((o.status, o.resid), (0, 60));
        // A LUN on its own reports LUN 0.
        let mut l = Lun::new(&Config::new(Kind::Disk)).unwrap();
        let mut m = vec![0u8; 512];
        let mut s = SliceBuf::new(&mut b);
        let o = l.execute(&mut m, &cdb::report_luns(0, 64), &mut s);
        assert_eq!(o.resid, 48);
        assert_eq!(&b[..4], &[0, 0, 0, 8]);
    }

    #[test]
    fn absent_lun() {
        let t = Target::new();
        let mut b = [0u8; 96];
        let o = run(&t, None, &cdb::inquiry(96), &mut b);
        assert!(o.is_good());
        assert_eq!(o.resid, 60);
        assert_eq!(b[0], 0x7f);
        let o = run(&t, None, &cdb::inquiry_vpd(0, 96), &mut b);
        assert_eq!(o.key_asc_ascq(), Some((5, 0x25, 0)));
        let o = run(&t, None, &cdb::request_sense(18, false), &mut b);
        assert!(o.is_good());
        assert_eq!((b[2], b[12], b[13]), (5, 0x25, 0));
        let o = run(&t, None, &cdb::test_unit_ready(), &mut []);
        assert_eq!(o.key_asc_ascq(), Some((5, 0x25, 0)));
        let o = run(&t, None, &cdb::read_10(0, 1, false), &mut b);
        assert_eq!(o.key_asc_ascq(), Some((5, 0x25, 0)));
        assert_eq!(o.resid, 96);
    }

    #[test]
    fn reported_luns_changed() {
        let mut t = Target::new();
        t.add_lun(0);
        let mut l0 = Lun::new(&Config::new(Kind::Disk)).unwrap();
        let o = run(&t, Some(&mut l0), &cdb::test_unit_ready(), &mut []);
        assert_eq!(o.key_asc_ascq(), Some((6, 0x29, 0)));
        assert!(run(&t, Some(&mut l0), &cdb::test_unit_ready(), &mut []).is_good());
        // A new LUN: LUN 0 hears about it, LUN 1 only powers on.
        t.add_lun(1);
        let mut l1 = Lun::new(&Config::new(Kind::Tape)).unwrap();
        let o = run(&t, Some(&mut l1), &cdb::test_unit_ready(), &mut []);
        assert_eq!(o.key_asc_ascq(), Some((6, 0x29, 0)));
        assert!(run(&t, Some(&mut l1), &[0x05, 0, 0, 0, 0, 0], &mut [0u8; 6]).is_good());
        let o = run(&t, Some(&mut l0), &cdb::test_unit_ready(), &mut []);
        assert_eq!(o.key_asc_ascq(), Some((6, 0x3f, 0x0e)));
        assert!(run(&t, Some(&mut l0), &cdb::test_unit_ready(), &mut []).is_good());
        // REPORT LUNS clears the condition.
        t.remove_lun(1);
        let mut b = [0u8; 32];
        let o = run(&t, Some(&mut l0), &cdb::report_luns(0, 32), &mut b);
        assert!(o.is_good());
        assert_eq!(o.resid, 16);
        assert!(run(&t, Some(&mut l0), &cdb::test_unit_ready(), &mut []).is_good());
    }
}
