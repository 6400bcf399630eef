// SPDX-License-Identifier: GPL-2.0

//! Vital product data pages (SPC-4 and SBC-3, INQUIRY with EVPD=1).
//!
//! Every page starts with a 4-byte header: peripheral qualifier and device
//! type, PAGE CODE, and a 16-bit PAGE LENGTH counting the bytes after the
//! header. [`VpdPage::parse`] decodes the header and limits the payload to
//! both the page length and the buffer; the page-specific parsers build on
//! it and return [`Error::Invalid`] when handed a different page.
//!
//! Supported: 0x00 (supported pages), 0x80 (unit serial number), 0x83
//! (device identification), 0xb0 (block limits), 0xb1 (block device
//! characteristics) and 0xb2 (logical block provisioning).

use super::bytes::{ascii_lossy, ascii_str, be16_at, be32_at, be64_at, clipped, u8_at, u8_or_zero};
use super::error::Error;
use super::inquiry::{DeviceType, Qualifier};

/// Supported VPD pages.
pub const VPD_SUPPORTED_PAGES: u8 = 0x00;
/// Unit serial number.
pub const VPD_UNIT_SERIAL: u8 = 0x80;
/// Device identification.
pub const VPD_DEVICE_ID: u8 = 0x83;
/// Extended INQUIRY data.
pub const VPD_EXTENDED_INQUIRY: u8 = 0x86;
/// ATA information (SAT).
pub const VPD_ATA_INFORMATION: u8 = 0x89;
/// Block limits (SBC-3).
pub const VPD_BLOCK_LIMITS: u8 = 0xb0;
/// Block device characteristics (SBC-3).
pub const VPD_BLOCK_CHARACTERISTICS: u8 = 0xb1;
/// Logical block provisioning (SBC-3).
pub const VPD_LOGICAL_BLOCK_PROVISIONING: u8 = 0xb2;
/// Zoned block device characteristics (ZBC).
pub const VPD_ZONED_CHARACTERISTICS: u8 = 0xb6;
/// Length of the VPD page header.
pub const VPD_HEADER_LEN: usize = 4;

/// A VPD page: header fields and payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VpdPage<'a> {
    /// PERIPHERAL QUALIFIER.
    pub qualifier: Qualifier,
    /// PERIPHERAL DEVICE TYPE.
    pub device_type: DeviceType,
    /// PAGE CODE.
    pub page_code: u8,
    /// PAGE LENGTH as reported (bytes after the header).
    pub page_len: u16,
    /// The payload present: at most `page_len` bytes after the header.
    pub data: &'a [u8],
}

