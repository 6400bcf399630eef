// SPDX-License-Identifier: GPL-2.0

//! Mode parameters: MODE SENSE data and MODE SELECT parameter lists
//! (SPC-4, "Mode parameters"; caching page from SBC-3).
//!
//! Mode data is a header (4 bytes for the 6-byte commands, 8 bytes for the
//! 10-byte ones), zero or more block descriptors, then mode pages.
//! [`ModeData::parse_6`] and [`ModeData::parse_10`] decode the header and
//! limit everything after it to both the MODE DATA LENGTH and the buffer.
//!
//! Pages come in two formats: page_0 (SPF=0: page code and a 1-byte PAGE
//! LENGTH) and sub_page (SPF=1: page code, subpage code and a 2-byte PAGE
//! LENGTH). [`ModeData::pages`] iterates over both; a last page cut short
//! by the allocation length is still returned, flagged `truncated`.
//!
//! [`CachingPage`] reads and edits the caching mode page (0x08) and writes
//! the MODE SELECT parameter list that changes WCE or RCD.

use super::bytes::{be16_at, be24_at, be32_at, be64_at, clipped, prefix, put, suffix, u8_at};
use super::error::Error;

/// Length of the MODE SENSE(6)/MODE SELECT(6) header.
pub const MODE_HEADER_6_LEN: usize = 4;
/// Length of the MODE SENSE(10)/MODE SELECT(10) header.
pub const MODE_HEADER_10_LEN: usize = 8;
/// Length of a short (8-byte) block descriptor.
pub const SHORT_BLOCK_DESC_LEN: usize = 8;
/// Length of a long LBA (16-byte) block descriptor.
pub const LONG_BLOCK_DESC_LEN: usize = 16;

/// Read-write error recovery mode page.
pub const MODE_PAGE_RW_ERROR_RECOVERY: u8 = 0x01;
/// Disconnect-reconnect mode page.
pub const MODE_PAGE_DISCONNECT: u8 = 0x02;
/// Verify error recovery mode page.
pub const MODE_PAGE_VERIFY_ERROR_RECOVERY: u8 = 0x07;
/// Caching mode page.
pub const MODE_PAGE_CACHING: u8 = 0x08;
/// Control mode page.
pub const MODE_PAGE_CONTROL: u8 = 0x0a;
/// Medium configuration mode page (SSC).
pub const MODE_PAGE_MEDIUM_CONFIGURATION: u8 = 0x1d;
/// Power condition mode page.
pub const MODE_PAGE_POWER_CONDITION: u8 = 0x1a;
/// Informational exceptions control mode page.
pub const MODE_PAGE_INFORMATIONAL_EXCEPTIONS: u8 = 0x1c;
/// MM capabilities and mechanical status page (MMC).
pub const MODE_PAGE_MM_CAPABILITIES: u8 = 0x2a;
/// Return all mode pages.
pub const MODE_PAGE_ALL: u8 = 0x3f;

/// Device-specific parameter bit: WP, medium is write protected.
pub const DSP_WP: u8 = 0x80;
/// Device-specific parameter bit (direct access): DPOFUA, the DPO and FUA
/// bits are supported.
pub const DSP_DPOFUA: u8 = 0x10;

/// Which header format mode data uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderKind {
    /// MODE SENSE(6) / MODE SELECT(6): 4-byte header.
    Six,
    /// MODE SENSE(10) / MODE SELECT(10): 8-byte header.
    Ten,
}

/// Decoded mode parameter header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModeHeader {
    /// Header format.
    pub kind: HeaderKind,
    /// MODE DATA LENGTH: bytes after this field (reserved in MODE SELECT).
    pub mode_data_len: u16,
    /// MEDIUM TYPE.
    pub medium_type: u8,
    /// DEVICE-SPECIFIC PARAMETER (see [`DSP_WP`], [`DSP_DPOFUA`]).
    pub device_specific: u8,
    /// LONGLBA: block descriptors are 16 bytes (10-byte header only).
    pub long_lba: bool,
    /// BLOCK DESCRIPTOR LENGTH in bytes.
    pub block_desc_len: u16,
}

impl ModeHeader {
    /// Length of this header: 4 or 8.
    pub const fn header_len(&self) -> usize {
        match self.kind {
            HeaderKind::Six => MODE_HEADER_6_LEN,
            HeaderKind::Ten => MODE_HEADER_10_LEN,
        }
    }

