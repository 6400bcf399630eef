// SPDX-License-Identifier: GPL-2.0

//! Logical unit numbers: REPORT LUNS data and the Linux LUN integer.
//!
//! SAM-5 defines an 8-byte LUN of up to four 2-byte addressing levels.
//! Linux represents a LUN as a `u64` obtained by taking the four levels in
//! order, level `i` (bytes `2i` and `2i+1`, big endian) contributing
//! `((b[2i] << 8) | b[2i+1]) << (16 * i)`. So a single-level LUN 5
//! (`00 05 00 00 00 00 00 00`) is integer 5, a flat-space LUN
//! `40 05 ...` is 0x4005, and the REPORT LUNS well-known LUN
//! `c1 01 ...` is 0xc101. [`Lun::to_int`] and [`Lun::from_int`] implement
//! this mapping in both directions; it is a bijection on all 2^64 values.
//!
//! [`ReportLuns::parse`] decodes REPORT LUNS parameter data and iterates
//! over the LUNs actually present in the buffer.

use super::bytes::{array_at, be32_at, clipped};
use super::error::Error;

/// Length of one LUN.
pub const LUN_LEN: usize = 8;
/// Length of the REPORT LUNS parameter data header.
pub const REPORT_LUNS_HEADER_LEN: usize = 8;

/// Address method of the first addressing level (byte 0, bits 7:6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressMethod {
    /// 00b: peripheral device addressing (bus identifier and target/LUN).
    Peripheral,
    /// 01b: flat space addressing (14-bit LUN).
    Flat,
    /// 10b: logical unit addressing (target, bus, LUN).
    LogicalUnit,
    /// 11b: extended logical unit addressing (includes well-known LUNs).
    Extended,
}

/// An 8-byte SAM logical unit number, in wire order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lun(pub [u8; LUN_LEN]);

/// The REPORT LUNS well-known logical unit (`c1 01 00 00 00 00 00 00`).
pub const W_LUN_REPORT_LUNS: Lun = Lun([0xc1, 0x01, 0, 0, 0, 0, 0, 0]);

impl Lun {
    /// LUN 0.
    pub const ZERO: Lun = Lun([0; LUN_LEN]);

    /// Converts the Linux LUN integer to the 8-byte form (the inverse of
    /// [`Lun::to_int`]).
    pub const fn from_int(v: u64) -> Lun {
        let l0 = (v as u16).to_be_bytes();
        let l1 = ((v >> 16) as u16).to_be_bytes();
        let l2 = ((v >> 32) as u16).to_be_bytes();
        let l3 = ((v >> 48) as u16).to_be_bytes();
        Lun([l0[0], l0[1], l1[0], l1[1], l2[0], l2[1], l3[0], l3[1]])
    }

    /// Converts the 8-byte LUN to the Linux LUN integer: level `i` (bytes
    /// `2i`, `2i+1`) contributes `((b[2i] << 8) | b[2i+1]) << (16 * i)`.
    pub const fn to_int(self) -> u64 {
        let b = self.0;
        let l0 = u16::from_be_bytes([b[0], b[1]]) as u64;
        let l1 = u16::from_be_bytes([b[2], b[3]]) as u64;
        let l2 = u16::from_be_bytes([b[4], b[5]]) as u64;
        let l3 = u16::from_be_bytes([b[6], b[7]]) as u64;
        l0 | (l1 << 16) | (l2 << 32) | (l3 << 48)
    }

    /// Encodes a single-level LUN number as SAM recommends: peripheral
    /// device addressing for 0..=255, flat space addressing for
    /// 256..=16383; `None` above.
    pub const fn single_level(n: u16) -> Option<Lun> {
        let b = n.to_be_bytes();
        if n < 256 {
            Some(Lun([0, b[1], 0, 0, 0, 0, 0, 0]))
        } else if n < 0x4000 {
            Some(Lun([0x40 | b[0], b[1], 0, 0, 0, 0, 0, 0]))
        } else {
            None
        }
    }

    /// The LUN number of a single-level LUN: peripheral addressing with bus
    /// identifier 0, or flat space addressing, and levels 2..=4 zero.
    /// `None` for anything else.
    pub const fn single_level_number(self) -> Option<u16> {
        let b = self.0;
        if b[2] != 0 || b[3] != 0 || b[4] != 0 || b[5] != 0 || b[6] != 0 || b[7] != 0 {
            return None;
        }
        match self.address_method() {
            AddressMethod::Peripheral if b[0] == 0 => Some(b[1] as u16),
            AddressMethod::Flat => Some((((b[0] & 0x3f) as u16) << 8) | b[1] as u16),
            _ => None,
        }
    }