impl<'a> VpdPage<'a> {
    /// Decodes the header of any VPD page; [`Error::Truncated`] below 4
    /// bytes.
    pub fn parse(buf: &'a [u8]) -> Result<VpdPage<'a>, Error> {
        let b0 = u8_at(buf, 0).ok_or(Error::Truncated)?;
        let page_code = u8_at(buf, 1).ok_or(Error::Truncated)?;
        let page_len = be16_at(buf, 2).ok_or(Error::Truncated)?;
        Ok(VpdPage {
            qualifier: Qualifier::from_byte0(b0),
            device_type: DeviceType::from_u8(b0),
            page_code,
            page_len,
            data: clipped(buf, VPD_HEADER_LEN, page_len as usize),
        })
    }

    /// Like [`VpdPage::parse`], but [`Error::Invalid`] unless the page code
    /// is `page_code`.
    pub fn parse_expect(buf: &'a [u8], page_code: u8) -> Result<VpdPage<'a>, Error> {
        let p = Self::parse(buf)?;
        if p.page_code != page_code {
            return Err(Error::Invalid);
        }
        Ok(p)
    }

    /// `true` if the buffer holds less than PAGE LENGTH bytes of payload;
    /// re-issue INQUIRY with [`VpdPage::required_alloc_len`].
    pub fn is_truncated(&self) -> bool {
        self.data.len() < self.page_len as usize
    }

    /// Allocation length needed for the whole page (header + page length).
    pub const fn required_alloc_len(&self) -> u32 {
        self.page_len as u32 + VPD_HEADER_LEN as u32
    }
}

/// The list of page codes in the supported VPD pages page (0x00).
pub fn supported_pages(buf: &[u8]) -> Result<&[u8], Error> {
    Ok(VpdPage::parse_expect(buf, VPD_SUPPORTED_PAGES)?.data)
}

/// `true` if `page` is listed in the supported VPD pages page in `buf`;
/// `false` if it is not or `buf` is not a valid page 0x00.
pub fn supports_page(buf: &[u8], page: u8) -> bool {
    supported_pages(buf).is_ok_and(|l| l.contains(&page))
}

/// The raw PRODUCT SERIAL NUMBER bytes of page 0x80.
pub fn unit_serial_raw(buf: &[u8]) -> Result<&[u8], Error> {
    Ok(VpdPage::parse_expect(buf, VPD_UNIT_SERIAL)?.data)
}

/// The unit serial number of page 0x80, with leading and trailing spaces
/// (and trailing NULs) removed. [`Error::NotAscii`] if other bytes outside
/// printable ASCII remain.
pub fn unit_serial(buf: &[u8]) -> Result<&str, Error> {
    ascii_str(unit_serial_raw(buf)?, true)
}

/// Like [`unit_serial`], but copies into `out`, replacing non-printable
/// bytes by `?` and truncating to `out.len()`.
pub fn unit_serial_lossy<'o>(buf: &[u8], out: &'o mut [u8]) -> Result<&'o str, Error> {
    Ok(ascii_lossy(unit_serial_raw(buf)?, true, out))
}

/// CODE SET of a designation descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeSet {
    /// 1: binary.
    Binary,
    /// 2: printable ASCII.
    Ascii,
    /// 3: UTF-8.
    Utf8,
    /// Any other (reserved) value.
    Reserved(u8),
}

impl CodeSet {
    /// Decodes the low four bits of `v`.
    pub const fn from_u8(v: u8) -> CodeSet {
        match v & 0x0f {
            1 => CodeSet::Binary,
            2 => CodeSet::Ascii,
            3 => CodeSet::Utf8,
            v => CodeSet::Reserved(v),
        }
    }
}

/// ASSOCIATION of a designation descriptor: what it identifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Association {
    /// 00b: the logical unit.
    LogicalUnit,
    /// 01b: the target port that received the INQUIRY.
    TargetPort,
    /// 10b: the SCSI target device containing the logical unit.
    TargetDevice,
    /// 11b: reserved.
    Reserved,
}

/// DESIGNATOR TYPE of a designation descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DesignatorType {
    /// 0x0: vendor specific.
    VendorSpecific,
    /// 0x1: T10 vendor ID based (8-byte vendor + vendor-specific).
    T10VendorId,
    /// 0x2: EUI-64 based (8, 12 or 16 bytes).
    Eui64,
    /// 0x3: NAA (8 or 16 bytes).
    Naa,
    /// 0x4: relative target port identifier.
    RelativeTargetPort,
    /// 0x5: target port group.
    TargetPortGroup,
    /// 0x6: logical unit group.
    LogicalUnitGroup,
    /// 0x7: MD5 logical unit identifier.
    Md5LogicalUnit,
    /// 0x8: SCSI name string (UTF-8, NUL terminated and padded).
    ScsiName,
    /// 0x9: protocol specific port identifier.
    ProtocolSpecificPort,
    /// 0xa: UUID.
    Uuid,
    /// Any other (reserved) value.
    Reserved(u8),
}

impl DesignatorType {
    /// Decodes the low four bits of `v`.
    pub const fn from_u8(v: u8) -> DesignatorType {
        match v & 0x0f {
            0x0 => DesignatorType::VendorSpecific,
            0x1 => DesignatorType::T10VendorId,
            0x2 => DesignatorType::Eui64,
            0x3 => DesignatorType::Naa,
            0x4 => DesignatorType::RelativeTargetPort,
            0x5 => DesignatorType::TargetPortGroup,
            0x6 => DesignatorType::LogicalUnitGroup,
            0x7 => DesignatorType::Md5LogicalUnit,
            0x8 => DesignatorType::ScsiName,
            0x9 => DesignatorType::ProtocolSpecificPort,
            0xa => DesignatorType::Uuid,
            v => DesignatorType::Reserved(v),
        }
    }
}