    /// Total length of the mode data the device has (MODE DATA LENGTH plus
    /// the length field itself). Use it as the allocation length to fetch
    /// everything.
    pub const fn total_len(&self) -> usize {
        match self.kind {
            HeaderKind::Six => self.mode_data_len as usize + 1,
            HeaderKind::Ten => self.mode_data_len as usize + 2,
        }
    }

    /// WP: the medium is write protected.
    pub const fn write_protected(&self) -> bool {
        self.device_specific & DSP_WP != 0
    }

    /// DPOFUA: the device supports DPO and FUA (direct access devices).
    pub const fn dpofua(&self) -> bool {
        self.device_specific & DSP_DPOFUA != 0
    }

    /// Encodes a 6-byte-format header (`kind` is ignored).
    ///
    /// [`Error::OutOfRange`] if MODE DATA LENGTH or BLOCK DESCRIPTOR LENGTH
    /// exceeds 255.
    pub fn write_6(&self, out: &mut [u8; MODE_HEADER_6_LEN]) -> Result<(), Error> {
        let mdl = u8::try_from(self.mode_data_len).map_err(|_| Error::OutOfRange)?;
        let bdl = u8::try_from(self.block_desc_len).map_err(|_| Error::OutOfRange)?;
        *out = [mdl, self.medium_type, self.device_specific, bdl];
        Ok(())
    }

    /// Encodes a 10-byte-format header (`kind` is ignored).
    pub fn write_10(&self, out: &mut [u8; MODE_HEADER_10_LEN]) {
        let m = self.mode_data_len.to_be_bytes();
        let b = self.block_desc_len.to_be_bytes();
        *out = [
            m[0],
            m[1],
            self.medium_type,
            self.device_specific,
            if self.long_lba { 0x01 } else { 0 },
            0,
            b[0],
            b[1],
        ];
    }
}

/// Decoded mode data borrowing the response buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModeData<'a> {
    /// The header.
    pub header: ModeHeader,
    block_descs: &'a [u8],
    pages: &'a [u8],
    buf_len: usize,
}

impl<'a> ModeData<'a> {
    /// Decodes MODE SENSE(6) data; [`Error::Truncated`] below 4 bytes.
    pub fn parse_6(buf: &'a [u8]) -> Result<ModeData<'a>, Error> {
        let h = buf.get(..MODE_HEADER_6_LEN).ok_or(Error::Truncated)?;
        let header = ModeHeader {
            kind: HeaderKind::Six,
            mode_data_len: u16::from(u8_at(h, 0).unwrap_or(0)),
            medium_type: u8_at(h, 1).unwrap_or(0),
            device_specific: u8_at(h, 2).unwrap_or(0),
            long_lba: false,
            block_desc_len: u16::from(u8_at(h, 3).unwrap_or(0)),
        };
        Ok(Self::split(header, buf))
    }

    /// Decodes MODE SENSE(10) data; [`Error::Truncated`] below 8 bytes.
    pub fn parse_10(buf: &'a [u8]) -> Result<ModeData<'a>, Error> {
        let h = buf.get(..MODE_HEADER_10_LEN).ok_or(Error::Truncated)?;
        let header = ModeHeader {
            kind: HeaderKind::Ten,
            mode_data_len: be16_at(h, 0).unwrap_or(0),
            medium_type: u8_at(h, 2).unwrap_or(0),
            device_specific: u8_at(h, 3).unwrap_or(0),
            long_lba: u8_at(h, 4).unwrap_or(0) & 0x01 != 0,
            block_desc_len: be16_at(h, 6).unwrap_or(0),
        };
        Ok(Self::split(header, buf))
    }

    fn split(header: ModeHeader, buf: &'a [u8]) -> ModeData<'a> {
        let usable = prefix(buf, header.total_len());
        let hl = header.header_len();
        let bdl = header.block_desc_len as usize;
        ModeData {
            header,
            block_descs: clipped(usable, hl, bdl),
            pages: suffix(usable, hl + bdl),
            buf_len: buf.len(),
        }
    }

    /// `true` if the device has more mode data than the buffer holds.
    pub fn is_truncated(&self) -> bool {
        self.header.total_len() > self.buf_len
    }

    /// The block descriptor bytes present.
    pub fn block_descriptor_bytes(&self) -> &'a [u8] {
        self.block_descs
    }

    /// The mode page bytes present.
    pub fn page_bytes(&self) -> &'a [u8] {
        self.pages
    }

    /// Iterates over the complete block descriptors present (16 bytes each
    /// with LONGLBA, 8 otherwise).
    pub fn block_descriptors(&self) -> BlockDescriptors<'a> {
        BlockDescriptors {
            rest: self.block_descs,
            long: self.header.long_lba,
        }
    }