    /// Address method of the first level.
    pub const fn address_method(self) -> AddressMethod {
        match self.0[0] >> 6 {
            0 => AddressMethod::Peripheral,
            1 => AddressMethod::Flat,
            2 => AddressMethod::LogicalUnit,
            _ => AddressMethod::Extended,
        }
    }

    /// `true` for a well-known logical unit (extended addressing, length
    /// 00b, extended address method 1: byte 0 is 0xc1).
    pub const fn is_well_known(self) -> bool {
        self.0[0] == 0xc1
    }
}

/// Converts an 8-byte LUN to the Linux LUN integer (see [`Lun::to_int`]).
pub const fn lun_to_int(lun: &[u8; LUN_LEN]) -> u64 {
    Lun(*lun).to_int()
}

/// Converts the Linux LUN integer to an 8-byte LUN (see [`Lun::from_int`]).
pub const fn int_to_lun(v: u64) -> [u8; LUN_LEN] {
    Lun::from_int(v).0
}

/// Decoded REPORT LUNS parameter data borrowing the response buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReportLuns<'a> {
    list_len: u32,
    luns: &'a [u8],
}

impl<'a> ReportLuns<'a> {
    /// Decodes REPORT LUNS data; `buf` holds the bytes transferred.
    ///
    /// Needs the 8-byte header ([`Error::Truncated`] otherwise). The LUNs
    /// iterated are those both announced by LUN LIST LENGTH and present in
    /// the buffer; a trailing partial entry is ignored.
    pub fn parse(buf: &'a [u8]) -> Result<ReportLuns<'a>, Error> {
        let list_len = be32_at(buf, 0).ok_or(Error::Truncated)?;
        if buf.len() < REPORT_LUNS_HEADER_LEN {
            return Err(Error::Truncated);
        }
        let announced = usize::try_from(list_len).unwrap_or(usize::MAX);
        let avail = clipped(buf, REPORT_LUNS_HEADER_LEN, announced);
        let whole = avail.len() - avail.len() % LUN_LEN;
        Ok(ReportLuns {
            list_len,
            luns: clipped(avail, 0, whole),
        })
    }

    /// LUN LIST LENGTH as reported (bytes, all LUNs, not only those present).
    pub const fn list_len(&self) -> u32 {
        self.list_len
    }

    /// Number of LUNs the device reported (LUN LIST LENGTH / 8).
    pub const fn reported_count(&self) -> u32 {
        self.list_len / LUN_LEN as u32
    }

    /// Number of LUNs present in the buffer.
    pub fn len(&self) -> usize {
        self.luns.len() / LUN_LEN
    }

    /// `true` if no LUN is present in the buffer.
    pub fn is_empty(&self) -> bool {
        self.luns.is_empty()
    }

    /// `true` if the device reported more LUNs than the buffer holds; issue
    /// the command again with [`ReportLuns::required_alloc_len`].
    pub fn is_truncated(&self) -> bool {
        (self.len() as u64) < u64::from(self.reported_count())
    }

    /// Allocation length needed for the whole list (header + list);
    /// `None` if it does not fit the 32-bit ALLOCATION LENGTH.
    pub const fn required_alloc_len(&self) -> Option<u32> {
        self.list_len.checked_add(REPORT_LUNS_HEADER_LEN as u32)
    }

    /// The `i`th LUN present, if any.
    pub fn get(&self, i: usize) -> Option<Lun> {
        array_at::<LUN_LEN>(self.luns, i.checked_mul(LUN_LEN)?).map(Lun)
    }

    /// Iterates over the LUNs present.
    pub fn iter(&self) -> LunIter<'a> {
        LunIter { rest: self.luns }
    }
}

impl<'a> IntoIterator for ReportLuns<'a> {
    type Item = Lun;
    type IntoIter = LunIter<'a>;

    fn into_iter(self) -> LunIter<'a> {
        self.iter()
    }
}

/// Iterator over the LUNs of REPORT LUNS data.
#[derive(Clone, Debug)]
pub struct LunIter<'a> {
    rest: &'a [u8],
}

impl Iterator for LunIter<'_> {
    type Item = Lun;

    fn next(&mut self) -> Option<Lun> {
        let lun = array_at::<LUN_LEN>(self.rest, 0)?;
        self.rest = self.rest.get(LUN_LEN..).unwrap_or(&[]);
        Some(Lun(lun))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / LUN_LEN;
        (n, Some(n))
    }
}