/// One designation descriptor of page 0x83.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Designator<'a> {
    /// PROTOCOL IDENTIFIER (byte 0, bits 7:4); meaningful when `piv` is set
    /// and the association is a port or target device.
    pub protocol_id: u8,
    /// CODE SET (byte 0, bits 3:0).
    pub code_set: CodeSet,
    /// PIV: protocol identifier valid (byte 1, bit 7).
    pub piv: bool,
    /// ASSOCIATION (byte 1, bits 5:4).
    pub association: Association,
    /// DESIGNATOR TYPE (byte 1, bits 3:0).
    pub designator_type: DesignatorType,
    /// The DESIGNATOR bytes.
    pub id: &'a [u8],
}

impl<'a> Designator<'a> {
    /// The designator as text for the ASCII and UTF-8 code sets, with
    /// trailing spaces and NULs removed; [`Error::Unsupported`] for binary
    /// designators and [`Error::NotAscii`] for non-printable content.
    pub fn as_str(&self) -> Result<&'a str, Error> {
        match self.code_set {
            CodeSet::Ascii | CodeSet::Utf8 => ascii_str(self.id, false),
            _ => Err(Error::Unsupported),
        }
    }

    /// NAA field (first nibble) of an NAA designator.
    pub fn naa(&self) -> Option<u8> {
        match self.designator_type {
            DesignatorType::Naa => u8_at(self.id, 0).map(|b| b >> 4),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self.designator_type {
            DesignatorType::Naa => 6,
            DesignatorType::Eui64 => 5,
            DesignatorType::ScsiName => 4,
            DesignatorType::Uuid => 3,
            DesignatorType::T10VendorId => 2,
            DesignatorType::Md5LogicalUnit => 1,
            _ => 0,
        }
    }
}

/// Iterator over the designation descriptors of page 0x83.
///
/// Iteration stops at the first descriptor that does not fit in the page.
#[derive(Clone, Debug)]
pub struct Designators<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Designators<'a> {
    type Item = Designator<'a>;

    fn next(&mut self) -> Option<Designator<'a>> {
        let b0 = u8_at(self.rest, 0)?;
        let b1 = u8_at(self.rest, 1)?;
        let len = u8_at(self.rest, 3)? as usize;
        let end = 4 + len;
        let id = match self.rest.get(4..end) {
            Some(id) => id,
            None => {
                self.rest = &[];
                return None;
            }
        };
        self.rest = self.rest.get(end..).unwrap_or(&[]);
        Some(Designator {
            protocol_id: b0 >> 4,
            code_set: CodeSet::from_u8(b0),
            piv: b1 & 0x80 != 0,
            association: match (b1 >> 4) & 0x03 {
                0 => Association::LogicalUnit,
                1 => Association::TargetPort,
                2 => Association::TargetDevice,
                _ => Association::Reserved,
            },
            designator_type: DesignatorType::from_u8(b1),
            id,
        })
    }
}

/// The designation descriptors of the device identification page (0x83).
pub fn designators(buf: &[u8]) -> Result<Designators<'_>, Error> {
    Ok(Designators {
        rest: VpdPage::parse_expect(buf, VPD_DEVICE_ID)?.data,
    })
}

/// Picks the designator best suited as a persistent logical unit name.
///
/// Only descriptors with logical unit association and a non-empty
/// designator count. Preference by type: NAA, EUI-64, SCSI name string,
/// UUID, T10 vendor ID, MD5; a longer designator wins within a type (e.g.
/// NAA IEEE Registered Extended over Registered), and the first one
/// listed wins a full tie. `None` if there is none or `buf` is not page
/// 0x83.
pub fn best_lu_designator(buf: &[u8]) -> Option<Designator<'_>> {
    let mut best: Option<Designator<'_>> = None;
    for d in designators(buf).ok()? {
        if d.association != Association::LogicalUnit || d.id.is_empty() {
            continue;
        }
        let better = match &best {
            None => true,
            Some(b) => (d.rank(), d.id.len()) > (b.rank(), b.id.len()),
        };
        if better {
            best = Some(d);
        }
    }
    best
}