    /// The first block descriptor, if any (devices normally report one).
    pub fn first_block_descriptor(&self) -> Option<BlockDescriptor> {
        self.block_descriptors().next()
    }

    /// Iterates over the mode pages present.
    pub fn pages(&self) -> ModePages<'a> {
        ModePages { rest: self.pages }
    }

    /// Finds page `page_code` with subpage `subpage` (0 for a page_0
    /// format page).
    pub fn find_page(&self, page_code: u8, subpage: u8) -> Option<ModePage<'a>> {
        self.pages()
            .find(|p| p.page_code == page_code && p.subpage == subpage)
    }
}

/// A block descriptor.
///
/// Short descriptors have two layouts: the direct-access one (SBC: 4-byte
/// NUMBER OF LOGICAL BLOCKS, then a reserved byte and a 3-byte LOGICAL
/// BLOCK LENGTH) and the general one (SPC, e.g. tape: DENSITY CODE, 3-byte
/// NUMBER OF BLOCKS, reserved, 3-byte BLOCK LENGTH). Both readings are
/// provided; pick by device type. Long LBA descriptors are direct-access
/// only (8-byte count, 4-byte length).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockDescriptor {
    /// `true` for a 16-byte long LBA descriptor.
    pub long: bool,
    /// Direct-access NUMBER OF LOGICAL BLOCKS (short: bytes 0..4, long:
    /// 0..8). 0xffffffff in a short descriptor means "too many to report".
    pub blocks: u64,
    /// General format DENSITY CODE (short byte 0; 0 for long).
    pub density_code: u8,
    /// General format NUMBER OF BLOCKS (short bytes 1..4; 0 for long).
    pub general_blocks: u32,
    /// LOGICAL BLOCK LENGTH / BLOCK LENGTH (short: bytes 5..8, long:
    /// 12..16).
    pub block_len: u32,
}

impl BlockDescriptor {
    /// Decodes a short (8-byte) descriptor; `None` if `b` is shorter.
    pub fn parse_short(b: &[u8]) -> Option<BlockDescriptor> {
        Some(BlockDescriptor {
            long: false,
            blocks: u64::from(be32_at(b, 0)?),
            density_code: u8_at(b, 0)?,
            general_blocks: be24_at(b, 1)?,
            block_len: be24_at(b, 5)?,
        })
    }

    /// Decodes a long LBA (16-byte) descriptor; `None` if `b` is shorter.
    pub fn parse_long(b: &[u8]) -> Option<BlockDescriptor> {
        Some(BlockDescriptor {
            long: true,
            blocks: be64_at(b, 0)?,
            density_code: 0,
            general_blocks: 0,
            block_len: be32_at(b, 12)?,
        })
    }

    /// Encodes a short direct-access descriptor (block count saturated to
    /// 0xffffffff, block length masked to 24 bits).
    pub fn write_short_disk(blocks: u64, block_len: u32, out: &mut [u8; SHORT_BLOCK_DESC_LEN]) {
        let n = u32::try_from(blocks).unwrap_or(u32::MAX).to_be_bytes();
        let l = block_len.to_be_bytes();
        *out = [n[0], n[1], n[2], n[3], 0, l[1], l[2], l[3]];
    }
}

/// Iterator over block descriptors.
#[derive(Clone, Debug)]
pub struct BlockDescriptors<'a> {
    rest: &'a [u8],
    long: bool,
}

impl Iterator for BlockDescriptors<'_> {
    type Item = BlockDescriptor;

    fn next(&mut self) -> Option<BlockDescriptor> {
        let (d, len) = if self.long {
            (BlockDescriptor::parse_long(self.rest), LONG_BLOCK_DESC_LEN)
        } else {
            (
                BlockDescriptor::parse_short(self.rest),
                SHORT_BLOCK_DESC_LEN,
            )
        };
        self.rest = suffix(self.rest, len);
        d
    }
}

