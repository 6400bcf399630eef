// SPDX-License-Identifier: GPL-2.0

//! READ CAPACITY(10) and READ CAPACITY(16) parameter data (SBC-3).
//!
//! Both responses report the address of the *last* logical block, not the
//! number of blocks; [`ReadCapacity10::total_blocks`] and
//! [`ReadCapacity16::total_blocks`] add one with overflow checks.
//!
//! A READ CAPACITY(10) last LBA of 0xffffffff means the capacity does not
//! fit and READ CAPACITY(16) must be used instead.

use super::bytes::{be16_at, be32_at, be64_at, put, u8_or_zero};
use super::error::Error;

/// Length of READ CAPACITY(10) parameter data.
pub const READ_CAPACITY_10_LEN: usize = 8;
/// Length of READ CAPACITY(16) parameter data as defined by SBC-3.
pub const READ_CAPACITY_16_LEN: usize = 32;
/// Bytes of READ CAPACITY(16) data that must be present to parse it.
pub const READ_CAPACITY_16_MIN_LEN: usize = 12;

/// Decoded READ CAPACITY(10) parameter data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReadCapacity10 {
    /// RETURNED LOGICAL BLOCK ADDRESS: the last LBA, or 0xffffffff if the
    /// capacity needs READ CAPACITY(16).
    pub last_lba: u32,
    /// LOGICAL BLOCK LENGTH IN BYTES (0 if the device reports none, e.g. no
    /// medium; validate before dividing by it).
    pub block_len: u32,
}

impl ReadCapacity10 {
    /// Decodes the 8-byte response; [`Error::Truncated`] if shorter.
    pub fn parse(buf: &[u8]) -> Result<ReadCapacity10, Error> {
        Ok(ReadCapacity10 {
            last_lba: be32_at(buf, 0).ok_or(Error::Truncated)?,
            block_len: be32_at(buf, 4).ok_or(Error::Truncated)?,
        })
    }

    /// `true` if the device asks for READ CAPACITY(16) (last LBA 0xffffffff).
    pub const fn needs_16(&self) -> bool {
        self.last_lba == u32::MAX
    }

    /// Number of logical blocks (last LBA + 1); `None` if [`needs_16`].
    ///
    /// [`needs_16`]: ReadCapacity10::needs_16
    pub const fn total_blocks(&self) -> Option<u64> {
        if self.needs_16() {
            None
        } else {
            Some(self.last_lba as u64 + 1)
        }
    }

    /// Capacity in bytes; `None` if [`ReadCapacity10::needs_16`].
    pub fn capacity_bytes(&self) -> Option<u64> {
        self.total_blocks()?.checked_mul(u64::from(self.block_len))
    }

    /// Encodes READ CAPACITY(10) data for an emulated target.
    ///
    /// `total_blocks` is the number of blocks; a device with more than
    /// 2^32 - 1 blocks reports 0xffffffff, and an empty one reports 0.
    pub fn build(total_blocks: u64, block_len: u32, out: &mut [u8; READ_CAPACITY_10_LEN]) {
        let last = total_blocks.saturating_sub(1);
        let last = u32::try_from(last).unwrap_or(u32::MAX);
        let l = last.to_be_bytes();
        let b = block_len.to_be_bytes();
        *out = [l[0], l[1], l[2], l[3], b[0], b[1], b[2], b[3]];
    }
}

/// Decoded READ CAPACITY(16) parameter data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReadCapacity16 {
    /// RETURNED LOGICAL BLOCK ADDRESS: the last LBA.
    pub last_lba: u64,
    /// LOGICAL BLOCK LENGTH IN BYTES.
    pub block_len: u32,
    /// P_TYPE: protection type field (byte 12, bits 3:1); meaningful only
    /// with `prot_en`.
    pub p_type: u8,
    /// PROT_EN: protection information enabled (byte 12, bit 0).
    pub prot_en: bool,
    /// P_I_EXPONENT (byte 13, bits 7:4).
    pub p_i_exponent: u8,
    /// LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (byte 13, bits 3:0).
    pub lbppbe: u8,
    /// LBPME: logical block provisioning management enabled (thin
    /// provisioning; byte 14, bit 7).
    pub lbpme: bool,
    /// LBPRZ: unmapped blocks read as zeros (byte 14, bit 6).
    pub lbprz: bool,
    /// LOWEST ALIGNED LOGICAL BLOCK ADDRESS (14 bits, bytes 14..16).
    pub lowest_aligned_lba: u16,
}