/// Decoded block limits page (0xb0).
///
/// Fields beyond the returned page length read as zero, which SBC-3 defines
/// as "not reported" / "no limit" for all of them. Lengths are in logical
/// blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BlockLimits {
    /// WSNZ: WRITE SAME with zero blocks not supported (byte 4, bit 0).
    pub wsnz: bool,
    /// MAXIMUM COMPARE AND WRITE LENGTH (byte 5).
    pub max_compare_write_len: u8,
    /// OPTIMAL TRANSFER LENGTH GRANULARITY (bytes 6..8).
    pub opt_xfer_granularity: u16,
    /// MAXIMUM TRANSFER LENGTH (bytes 8..12).
    pub max_xfer_len: u32,
    /// OPTIMAL TRANSFER LENGTH (bytes 12..16).
    pub opt_xfer_len: u32,
    /// MAXIMUM PREFETCH LENGTH (bytes 16..20).
    pub max_prefetch_len: u32,
    /// MAXIMUM UNMAP LBA COUNT (bytes 20..24).
    pub max_unmap_lba_count: u32,
    /// MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT (bytes 24..28).
    pub max_unmap_desc_count: u32,
    /// OPTIMAL UNMAP GRANULARITY (bytes 28..32).
    pub unmap_granularity: u32,
    /// UNMAP GRANULARITY ALIGNMENT (bytes 32..36), when UGAVALID is set.
    pub unmap_alignment: Option<u32>,
    /// MAXIMUM WRITE SAME LENGTH (bytes 36..44).
    pub max_write_same_len: u64,
}

impl BlockLimits {
    /// Decodes page 0xb0 (header required; see the type for short pages).
    pub fn parse(buf: &[u8]) -> Result<BlockLimits, Error> {
        let d = VpdPage::parse_expect(buf, VPD_BLOCK_LIMITS)?.data;
        // Offsets below are relative to the payload (page byte - 4).
        let uga = be32_at(d, 28).unwrap_or(0);
        Ok(BlockLimits {
            wsnz: u8_or_zero(d, 0) & 0x01 != 0,
            max_compare_write_len: u8_or_zero(d, 1),
            opt_xfer_granularity: be16_at(d, 2).unwrap_or(0),
            max_xfer_len: be32_at(d, 4).unwrap_or(0),
            opt_xfer_len: be32_at(d, 8).unwrap_or(0),
            max_prefetch_len: be32_at(d, 12).unwrap_or(0),
            max_unmap_lba_count: be32_at(d, 16).unwrap_or(0),
            max_unmap_desc_count: be32_at(d, 20).unwrap_or(0),
            unmap_granularity: be32_at(d, 24).unwrap_or(0),
            unmap_alignment: if uga & 0x8000_0000 != 0 {
                Some(uga & 0x7fff_ffff)
            } else {
                None
            },
            max_write_same_len: be64_at(d, 32).unwrap_or(0),
        })
    }
}

/// MEDIUM ROTATION RATE of page 0xb1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rotation {
    /// 0x0000: not reported.
    NotReported,
    /// 0x0001: non-rotating medium (solid state).
    NonRotating,
    /// 0x0401..=0xfffe: nominal rotation rate in rpm.
    Rpm(u16),
    /// Any other (reserved) value.
    Reserved(u16),
}

/// Decoded block device characteristics page (0xb1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockCharacteristics {
    /// MEDIUM ROTATION RATE (bytes 4..6), raw.
    pub rotation_rate: u16,
    /// PRODUCT TYPE (byte 6).
    pub product_type: u8,
    /// NOMINAL FORM FACTOR (byte 7, bits 3:0).
    pub form_factor: u8,
    /// ZONED (byte 8, bits 5:4): 0 not reported, 1 host aware, 2 device
    /// managed (SBC-4).
    pub zoned: u8,
    /// FUAB (byte 8, bit 1).
    pub fuab: bool,
    /// VBULS (byte 8, bit 0).
    pub vbuls: bool,
}