/// One mode page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModePage<'a> {
    /// PS: the page can be saved (MODE SENSE only; reserved in MODE SELECT).
    pub ps: bool,
    /// SPF: sub_page format.
    pub spf: bool,
    /// PAGE CODE (6 bits).
    pub page_code: u8,
    /// SUBPAGE CODE (0 for page_0 format).
    pub subpage: u8,
    /// PAGE LENGTH as reported (bytes after the 2- or 4-byte page header).
    pub page_len: u16,
    /// The page parameters present (after the page header).
    pub data: &'a [u8],
    /// The whole page as present, header included.
    pub raw: &'a [u8],
    /// `true` if fewer than PAGE LENGTH parameter bytes are present.
    pub truncated: bool,
}

/// Iterator over mode pages; ends after a truncated page.
#[derive(Clone, Debug)]
pub struct ModePages<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for ModePages<'a> {
    type Item = ModePage<'a>;

    fn next(&mut self) -> Option<ModePage<'a>> {
        let b0 = u8_at(self.rest, 0)?;
        let spf = b0 & 0x40 != 0;
        let (subpage, page_len, hl) = if spf {
            (u8_at(self.rest, 1)?, be16_at(self.rest, 2)?, 4)
        } else {
            (0, u16::from(u8_at(self.rest, 1)?), 2)
        };
        let end = hl + page_len as usize;
        let raw = prefix(self.rest, end);
        let data = suffix(raw, hl);
        let truncated = raw.len() < end;
        self.rest = suffix(self.rest, end);
        Some(ModePage {
            ps: b0 & 0x80 != 0,
            spf,
            page_code: b0 & 0x3f,
            subpage,
            page_len,
            data,
            raw,
            truncated,
        })
    }
}

/// Length of the caching mode page (PAGE LENGTH 0x12 plus header).
pub const CACHING_PAGE_LEN: usize = 20;

/// The caching mode page (0x08), copied for inspection and editing.
///
/// The page keeps the length the device reported (capped at 20 bytes), so
/// that writing it back with MODE SELECT matches the device's page length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CachingPage {
    raw: [u8; CACHING_PAGE_LEN],
    len: usize,
}

impl Default for CachingPage {
    fn default() -> Self {
        Self::new()
    }
}

impl CachingPage {
    /// A full-length caching page with all parameters zero.
    pub const fn new() -> CachingPage {
        let mut raw = [0u8; CACHING_PAGE_LEN];
        raw[0] = MODE_PAGE_CACHING;
        raw[1] = (CACHING_PAGE_LEN - 2) as u8;
        CachingPage {
            raw,
            len: CACHING_PAGE_LEN,
        }
    }

    /// Copies a caching page found by [`ModeData::find_page`].
    ///
    /// [`Error::Invalid`] unless it is page 0x08 in page_0 format;
    /// [`Error::Truncated`] if the byte holding WCE and RCD is missing. A
    /// page cut short keeps only the bytes present; PS is cleared, as MODE
    /// SELECT requires.
    pub fn from_page(p: &ModePage<'_>) -> Result<CachingPage, Error> {
        if p.page_code != MODE_PAGE_CACHING || p.spf {
            return Err(Error::Invalid);
        }
        if p.data.is_empty() {
            return Err(Error::Truncated);
        }
        let mut raw = [0u8; CACHING_PAGE_LEN];
        let src = prefix(p.raw, CACHING_PAGE_LEN);
        put(&mut raw, 0, src)?;
        let len = src.len();
        raw[0] = MODE_PAGE_CACHING;
        raw[1] = len.saturating_sub(2) as u8;
        Ok(CachingPage { raw, len })
    }

    /// Finds and copies the caching page in mode data.
    pub fn from_mode_data(m: &ModeData<'_>) -> Result<CachingPage, Error> {
        let p = m.find_page(MODE_PAGE_CACHING, 0).ok_or(Error::Invalid)?;
        Self::from_page(&p)
    }

    /// The page bytes (header included), as long as the device's page.
    pub fn as_bytes(&self) -> &[u8] {
        prefix(&self.raw, self.len)
    }