impl ReadCapacity16 {
    /// Decodes READ CAPACITY(16) data.
    ///
    /// The last LBA and block length (12 bytes) are required
    /// ([`Error::Truncated`] otherwise); bytes 12..16 read as zero when the
    /// device returned fewer bytes.
    pub fn parse(buf: &[u8]) -> Result<ReadCapacity16, Error> {
        let last_lba = be64_at(buf, 0).ok_or(Error::Truncated)?;
        let block_len = be32_at(buf, 8).ok_or(Error::Truncated)?;
        let b12 = u8_or_zero(buf, 12);
        let b13 = u8_or_zero(buf, 13);
        let b14 = u8_or_zero(buf, 14);
        Ok(ReadCapacity16 {
            last_lba,
            block_len,
            p_type: (b12 >> 1) & 0x07,
            prot_en: b12 & 0x01 != 0,
            p_i_exponent: b13 >> 4,
            lbppbe: b13 & 0x0f,
            lbpme: b14 & 0x80 != 0,
            lbprz: b14 & 0x40 != 0,
            lowest_aligned_lba: be16_at(buf, 14).unwrap_or(0) & 0x3fff,
        })
    }

    /// Number of logical blocks (last LBA + 1); `None` on overflow.
    pub const fn total_blocks(&self) -> Option<u64> {
        self.last_lba.checked_add(1)
    }

    /// Capacity in bytes; `None` on overflow.
    pub fn capacity_bytes(&self) -> Option<u64> {
        self.total_blocks()?.checked_mul(u64::from(self.block_len))
    }

    /// Protection type 1..=4 when protection is enabled (P_TYPE + 1).
    pub const fn protection_type(&self) -> Option<u8> {
        if self.prot_en {
            Some((self.p_type & 0x07) + 1)
        } else {
            None
        }
    }

    /// Logical blocks per physical block, `2^lbppbe`.
    pub const fn logical_per_physical(&self) -> u32 {
        1u32 << (self.lbppbe & 0x0f)
    }

    /// Physical block length in bytes; `None` on overflow.
    pub const fn physical_block_len(&self) -> Option<u32> {
        self.block_len.checked_mul(self.logical_per_physical())
    }