impl BlockCharacteristics {
    /// Decodes page 0xb1; the rotation rate (page bytes 4..6) is required,
    /// later fields read as zero when absent.
    pub fn parse(buf: &[u8]) -> Result<BlockCharacteristics, Error> {
        let d = VpdPage::parse_expect(buf, VPD_BLOCK_CHARACTERISTICS)?.data;
        let rotation_rate = be16_at(d, 0).ok_or(Error::Truncated)?;
        let b8 = u8_or_zero(d, 4);
        Ok(BlockCharacteristics {
            rotation_rate,
            product_type: u8_or_zero(d, 2),
            form_factor: u8_or_zero(d, 3) & 0x0f,
            zoned: (b8 >> 4) & 0x03,
            fuab: b8 & 0x02 != 0,
            vbuls: b8 & 0x01 != 0,
        })
    }

    /// The rotation rate decoded.
    pub const fn rotation(&self) -> Rotation {
        match self.rotation_rate {
            0 => Rotation::NotReported,
            1 => Rotation::NonRotating,
            r @ 0x0401..=0xfffe => Rotation::Rpm(r),
            r => Rotation::Reserved(r),
        }
    }

    /// `true` for solid-state media (rotation rate 1); what Linux exports
    /// as `queue/rotational` = 0.
    pub const fn is_non_rotational(&self) -> bool {
        self.rotation_rate == 1
    }
}

/// Decoded logical block provisioning page (0xb2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Provisioning {
    /// THRESHOLD EXPONENT (byte 4).
    pub threshold_exponent: u8,
    /// LBPU: UNMAP supported (byte 5, bit 7).
    pub lbpu: bool,
    /// LBPWS: WRITE SAME(16) with UNMAP supported (byte 5, bit 6).
    pub lbpws: bool,
    /// LBPWS10: WRITE SAME(10) with UNMAP supported (byte 5, bit 5).
    pub lbpws10: bool,
    /// LBPRZ (byte 5, bits 4:2): 0 unmapped data not specified, 1 reads
    /// as zeros (SBC-3's single bit), 2 reads the provisioning pattern.
    pub lbprz: u8,
    /// ANC_SUP: anchored LBAs supported (byte 5, bit 1).
    pub anc_sup: bool,
    /// DP: a provisioning group descriptor follows (byte 5, bit 0).
    pub dp: bool,
    /// PROVISIONING TYPE (byte 6, bits 2:0): 0 not reported or fully
    /// provisioned, 1 resource provisioned, 2 thin provisioned.
    pub provisioning_type: u8,
}