    /// WCE: write cache enabled (byte 2, bit 2).
    pub const fn wce(&self) -> bool {
        self.raw[2] & 0x04 != 0
    }

    /// RCD: read cache disabled (byte 2, bit 0).
    pub const fn rcd(&self) -> bool {
        self.raw[2] & 0x01 != 0
    }

    /// Sets or clears WCE.
    pub fn set_wce(&mut self, on: bool) {
        if on {
            self.raw[2] |= 0x04;
        } else {
            self.raw[2] &= !0x04;
        }
    }

    /// Sets or clears RCD.
    pub fn set_rcd(&mut self, on: bool) {
        if on {
            self.raw[2] |= 0x01;
        } else {
            self.raw[2] &= !0x01;
        }
    }

    /// Writes the MODE SELECT(6) parameter list (4-byte header with zero
    /// MODE DATA LENGTH, medium type, device-specific parameter and block
    /// descriptor length, then the page) and returns its length, the
    /// parameter list length for [`super::cdb::mode_select_6`].
    pub fn write_select_6(&self, out: &mut [u8; MODE_HEADER_6_LEN + CACHING_PAGE_LEN]) -> usize {
        *out = [0; MODE_HEADER_6_LEN + CACHING_PAGE_LEN];
        // Fits: the page is at most CACHING_PAGE_LEN bytes.
        let _ = put(out, MODE_HEADER_6_LEN, self.as_bytes());
        MODE_HEADER_6_LEN + self.len
    }