    /// Encodes 32 bytes of READ CAPACITY(16) data for an emulated target.
    ///
    /// Only the last LBA (`total_blocks - 1`, 0 for an empty device), the
    /// block length, LBPPBE (masked to 4 bits), LBPME and LBPRZ are set.
    pub fn build(
        total_blocks: u64,
        block_len: u32,
        lbppbe: u8,
        lbpme: bool,
        lbprz: bool,
        out: &mut [u8; READ_CAPACITY_16_LEN],
    ) {
        *out = [0; READ_CAPACITY_16_LEN];
        let last = total_blocks.saturating_sub(1);
        let mut b14 = 0u8;
        if lbpme {
            b14 |= 0x80;
        }
        if lbprz {
            b14 |= 0x40;
        }
        // All offsets below are within the 32-byte array.
        let _ = put(out, 0, &last.to_be_bytes());
        let _ = put(out, 8, &block_len.to_be_bytes());
        let _ = put(out, 13, &[lbppbe & 0x0f, b14]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc10_small_disk() {
        // 2 GiB of 512-byte blocks: last LBA 0x3fffff.
        let buf = [0x00, 0x3f, 0xff, 0xff, 0x00, 0x00, 0x02, 0x00];
        let r = ReadCapacity10::parse(&buf).unwrap();
        assert_eq!(r.last_lba, 0x3fffff);
        assert_eq!(r.block_len, 512);
        assert!(!r.needs_16());
        assert_eq!(r.total_blocks(), Some(0x400000));
        assert_eq!(r.capacity_bytes(), Some(2 << 30));
    }

    #[test]
    fn rc10_needs_16() {
        let buf = [0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x10, 0x00];
        let r = ReadCapacity10::parse(&buf).unwrap();
        assert!(r.needs_16());
        assert_eq!(r.total_blocks(), None);
        assert_eq!(r.capacity_bytes(), None);
        // Largest representable capacity.
        let r = ReadCapacity10 {
            last_lba: 0xffff_fffe,
            block_len: u32::MAX,
        };
        assert_eq!(r.total_blocks(), Some(0xffff_ffff));
        assert_eq!(r.capacity_bytes(), Some(0xffff_ffff * 0xffff_ffff));
    }

    #[test]
    fn rc10_truncated() {
        assert_eq!(ReadCapacity10::parse(&[]), Err(Error::Truncated));
        assert_eq!(ReadCapacity10::parse(&[0; 4]), Err(Error::Truncated));
        assert_eq!(ReadCapacity10::parse(&[0; 7]), Err(Error::Truncated));
        assert!(ReadCapacity10::parse(&[0; 8]).is_ok());
    }

    #[test]
    fn rc10_build() {
        let mut b = [0u8; 8];
        ReadCapacity10::build(0x400000, 512, &mut b);
        assert_eq!(b, [0x00, 0x3f, 0xff, 0xff, 0x00, 0x00, 0x02, 0x00]);
        ReadCapacity10::build(1 << 40, 4096, &mut b);
        assert_eq!(b, [0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x10, 0x00]);
        ReadCapacity10::build(0, 512, &mut b);
        assert_eq!(&b[..4], &[0, 0, 0, 0]);
        // 2^32 blocks: last LBA 0xffffffff, so READ CAPACITY(16) is needed.
        ReadCapacity10::build(1 << 32, 512, &mut b);
        assert!(ReadCapacity10::parse(&b).unwrap().needs_16());
    }

    #[test]
    fn rc16_4k_native_thin() {
        // 8 TiB, 512e with 4096-byte physical blocks, LBPME|LBPRZ, lowest
        // aligned LBA 0, protection type 2 enabled.
        let mut buf = [0u8; 32];
        buf[..8].copy_from_slice(&0x3_ffff_ffffu64.to_be_bytes());
        buf[8..12].copy_from_slice(&512u32.to_be_bytes());
        buf[12] = 0x03; // P_TYPE 1 (type 2), PROT_EN
        buf[13] = 0x03; // LBPPBE 3
        buf[14] = 0xc0;
        let r = ReadCapacity16::parse(&buf).unwrap();
        assert_eq!(r.last_lba, 0x3_ffff_ffff);
        assert_eq!(r.total_blocks(), Some(0x4_0000_0000));
        assert_eq!(r.capacity_bytes(), Some(8 << 40));
        assert_eq!(r.block_len, 512);
        assert_eq!(r.protection_type(), Some(2));
        assert_eq!(r.lbppbe, 3);
        assert_eq!(r.logical_per_physical(), 8);
        assert_eq!(r.physical_block_len(), Some(4096));
        assert!(r.lbpme && r.lbprz);
        assert_eq!(r.lowest_aligned_lba, 0);
    }

    #[test]
    fn rc16_fields() {
        let mut buf = [0u8; 32];
        buf[8..12].copy_from_slice(&4096u32.to_be_bytes());
        buf[13] = 0x50; // P_I_EXPONENT 5
        buf[14] = 0xbf; // LBPME, lowest aligned high bits 0x3f
        buf[15] = 0xff;
        let r = ReadCapacity16::parse(&buf).unwrap();
        assert_eq!(r.p_i_exponent, 5);
        assert_eq!(r.lbppbe, 0);
        assert!(r.lbpme && !r.lbprz);
        assert_eq!(r.lowest_aligned_lba, 0x3fff);
        assert_eq!(r.protection_type(), None);
        assert_eq!(r.total_blocks(), Some(1));
    }

    #[test]
    fn rc16_overflow_and_short() {
        let mut buf = [0xffu8; 12];
        let r = ReadCapacity16::parse(&buf).unwrap();
        assert_eq!(r.total_blocks(), None);
        assert_eq!(r.capacity_bytes(), None);
        assert!(!r.prot_en && !r.lbpme);
        buf[..8].copy_from_slice(&(u64::MAX / 2).to_be_bytes());
        let r = ReadCapacity16::parse(&buf).unwrap();
        assert_eq!(r.total_blocks(), Some(1 << 63));
        assert_eq!(r.capacity_bytes(), None);
        let r = ReadCapacity16 { lbppbe: 15, ..r };
        assert_eq!(r.physical_block_len(), None);
        assert_eq!(ReadCapacity16::parse(&[0; 11]), Err(Error::Truncated));
        assert_eq!(ReadCapacity16::parse(&[0; 7]), Err(Error::Truncated));
        assert_eq!(ReadCapacity16::parse(&[]), Err(Error::Truncated));
        // 15 bytes: lowest aligned LBA incomplete reads as zero.
        let r = ReadCapacity16::parse(&[0x01; 15]).unwrap();
        assert_eq!(r.lowest_aligned_lba, 0);
        assert_eq!(r.lbppbe, 1);
    }

    #[test]
    fn rc16_build_round_trip() {
        let mut b = [0xaau8; 32];
        ReadCapacity16::build(1 << 33, 4096, 0, true, true, &mut b);
        let r = ReadCapacity16::parse(&b).unwrap();
        assert_eq!(r.total_blocks(), Some(1 << 33));
        assert_eq!(r.block_len, 4096);
        assert!(r.lbpme && r.lbprz && !r.prot_en);
        assert!(b[16..].iter().all(|&x| x == 0));
        ReadCapacity16::build(0, 512, 0xff, false, false, &mut b);
        let r = ReadCapacity16::parse(&b).unwrap();
        assert_eq!(r.last_lba, 0);
        assert_eq!(r.lbppbe, 15);
    }
}