/// Copies as much of `src` as fits into `out` at `off`.
fn put_clipped(out: &mut [u8], off: usize, src: &[u8]) {
    if let Some(dst) = out.get_mut(off..) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
}

/// Builds REPORT LUNS parameter data for an emulated target into `out`.
///
/// The header always announces the full list; like a device honouring a
/// short ALLOCATION LENGTH, only the first `out.len()` bytes are written.
/// Returns the number of bytes to transfer. [`Error::OutOfRange`] if the
/// list length does not fit in 32 bits.
pub fn build_report_luns(luns: &[Lun], out: &mut [u8]) -> Result<usize, Error> {
    let list_len = luns.len().checked_mul(LUN_LEN).ok_or(Error::OutOfRange)?;
    let list_len32 = u32::try_from(list_len).map_err(|_| Error::OutOfRange)?;
    let total = list_len
        .checked_add(REPORT_LUNS_HEADER_LEN)
        .ok_or(Error::OutOfRange)?;
    let l = list_len32.to_be_bytes();
    put_clipped(out, 0, &[l[0], l[1], l[2], l[3], 0, 0, 0, 0]);
    let mut off = REPORT_LUNS_HEADER_LEN;
    for lun in luns {
        if off >= out.len() {
            break;
        }
        put_clipped(out, off, &lun.0);
        off += LUN_LEN;
    }
    Ok(total.min(out.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(Lun::ZERO.to_int(), 0);
        assert_eq!(Lun([0, 1, 0, 0, 0, 0, 0, 0]).to_int(), 1);
        assert_eq!(Lun([0x40, 0x05, 0, 0, 0, 0, 0, 0]).to_int(), 0x4005);
        assert_eq!(Lun::from_int(256).0, [0x01, 0x00, 0, 0, 0, 0, 0, 0]);
        assert_eq!(W_LUN_REPORT_LUNS.to_int(), 0xc101);
        assert_eq!(Lun::from_int(0xc101), W_LUN_REPORT_LUNS);
        // Second level goes to bits 16..32.
        assert_eq!(Lun([0, 0, 0x12, 0x34, 0, 0, 0, 0]).to_int(), 0x1234_0000);
        assert_eq!(
            Lun([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]).to_int(),
            0x0708_0506_0304_0102
        );
        assert_eq!(Lun::from_int(u64::MAX).0, [0xff; 8]);
        assert_eq!(lun_to_int(&[0, 7, 0, 0, 0, 0, 0, 0]), 7);
        assert_eq!(int_to_lun(7), [0, 7, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn round_trips() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            assert_eq!(Lun::from_int(x).to_int(), x);
            let l = Lun(x.to_le_bytes());
            assert_eq!(Lun::from_int(l.to_int()), l);
        }
        for v in 0u64..=0x1_0000 {
            assert_eq!(Lun::from_int(v).to_int(), v);
        }
    }

    #[test]
    fn single_level() {
        assert_eq!(Lun::single_level(0), Some(Lun::ZERO));
        assert_eq!(Lun::single_level(5).unwrap().0, [0, 5, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Lun::single_level(255).unwrap().0[..2], [0, 255]);
        assert_eq!(Lun::single_level(256).unwrap().0[..2], [0x41, 0x00]);
        assert_eq!(Lun::single_level(0x3fff).unwrap().0[..2], [0x7f, 0xff]);
        assert_eq!(Lun::single_level(0x4000), None);
        for n in 0u16..0x4000 {
            let l = Lun::single_level(n).unwrap();
            assert_eq!(l.single_level_number(), Some(n));
        }
        assert_eq!(
            Lun::single_level(256).unwrap().address_method(),
            AddressMethod::Flat
        );
        assert_eq!(
            Lun::single_level(2).unwrap().address_method(),
            AddressMethod::Peripheral
        );
        // Peripheral with a bus number, extended, and multi-level: not single-level.
        assert_eq!(Lun([0x01, 0, 0, 0, 0, 0, 0, 0]).single_level_number(), None);
        assert_eq!(W_LUN_REPORT_LUNS.single_level_number(), None);
        assert_eq!(Lun([0, 1, 0, 1, 0, 0, 0, 0]).single_level_number(), None);
        assert_eq!(
            Lun([0x80, 1, 0, 0, 0, 0, 0, 0]).address_method(),
            AddressMethod::LogicalUnit
        );
        assert!(W_LUN_REPORT_LUNS.is_well_known());
        assert_eq!(W_LUN_REPORT_LUNS.address_method(), AddressMethod::Extended);
        assert!(!Lun::ZERO.is_well_known());
    }

    #[test]
    fn report_luns_parse() {
        let buf = [
            0, 0, 0, 24, 0, 0, 0, 0, // 3 LUNs
            0, 0, 0, 0, 0, 0, 0, 0, // LUN 0
            0, 1, 0, 0, 0, 0, 0, 0, // LUN 1
            0x40, 0x05, 0, 0, 0, 0, 0, 0, // flat LUN 5
        ];
        let r = ReportLuns::parse(&buf).unwrap();
        assert_eq!(r.list_len(), 24);
        assert_eq!(r.reported_count(), 3);
        assert_eq!(r.len(), 3);
        assert!(!r.is_empty());
        assert!(!r.is_truncated());
        assert_eq!(r.required_alloc_len(), Some(32));
        let ints: std::vec::Vec<u64> = r.iter().map(Lun::to_int).collect();
        assert_eq!(ints, [0, 1, 0x4005]);
        assert_eq!(r.get(2).unwrap().single_level_number(), Some(5));
        assert_eq!(r.get(3), None);
        assert_eq!(r.get(usize::MAX), None);
        assert_eq!(r.iter().size_hint(), (3, Some(3)));
        assert_eq!(r.into_iter().count(), 3);
    }

    #[test]
    fn report_luns_truncated_list() {
        // Device has 64 LUNs, we asked for 16 bytes.
        let buf = [0, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0];
        let r = ReportLuns::parse(&buf).unwrap();
        assert_eq!(r.reported_count(), 64);
        assert_eq!(r.len(), 1);
        assert!(r.is_truncated());
        assert_eq!(r.required_alloc_len(), Some(520));
        // Partial trailing entry ignored.
        let r = ReportLuns::parse(&buf[..13]).unwrap();
        assert_eq!(r.len(), 0);
        assert!(r.is_empty());
        // List length shorter than the data: only announced entries.
        let mut b2 = [0u8; 32];
        b2[3] = 8;
        let r = ReportLuns::parse(&b2).unwrap();
        assert_eq!(r.len(), 1);
        // List length not a multiple of 8.
        b2[3] = 12;
        assert_eq!(ReportLuns::parse(&b2).unwrap().len(), 1);
        // Huge list length.
        let b3 = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        let r = ReportLuns::parse(&b3).unwrap();
        assert_eq!(r.required_alloc_len(), None);
        assert!(r.is_truncated());
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn report_luns_short_header() {
        assert_eq!(ReportLuns::parse(&[]), Err(Error::Truncated));
        assert_eq!(ReportLuns::parse(&[0, 0, 0, 8]), Err(Error::Truncated));
        assert_eq!(
            ReportLuns::parse(&[0, 0, 0, 8, 0, 0, 0]),
            Err(Error::Truncated)
        );
        assert!(ReportLuns::parse(&[0, 0, 0, 0, 0, 0, 0, 0])
            .unwrap()
            .is_empty());
    }

    #[test]
    fn build_and_parse() {
        let luns = [Lun::ZERO, Lun::from_int(1), Lun::from_int(0x4005)];
        let mut out = [0xeeu8; 64];
        let n = build_report_luns(&luns, &mut out).unwrap();
        assert_eq!(n, 32);
        assert_eq!(out[32], 0xee);
        let r = ReportLuns::parse(&out[..n]).unwrap();
        assert!(r.iter().eq(luns.iter().copied()));
        // Short allocation length: header announces all, data truncated.
        let mut small = [0u8; 20];
        let n = build_report_luns(&luns, &mut small).unwrap();
        assert_eq!(n, 20);
        assert_eq!(&small[..4], &[0, 0, 0, 24]);
        assert_eq!(&small[16..20], &[0, 1, 0, 0]);
        let r = ReportLuns::parse(&small).unwrap();
        assert_eq!(r.len(), 1);
        assert!(r.is_truncated());
        let mut tiny = [0u8; 3];
        assert_eq!(build_report_luns(&luns, &mut tiny), Ok(3));
        assert_eq!(tiny, [0, 0, 0]);
        let mut none: [u8; 0] = [];
        assert_eq!(build_report_luns(&luns, &mut none), Ok(0));
        let mut hdr = [0xffu8; 8];
        assert_eq!(build_report_luns(&[], &mut hdr), Ok(8));
        assert_eq!(hdr, [0; 8]);
    }
}