    /// Writes the MODE SELECT(10) parameter list (8-byte header, all
    /// zero, then the page) and returns its length.
    pub fn write_select_10(&self, out: &mut [u8; MODE_HEADER_10_LEN + CACHING_PAGE_LEN]) -> usize {
        *out = [0; MODE_HEADER_10_LEN + CACHING_PAGE_LEN];
        let _ = put(out, MODE_HEADER_10_LEN, self.as_bytes());
        MODE_HEADER_10_LEN + self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    // MODE SENSE(6), page 0x08, from a disk: WCE set, DPOFUA, one block
    // descriptor (0x00200000 blocks of 512 bytes).
    const MS6_CACHING: [u8; 32] = [
        0x1f, 0x00, 0x10, 0x08, // header: 31 bytes follow, DPOFUA, BDL 8
        0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, // block descriptor
        0x88, 0x12, 0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x80, 0x14, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, // caching page, PS set
    ];

    #[test]
    fn mode_sense_6_caching() {
        let m = ModeData::parse_6(&MS6_CACHING).unwrap();
        assert_eq!(m.header.kind, HeaderKind::Six);
        assert_eq!(m.header.mode_data_len, 31);
        assert_eq!(m.header.total_len(), 32);
        assert!(m.header.dpofua());
        assert!(!m.header.write_protected());
        assert!(!m.is_truncated());
        let bd: Vec<BlockDescriptor> = m.block_descriptors().collect();
        assert_eq!(bd.len(), 1);
        assert_eq!(bd[0].blocks, 0x0020_0000);
        assert_eq!(bd[0].block_len, 512);
        assert_eq!(m.first_block_descriptor(), Some(bd[0]));
        let pages: Vec<ModePage<'_>> = m.pages().collect();
        assert_eq!(pages.len(), 1);
        let p = pages[0];
        assert!(p.ps && !p.spf && !p.truncated);
        assert_eq!(p.page_code, 8);
        assert_eq!(p.page_len, 0x12);
        assert_eq!(p.data.len(), 18);
        let c = CachingPage::from_mode_data(&m).unwrap();
        assert!(c.wce());
        assert!(!c.rcd());
        assert_eq!(c.as_bytes()[0], 0x08, "PS cleared");
        assert_eq!(c.as_bytes().len(), 20);
    }

    #[test]
    fn caching_select_round_trip() {
        let m = ModeData::parse_6(&MS6_CACHING).unwrap();
        let mut c = CachingPage::from_mode_data(&m).unwrap();
        c.set_wce(false);
        c.set_rcd(true);
        let mut out = [0xaau8; 24];
        let n = c.write_select_6(&mut out);
        assert_eq!(n, 24);
        assert_eq!(&out[..4], &[0, 0, 0, 0]);
        assert_eq!(&out[4..8], &[0x08, 0x12, 0x01, 0x00]);
        assert_eq!(&out[8..], &MS6_CACHING[16..]);
        // And the list parses back as mode data (MODE DATA LENGTH is 0 in
        // MODE SELECT, so patch it as a device would report it).
        let mut back = out;
        back[0] = 23;
        let m2 = ModeData::parse_6(&back).unwrap();
        let c2 = CachingPage::from_mode_data(&m2).unwrap();
        assert!(!c2.wce() && c2.rcd());
        let mut out10 = [0xaau8; 28];
        let n = c.write_select_10(&mut out10);
        assert_eq!(n, 28);
        assert_eq!(&out10[..8], &[0; 8]);
        assert_eq!(&out10[8..], &out[4..]);
        c.set_wce(true);
        c.set_rcd(false);
        assert!(c.wce() && !c.rcd());
    }

    #[test]
    fn short_caching_page_keeps_length() {
        // An old device with a 12-byte caching page (PAGE LENGTH 0x0a).
        let buf = [
            0x0f, 0x00, 0x00, 0x00, // no block descriptors
            0x08, 0x0a, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let m = ModeData::parse_6(&buf).unwrap();
        let c = CachingPage::from_mode_data(&m).unwrap();
        assert_eq!(c.as_bytes().len(), 12);
        let mut out = [0u8; 24];
        assert_eq!(c.write_select_6(&mut out), 16);
        assert_eq!(&out[4..6], &[0x08, 0x0a]);
    }

    #[test]
    fn mode_sense_10_long_lba() {
        let mut buf = [0u8; 8 + 16 + 12];
        buf[..8].copy_from_slice(&[0x00, 0x22, 0x00, 0x80, 0x01, 0x00, 0x00, 0x10]);
        buf[8..16].copy_from_slice(&0x1_0000_0000u64.to_be_bytes());
        buf[20..24].copy_from_slice(&4096u32.to_be_bytes());
        buf[24..36].copy_from_slice(&[0x0a, 0x0a, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let m = ModeData::parse_10(&buf).unwrap();
        assert_eq!(m.header.kind, HeaderKind::Ten);
        assert!(m.header.long_lba);
        assert!(m.header.write_protected());
        assert_eq!(m.header.block_desc_len, 16);
        let bd = m.first_block_descriptor().unwrap();
        assert!(bd.long);
        assert_eq!(bd.blocks, 0x1_0000_0000);
        assert_eq!(bd.block_len, 4096);
        let p = m.find_page(MODE_PAGE_CONTROL, 0).unwrap();
        assert_eq!(p.data[0], 0x02);
        assert!(m.find_page(MODE_PAGE_CACHING, 0).is_none());
        assert_eq!(CachingPage::from_mode_data(&m), Err(Error::Invalid));
        assert_eq!(CachingPage::from_page(&p), Err(Error::Invalid));
    }

    #[test]
    fn tape_block_descriptor() {
        // MODE SENSE(6) from a tape: buffered mode 1, density 0x44,
        // variable block size (0).
        let buf = [0x0b, 0x00, 0x10, 0x08, 0x44, 0, 0, 0, 0, 0, 0, 0];
        let m = ModeData::parse_6(&buf).unwrap();
        let bd = m.first_block_descriptor().unwrap();
        assert_eq!(bd.density_code, 0x44);
        assert_eq!(bd.general_blocks, 0);
        assert_eq!(bd.block_len, 0);
        assert_eq!(m.pages().count(), 0);
        let mut out = [0u8; 8];
        BlockDescriptor::write_short_disk(1 << 40, 0x0100_0200, &mut out);
        assert_eq!(out, [0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0x00]);
        BlockDescriptor::write_short_disk(0x1234, 512, &mut out);
        assert_eq!(BlockDescriptor::parse_short(&out).unwrap().blocks, 0x1234);
    }

    #[test]
    fn subpage_format_pages() {
        let buf = [
            0x00, 0x16, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // header 10, 22 bytes follow
            0x5c, 0x01, 0x00, 0x04, 1, 2, 3, 4, // page 0x1c subpage 1, SPF, PS clear
            0x9a, 0x02, 0x00, 0x00, // page 0x1a, PS, length 2
            0x7f, 0xff, 0x00, 0x10, // subpage header announcing 16 bytes, none present
        ];
        let m = ModeData::parse_10(&buf).unwrap();
        assert!(!m.is_truncated());
        let pages: Vec<ModePage<'_>> = m.pages().collect();
        assert_eq!(pages.len(), 3);
        assert!(pages[0].spf);
        assert_eq!((pages[0].page_code, pages[0].subpage), (0x1c, 1));
        assert_eq!(pages[0].data, &[1, 2, 3, 4]);
        assert!(!pages[0].truncated);
        assert!(pages[1].ps && !pages[1].spf);
        assert_eq!(pages[1].page_code, 0x1a);
        assert_eq!(pages[1].raw, &[0x9a, 0x02, 0x00, 0x00]);
        assert!(pages[2].truncated);
        assert_eq!(pages[2].page_code, 0x3f);
        assert_eq!(pages[2].subpage, 0xff);
        assert_eq!(pages[2].page_len, 16);
        assert!(pages[2].data.is_empty());
        assert!(m.find_page(0x1c, 1).is_some());
        assert!(m.find_page(0x1c, 0).is_none());
        // The device has more data than the buffer holds.
        let mut b2 = buf;
        b2[1] = 0x26;
        assert!(ModeData::parse_10(&b2).unwrap().is_truncated());
        // MODE DATA LENGTH cuts the last page header: it is not returned.
        let mut b3 = buf;
        b3[1] = 0x13;
        assert_eq!(ModeData::parse_10(&b3).unwrap().pages().count(), 2);
    }

    #[test]
    fn truncated_and_garbage() {
        assert_eq!(ModeData::parse_6(&[]), Err(Error::Truncated));
        assert_eq!(ModeData::parse_6(&[3, 0, 0]), Err(Error::Truncated));
        assert_eq!(
            ModeData::parse_10(&[0, 6, 0, 0, 0, 0, 0]),
            Err(Error::Truncated)
        );
        // Block descriptor length beyond the data.
        let m = ModeData::parse_6(&[0x03, 0, 0, 0xff]).unwrap();
        assert_eq!(m.block_descriptors().count(), 0);
        assert_eq!(m.pages().count(), 0);
        // Mode data length says 0: nothing after the header.
        let m = ModeData::parse_6(&[0x00, 0, 0, 0, 0x08, 0x12, 0x04]).unwrap();
        assert_eq!(m.pages().count(), 0);
        assert_eq!(m.block_descriptor_bytes().len(), 0);
        assert_eq!(m.page_bytes().len(), 0);
        // Partial block descriptor.
        let m = ModeData::parse_6(&[0x0b, 0, 0, 0x08, 1, 2, 3]).unwrap();
        assert_eq!(m.block_descriptors().count(), 0);
        assert!(m.is_truncated());
        // Caching page without its WCE byte.
        let m = ModeData::parse_6(&[0x05, 0, 0, 0, 0x08, 0x12]).unwrap();
        assert_eq!(CachingPage::from_mode_data(&m), Err(Error::Truncated));
        // A 1-byte page header.
        let m = ModeData::parse_6(&[0x04, 0, 0, 0, 0x08]).unwrap();
        assert_eq!(m.pages().count(), 0);
    }

    #[test]
    fn header_writers() {
        let h = ModeHeader {
            kind: HeaderKind::Six,
            mode_data_len: 31,
            medium_type: 0,
            device_specific: DSP_DPOFUA,
            long_lba: false,
            block_desc_len: 8,
        };
        let mut o6 = [0u8; 4];
        h.write_6(&mut o6).unwrap();
        assert_eq!(o6, [31, 0, 0x10, 8]);
        let mut o10 = [0u8; 8];
        ModeHeader {
            long_lba: true,
            device_specific: DSP_WP,
            ..h
        }
        .write_10(&mut o10);
        assert_eq!(o10, [0, 31, 0, 0x80, 1, 0, 0, 8]);
        let big = ModeHeader {
            mode_data_len: 256,
            ..h
        };
        assert_eq!(big.write_6(&mut o6), Err(Error::OutOfRange));
        assert_eq!(CachingPage::default(), CachingPage::new());
        assert_eq!(CachingPage::new().as_bytes()[..2], [0x08, 0x12]);
    }
}