impl Provisioning {
    /// Decodes page 0xb2; page bytes 4 and 5 are required, byte 6 reads
    /// as zero when absent.
    pub fn parse(buf: &[u8]) -> Result<Provisioning, Error> {
        let d = VpdPage::parse_expect(buf, VPD_LOGICAL_BLOCK_PROVISIONING)?.data;
        let b4 = u8_at(d, 0).ok_or(Error::Truncated)?;
        let b5 = u8_at(d, 1).ok_or(Error::Truncated)?;
        Ok(Provisioning {
            threshold_exponent: b4,
            lbpu: b5 & 0x80 != 0,
            lbpws: b5 & 0x40 != 0,
            lbpws10: b5 & 0x20 != 0,
            lbprz: (b5 >> 2) & 0x07,
            anc_sup: b5 & 0x02 != 0,
            dp: b5 & 0x01 != 0,
            provisioning_type: u8_or_zero(d, 2) & 0x07,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn header() {
        let buf = [0x00, 0x00, 0x00, 0x03, 0x00, 0x80, 0x83];
        let p = VpdPage::parse(&buf).unwrap();
        assert_eq!(p.page_code, 0);
        assert_eq!(p.page_len, 3);
        assert_eq!(p.data, &[0x00, 0x80, 0x83]);
        assert_eq!(p.device_type, DeviceType::Disk);
        assert_eq!(p.qualifier, Qualifier::Connected);
        assert!(!p.is_truncated());
        assert_eq!(p.required_alloc_len(), 7);
        assert_eq!(VpdPage::parse(&buf[..3]), Err(Error::Truncated));
        assert_eq!(VpdPage::parse(&[]), Err(Error::Truncated));
        assert_eq!(VpdPage::parse_expect(&buf, 0x80), Err(Error::Invalid));
        // Page length beyond the buffer.
        let p = VpdPage::parse(&buf[..5]).unwrap();
        assert!(p.is_truncated());
        assert_eq!(p.data, &[0x00]);
        // Page length shorter than the buffer.
        let buf = [0x05, 0x00, 0x00, 0x01, 0x00, 0x80, 0x83];
        let p = VpdPage::parse(&buf).unwrap();
        assert_eq!(p.data, &[0x00]);
        assert_eq!(p.device_type, DeviceType::CdRom);
    }

    #[test]
    fn supported() {
        let buf = [
            0x00, 0x00, 0x00, 0x07, 0x00, 0x80, 0x83, 0x86, 0xb0, 0xb1, 0xb2,
        ];
        assert_eq!(
            supported_pages(&buf).unwrap(),
            &[0x00, 0x80, 0x83, 0x86, 0xb0, 0xb1, 0xb2]
        );
        assert!(supports_page(&buf, VPD_BLOCK_LIMITS));
        assert!(!supports_page(&buf, VPD_ZONED_CHARACTERISTICS));
        assert!(!supports_page(&buf[..2], 0x00));
        let wrong = [0x00, 0x80, 0x00, 0x01, 0x00];
        assert_eq!(supported_pages(&wrong), Err(Error::Invalid));
        assert!(!supports_page(&wrong, 0x00));
    }

    #[test]
    fn serial() {
        let buf = *b"\x00\x80\x00\x0c  ABC-123\0\0\0";
        assert_eq!(unit_serial(&buf), Ok("ABC-123"));
        assert_eq!(unit_serial_raw(&buf).unwrap().len(), 12);
        let mut bad = buf;
        bad[7] = 0x07;
        assert_eq!(unit_serial(&bad), Err(Error::NotAscii));
        let mut o = [0u8; 32];
        assert_eq!(unit_serial_lossy(&bad, &mut o), Ok("A?C-123"));
        let mut o = [0u8; 3];
        assert_eq!(unit_serial_lossy(&buf, &mut o), Ok("ABC"));
        // Empty serial.
        assert_eq!(unit_serial(&[0, 0x80, 0, 0]), Ok(""));
        assert_eq!(unit_serial(&[0, 0x83, 0, 0]), Err(Error::Invalid));
        assert_eq!(unit_serial(&[0, 0x80]), Err(Error::Truncated));
    }

    // Device identification page as returned by a QEMU scsi-hd with a
    // serial, a T10 vendor ID, an NAA 6 and an EUI-64 designator, plus a
    // relative target port descriptor.
    const DEVID: [u8; 62] = [
        0x00, 0x83, 0x00, 0x3a, //
        0x02, 0x01, 0x00, 0x0e, b'Q', b'E', b'M', b'U', b' ', b' ', b' ', b' ', b'd', b'i', b's',
        b'k', b'0', b'1', // T10 vendor ID, ASCII, 14 bytes
        0x01, 0x03, 0x00, 0x10, 0x60, 0x01, 0x40, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, // NAA 6, 16 bytes
        0x01, 0x02, 0x00, 0x08, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, // EUI-64
        0x61, 0x94, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, // relative target port 1 (SAS, PIV)
    ];

    #[test]
    fn device_id() {
        let ds: Vec<Designator<'_>> = designators(&DEVID).unwrap().collect();
        assert_eq!(ds.len(), 4);
        assert_eq!(ds[0].designator_type, DesignatorType::T10VendorId);
        assert_eq!(ds[0].code_set, CodeSet::Ascii);
        assert_eq!(ds[0].association, Association::LogicalUnit);
        assert_eq!(ds[0].as_str(), Ok("QEMU    disk01"));
        assert_eq!(ds[1].designator_type, DesignatorType::Naa);
        assert_eq!(ds[1].naa(), Some(6));
        assert_eq!(ds[1].id.len(), 16);
        assert_eq!(ds[1].as_str(), Err(Error::Unsupported));
        assert_eq!(ds[2].designator_type, DesignatorType::Eui64);
        assert_eq!(ds[2].naa(), None);
        assert_eq!(ds[3].designator_type, DesignatorType::RelativeTargetPort);
        assert_eq!(ds[3].association, Association::TargetPort);
        assert!(ds[3].piv);
        assert_eq!(ds[3].protocol_id, 6);
        assert_eq!(ds[3].code_set, CodeSet::Binary);
        let best = best_lu_designator(&DEVID).unwrap();
        assert_eq!(best.designator_type, DesignatorType::Naa);
        assert_eq!(best.id, &DEVID[26..42]);
    }

    #[test]
    fn device_id_ranking_and_truncation() {
        // Only the T10 vendor ID: it is the best.
        let mut p = [0u8; 22];
        p.copy_from_slice(&DEVID[..22]);
        p[3] = 18;
        assert_eq!(
            best_lu_designator(&p).unwrap().designator_type,
            DesignatorType::T10VendorId
        );
        // Longer NAA wins over shorter NAA.
        let buf = [
            0x00, 0x83, 0x00, 0x20, //
            0x01, 0x03, 0x00, 0x08, 0x50, 0, 0, 0, 0, 0, 0, 1, // NAA 5
            0x01, 0x03, 0x00, 0x10, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            2, // NAA 6
        ];
        assert_eq!(best_lu_designator(&buf).unwrap().naa(), Some(6));
        // Truncated descriptor: iteration stops, no panic.
        let cut = &DEVID[..30];
        assert_eq!(designators(cut).unwrap().count(), 1);
        // Designator length overflowing the page length.
        let mut over = DEVID;
        over[7] = 0xff;
        assert_eq!(designators(&over).unwrap().count(), 0);
        assert_eq!(best_lu_designator(&over), None);
        assert!(designators(&[0, 0x80, 0, 0]).is_err());
        assert_eq!(best_lu_designator(&[]), None);
        // Reserved values decode without loss.
        assert_eq!(CodeSet::from_u8(0xf), CodeSet::Reserved(0xf));
        assert_eq!(DesignatorType::from_u8(0xb), DesignatorType::Reserved(0xb));
        assert_eq!(DesignatorType::from_u8(0x8), DesignatorType::ScsiName);
    }

    #[test]
    fn block_limits_full() {
        let mut buf = [0u8; 64];
        buf[1] = 0xb0;
        buf[3] = 0x3c;
        buf[4] = 0x01;
        buf[5] = 0x01;
        buf[6..8].copy_from_slice(&8u16.to_be_bytes());
        buf[8..12].copy_from_slice(&0xffffu32.to_be_bytes());
        buf[12..16].copy_from_slice(&128u32.to_be_bytes());
        buf[20..24].copy_from_slice(&0x400000u32.to_be_bytes());
        buf[24..28].copy_from_slice(&1u32.to_be_bytes());
        buf[28..32].copy_from_slice(&8u32.to_be_bytes());
        buf[32..36].copy_from_slice(&0x8000_0002u32.to_be_bytes());
        buf[36..44].copy_from_slice(&0x40_0000u64.to_be_bytes());
        let l = BlockLimits::parse(&buf).unwrap();
        assert!(l.wsnz);
        assert_eq!(l.max_compare_write_len, 1);
        assert_eq!(l.opt_xfer_granularity, 8);
        assert_eq!(l.max_xfer_len, 0xffff);
        assert_eq!(l.opt_xfer_len, 128);
        assert_eq!(l.max_prefetch_len, 0);
        assert_eq!(l.max_unmap_lba_count, 0x400000);
        assert_eq!(l.max_unmap_desc_count, 1);
        assert_eq!(l.unmap_granularity, 8);
        assert_eq!(l.unmap_alignment, Some(2));
        assert_eq!(l.max_write_same_len, 0x40_0000);
    }

    #[test]
    fn block_limits_short_page() {
        // Old devices return page length 0x10: unmap fields absent.
        let mut buf = [0u8; 20];
        buf[1] = 0xb0;
        buf[3] = 0x10;
        buf[8..12].copy_from_slice(&0x800u32.to_be_bytes());
        let l = BlockLimits::parse(&buf).unwrap();
        assert_eq!(l.max_xfer_len, 0x800);
        assert_eq!(l.max_unmap_lba_count, 0);
        assert_eq!(l.unmap_alignment, None);
        assert_eq!(l.max_write_same_len, 0);
        // Header only.
        assert_eq!(
            BlockLimits::parse(&[0, 0xb0, 0, 0]).unwrap(),
            BlockLimits::default()
        );
        // Page length cuts a field in half: it reads as zero.
        let mut buf2 = buf;
        buf2[3] = 6;
        assert_eq!(BlockLimits::parse(&buf2).unwrap().max_xfer_len, 0);
        assert_eq!(BlockLimits::parse(&[0, 0xb1, 0, 0]), Err(Error::Invalid));
    }

    #[test]
    fn block_characteristics() {
        let mut buf = [0u8; 64];
        buf[1] = 0xb1;
        buf[3] = 0x3c;
        buf[5] = 0x01;
        buf[7] = 0x03;
        buf[8] = 0x13;
        let c = BlockCharacteristics::parse(&buf).unwrap();
        assert!(c.is_non_rotational());
        assert_eq!(c.rotation(), Rotation::NonRotating);
        assert_eq!(c.form_factor, 3);
        assert_eq!(c.zoned, 1);
        assert!(c.vbuls && c.fuab);
        buf[4..6].copy_from_slice(&7200u16.to_be_bytes());
        let c = BlockCharacteristics::parse(&buf).unwrap();
        assert_eq!(c.rotation(), Rotation::Rpm(7200));
        assert!(!c.is_non_rotational());
        buf[4..6].copy_from_slice(&0u16.to_be_bytes());
        assert_eq!(
            BlockCharacteristics::parse(&buf).unwrap().rotation(),
            Rotation::NotReported
        );
        buf[4..6].copy_from_slice(&0x0200u16.to_be_bytes());
        assert_eq!(
            BlockCharacteristics::parse(&buf).unwrap().rotation(),
            Rotation::Reserved(0x200)
        );
        buf[4..6].copy_from_slice(&0xffffu16.to_be_bytes());
        assert_eq!(
            BlockCharacteristics::parse(&buf).unwrap().rotation(),
            Rotation::Reserved(0xffff)
        );
        assert_eq!(
            BlockCharacteristics::parse(&[0, 0xb1, 0, 1, 0]),
            Err(Error::Truncated)
        );
        let c = BlockCharacteristics::parse(&[0, 0xb1, 0, 2, 0x15, 0x7c]).unwrap();
        assert_eq!(c.rotation(), Rotation::Rpm(5500));
        assert_eq!(c.zoned, 0);
    }

    #[test]
    fn provisioning() {
        let buf = [0x00, 0xb2, 0x00, 0x04, 0x00, 0xe4, 0x02, 0x00];
        let p = Provisioning::parse(&buf).unwrap();
        assert!(p.lbpu && p.lbpws && p.lbpws10);
        assert_eq!(p.lbprz, 1);
        assert!(!p.anc_sup && !p.dp);
        assert_eq!(p.provisioning_type, 2);
        let p = Provisioning::parse(&[0x00, 0xb2, 0x00, 0x02, 0x05, 0x40]).unwrap();
        assert!(!p.lbpu && p.lbpws && !p.lbpws10);
        assert_eq!(p.threshold_exponent, 5);
        assert_eq!(p.provisioning_type, 0);
        assert_eq!(
            Provisioning::parse(&[0x00, 0xb2, 0x00, 0x01, 0x05]),
            Err(Error::Truncated)
        );
        assert_eq!(
            Provisioning::parse(&[0x00, 0xb2, 0x00, 0x04, 0x05]),
            Err(Error::Truncated)
        );
        assert_eq!(
            Provisioning::parse(&[0x00, 0xb0, 0x00, 0x04, 0, 0, 0, 0]),
            Err(Error::Invalid)
        );
    }
}
