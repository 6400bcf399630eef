// SPDX-License-Identifier: GPL-2.0

//! Standard INQUIRY data (SPC-4, "Standard INQUIRY data").
//!
//! [`Inquiry::parse`] needs the first 8 bytes (all flag bytes). The text
//! fields T10 VENDOR IDENTIFICATION (bytes 8..16), PRODUCT IDENTIFICATION
//! (16..32) and PRODUCT REVISION LEVEL (32..36) are read from whatever part
//! of them the buffer holds, so a device returning a short response yields
//! shorter (possibly empty) strings rather than an error.
//!
//! Text handling: the standard requires left-aligned, space-padded,
//! printable ASCII. The `vendor()`/`product()`/`revision()` accessors trim
//! trailing spaces and NULs and return [`Error::NotAscii`] if anything else
//! outside 0x20..=0x7e remains. The `*_lossy()` variants never fail: they
//! replace such bytes by `?` in a caller-provided buffer. The `*_raw()`
//! variants return the untrimmed bytes, which is what Linux shows in the
//! sysfs `vendor`, `model` and `rev` attributes.
//!
//! [`DeviceType::short_name`] gives the names lsscsi prints in its type
//! column, [`DeviceType::proc_name`] the 17-column names Linux uses in
//! `/proc/scsi/scsi` and in the "scsi H:C:T:L: Direct-Access ..." attach
//! message.

use super::bytes::{ascii_lossy, ascii_str, clipped, put, u8_at};
use super::error::Error;

/// Length of standard INQUIRY data up to and including the revision field.
pub const STANDARD_INQUIRY_LEN: usize = 36;

/// PERIPHERAL QUALIFIER: whether a device is attached at this LUN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// 000b: a device of the indicated type is connected to this logical
    /// unit (or the target cannot tell whether it is).
    Connected,
    /// 001b: the target supports a device here, but none is connected now.
    NotConnected,
    /// 010b: reserved.
    Reserved,
    /// 011b: the target cannot support a device at this logical unit.
    NotCapable,
    /// 100b..=111b: vendor specific (the 3-bit value).
    Vendor(u8),
}

impl Qualifier {
    /// Decodes the qualifier from INQUIRY byte 0 (bits 7:5).
    pub const fn from_byte0(b: u8) -> Qualifier {
        match b >> 5 {
            0 => Qualifier::Connected,
            1 => Qualifier::NotConnected,
            2 => Qualifier::Reserved,
            3 => Qualifier::NotCapable,
            v => Qualifier::Vendor(v),
        }
    }

    /// Returns the 3-bit qualifier value.
    pub const fn as_u8(self) -> u8 {
        match self {
            Qualifier::Connected => 0,
            Qualifier::NotConnected => 1,
            Qualifier::Reserved => 2,
            Qualifier::NotCapable => 3,
            Qualifier::Vendor(v) => v & 0x07,
        }
    }
}

/// PERIPHERAL DEVICE TYPE (5 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceType {
    /// 0x00: direct access block device (SBC).
    Disk,
    /// 0x01: sequential access device (SSC), a tape drive.
    Tape,
    /// 0x02: printer.
    Printer,
    /// 0x03: processor device.
    Processor,
    /// 0x04: write-once device.
    Worm,
    /// 0x05: CD/DVD device (MMC).
    CdRom,
    /// 0x06: scanner (obsolete).
    Scanner,
    /// 0x07: optical memory device.
    Optical,
    /// 0x08: medium changer (SMC).
    MediumChanger,
    /// 0x09: communications device (obsolete).
    Comms,
    /// 0x0c: storage array controller (SCC).
    Raid,
    /// 0x0d: enclosure services device (SES).
    Enclosure,
    /// 0x0e: simplified direct access device (RBC).
    Rbc,
    /// 0x0f: optical card reader/writer.
    OpticalCard,
    /// 0x10: bridge controller commands.
    Bridge,
    /// 0x11: object-based storage device (OSD).
    Osd,
    /// 0x12: automation/drive interface (ADC).
    Adc,
    /// 0x13: security manager device.
    SecurityManager,
    /// 0x14: host managed zoned block device (ZBC).
    Zbc,
    /// 0x1e: well known logical unit.
    WellKnownLu,
    /// 0x1f: unknown or no device type.
    NoDevice,
    /// Any other (obsolete or reserved) 5-bit value.
    Other(u8),
}

/// lsscsi's type column, indexed by device type.
const SHORT_NAMES: [&str; 32] = [
    "disk", "tape", "printer", "process", "worm", "cd/dvd", "scanner", "optical", "mediumx",
    "comms", "(0xa)", "(0xb)", "storage", "enclosu", "sim dsk", "opti rd", "bridge", "osd", "adi",
    "sec man", "zbc", "(0x15)", "(0x16)", "(0x17)", "(0x18)", "(0x19)", "(0x1a)", "(0x1b)",
    "(0x1c)", "(0x1d)", "wlun", "no dev",
];

/// Linux's `/proc/scsi/scsi` names, indexed by device type (0..=0x14).
const PROC_NAMES: [&str; 21] = [
    "Direct-Access    ",
    "Sequential-Access",
    "Printer          ",
    "Processor        ",
    "WORM             ",
    "CD-ROM           ",
    "Scanner          ",
    "Optical Device   ",
    "Medium Changer   ",
    "Communications   ",
    "ASC IT8          ",
    "ASC IT8          ",
    "RAID             ",
    "Enclosure        ",
    "Direct-Access-RBC",
    "Optical card     ",
    "Bridge controller",
    "Object storage   ",
    "Automation/Drive ",
    "Security Manager ",
    "Direct-Access-ZBC",
];

impl DeviceType {
    /// Decodes the low five bits of `v` (INQUIRY byte 0, or the sysfs
    /// `type` attribute value).
    pub const fn from_u8(v: u8) -> DeviceType {
        match v & 0x1f {
            0x00 => DeviceType::Disk,
            0x01 => DeviceType::Tape,
            0x02 => DeviceType::Printer,
            0x03 => DeviceType::Processor,
            0x04 => DeviceType::Worm,
            0x05 => DeviceType::CdRom,
            0x06 => DeviceType::Scanner,
            0x07 => DeviceType::Optical,
            0x08 => DeviceType::MediumChanger,
            0x09 => DeviceType::Comms,
            0x0c => DeviceType::Raid,
            0x0d => DeviceType::Enclosure,
            0x0e => DeviceType::Rbc,
            0x0f => DeviceType::OpticalCard,
            0x10 => DeviceType::Bridge,
            0x11 => DeviceType::Osd,
            0x12 => DeviceType::Adc,
            0x13 => DeviceType::SecurityManager,
            0x14 => DeviceType::Zbc,
            0x1e => DeviceType::WellKnownLu,
            0x1f => DeviceType::NoDevice,
            v => DeviceType::Other(v),
        }
    }

    /// Returns the 5-bit device type value (what sysfs `type` shows).
    pub const fn as_u8(self) -> u8 {
        match self {
            DeviceType::Disk => 0x00,
            DeviceType::Tape => 0x01,
            DeviceType::Printer => 0x02,
            DeviceType::Processor => 0x03,
            DeviceType::Worm => 0x04,
            DeviceType::CdRom => 0x05,
            DeviceType::Scanner => 0x06,
            DeviceType::Optical => 0x07,
            DeviceType::MediumChanger => 0x08,
            DeviceType::Comms => 0x09,
            DeviceType::Raid => 0x0c,
            DeviceType::Enclosure => 0x0d,
            DeviceType::Rbc => 0x0e,
            DeviceType::OpticalCard => 0x0f,
            DeviceType::Bridge => 0x10,
            DeviceType::Osd => 0x11,
            DeviceType::Adc => 0x12,
            DeviceType::SecurityManager => 0x13,
            DeviceType::Zbc => 0x14,
            DeviceType::WellKnownLu => 0x1e,
            DeviceType::NoDevice => 0x1f,
            DeviceType::Other(v) => v & 0x1f,
        }
    }

    /// The name lsscsi prints in its type column, without padding: "disk",
    /// "tape", "printer", "process", "worm", "cd/dvd", "scanner", "optical",
    /// "mediumx", "comms", "storage", "enclosu", "sim dsk", "opti rd",
    /// "bridge", "osd", "adi", "sec man", "zbc", "wlun", "no dev", and
    /// "(0xNN)" for the unassigned values (lsscsi left-aligns these in a
    /// field 8 columns wide).
    pub fn short_name(self) -> &'static str {
        SHORT_NAMES
            .get(self.as_u8() as usize)
            .copied()
            .unwrap_or("no dev")
    }

    /// The 17-character, space-padded name Linux uses in `/proc/scsi/scsi`
    /// and in the device attach message: "Direct-Access    ",
    /// "Sequential-Access", "CD-ROM           ", ..., "Well-known LUN   ",
    /// "No Device        ", and "Unknown          " for unassigned values.
    pub fn proc_name(self) -> &'static str {
        match self {
            DeviceType::WellKnownLu => "Well-known LUN   ",
            DeviceType::NoDevice => "No Device        ",
            t => PROC_NAMES
                .get(t.as_u8() as usize)
                .copied()
                .unwrap_or("Unknown          "),
        }
    }
}

/// Decoded standard INQUIRY data borrowing the response buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Inquiry<'a> {
    /// PERIPHERAL QUALIFIER (byte 0, bits 7:5).
    pub qualifier: Qualifier,
    /// PERIPHERAL DEVICE TYPE (byte 0, bits 4:0).
    pub device_type: DeviceType,
    /// RMB: removable medium (byte 1, bit 7).
    pub rmb: bool,
    /// VERSION (byte 2): 0x00 no standard claimed, 0x03 SPC, 0x04 SPC-2,
    /// 0x05 SPC-3, 0x06 SPC-4, 0x07 SPC-5.
    pub version: u8,
    /// NORMACA (byte 3, bit 5).
    pub normaca: bool,
    /// HISUP: hierarchical LUN addressing supported (byte 3, bit 4).
    pub hisup: bool,
    /// RESPONSE DATA FORMAT (byte 3, bits 3:0); 2 for current devices.
    pub response_data_format: u8,
    /// ADDITIONAL LENGTH (byte 4): the device's response length minus 5.
    pub additional_length: u8,
    /// SCCS: embedded storage array controller (byte 5, bit 7).
    pub sccs: bool,
    /// ACC: access controls coordinator (byte 5, bit 6).
    pub acc: bool,
    /// TPGS: target port group support (byte 5, bits 5:4; ALUA).
    pub tpgs: u8,
    /// 3PC: third-party copy supported (byte 5, bit 3).
    pub three_pc: bool,
    /// PROTECT: protection information supported (byte 5, bit 0).
    pub protect: bool,
    /// ENCSERV: embedded enclosure services (byte 6, bit 6).
    pub encserv: bool,
    /// MULTIP: multiple ports (byte 6, bit 4).
    pub multip: bool,
    /// CMDQUE: command queuing supported (byte 7, bit 1).
    pub cmdque: bool,
    raw: &'a [u8],
}

impl<'a> Inquiry<'a> {
    /// Decodes standard INQUIRY data; `buf` holds the bytes transferred.
    ///
    /// Fails with [`Error::Truncated`] below 8 bytes. The response is not
    /// rejected for an unusual RESPONSE DATA FORMAT; check it if needed.
    pub fn parse(buf: &'a [u8]) -> Result<Inquiry<'a>, Error> {
        let hdr = buf.get(..8).ok_or(Error::Truncated)?;
        let b = |i: usize| u8_at(hdr, i).unwrap_or(0);
        Ok(Inquiry {
            qualifier: Qualifier::from_byte0(b(0)),
            device_type: DeviceType::from_u8(b(0)),
            rmb: b(1) & 0x80 != 0,
            version: b(2),
            normaca: b(3) & 0x20 != 0,
            hisup: b(3) & 0x10 != 0,
            response_data_format: b(3) & 0x0f,
            additional_length: b(4),
            sccs: b(5) & 0x80 != 0,
            acc: b(5) & 0x40 != 0,
            tpgs: (b(5) >> 4) & 0x03,
            three_pc: b(5) & 0x08 != 0,
            protect: b(5) & 0x01 != 0,
            encserv: b(6) & 0x40 != 0,
            multip: b(6) & 0x10 != 0,
            cmdque: b(7) & 0x02 != 0,
            raw: buf,
        })
    }

    /// The buffer this was parsed from.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// `true` if a logical unit is present: PERIPHERAL QUALIFIER 000b.
    ///
    /// Qualifier 001b (supported, not connected), 011b (not capable) and the
    /// reserved and vendor values mean no usable logical unit here.
    pub fn lun_present(&self) -> bool {
        self.qualifier == Qualifier::Connected
    }

    /// `true` if the buffer holds all 36 bytes up to the revision field.
    pub fn is_complete(&self) -> bool {
        self.raw.len() >= STANDARD_INQUIRY_LEN
    }

    /// The ANSI version in the low three bits of VERSION (what older
    /// devices report there; identical to VERSION for 0..=7).
    pub fn ansi_version(&self) -> u8 {
        self.version & 0x07
    }

    /// T10 VENDOR IDENTIFICATION bytes as present (up to 8), untrimmed.
    pub fn vendor_raw(&self) -> &'a [u8] {
        clipped(self.raw, 8, 8)
    }

    /// PRODUCT IDENTIFICATION bytes as present (up to 16), untrimmed.
    pub fn product_raw(&self) -> &'a [u8] {
        clipped(self.raw, 16, 16)
    }

    /// PRODUCT REVISION LEVEL bytes as present (up to 4), untrimmed.
    pub fn revision_raw(&self) -> &'a [u8] {
        clipped(self.raw, 32, 4)
    }

    /// Vendor, trailing spaces/NULs trimmed; [`Error::NotAscii`] if other
    /// non-printable bytes remain.
    pub fn vendor(&self) -> Result<&'a str, Error> {
        ascii_str(self.vendor_raw(), false)
    }

    /// Product, trimmed as [`Inquiry::vendor`].
    pub fn product(&self) -> Result<&'a str, Error> {
        ascii_str(self.product_raw(), false)
    }

    /// Revision, trimmed as [`Inquiry::vendor`].
    pub fn revision(&self) -> Result<&'a str, Error> {
        ascii_str(self.revision_raw(), false)
    }

    /// Vendor, trimmed, with non-printable bytes replaced by `?`.
    pub fn vendor_lossy<'o>(&self, out: &'o mut [u8; 8]) -> &'o str {
        ascii_lossy(self.vendor_raw(), false, out)
    }

    /// Product, trimmed, with non-printable bytes replaced by `?`.
    pub fn product_lossy<'o>(&self, out: &'o mut [u8; 16]) -> &'o str {
        ascii_lossy(self.product_raw(), false, out)
    }

    /// Revision, trimmed, with non-printable bytes replaced by `?`.
    pub fn revision_lossy<'o>(&self, out: &'o mut [u8; 4]) -> &'o str {
        ascii_lossy(self.revision_raw(), false, out)
    }
}

/// Contents of standard INQUIRY data to build for an emulated target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StandardInquiry<'s> {
    /// Peripheral device type (qualifier is always 000b).
    pub device_type: DeviceType,
    /// Removable medium.
    pub rmb: bool,
    /// VERSION byte (0x06 claims SPC-4).
    pub version: u8,
    /// HISUP: hierarchical LUN addressing.
    pub hisup: bool,
    /// CMDQUE: command queuing.
    pub cmdque: bool,
    /// Vendor, at most 8 characters used.
    pub vendor: &'s str,
    /// Product, at most 16 characters used.
    pub product: &'s str,
    /// Revision, at most 4 characters used.
    pub revision: &'s str,
}

impl StandardInquiry<'_> {
    /// Writes 36 bytes of standard INQUIRY data (RESPONSE DATA FORMAT 2,
    /// ADDITIONAL LENGTH 31).
    ///
    /// Text is truncated to its field, space padded, and bytes outside
    /// printable ASCII are replaced by `?`.
    pub fn write(&self, out: &mut [u8; STANDARD_INQUIRY_LEN]) {
        *out = [b' '; STANDARD_INQUIRY_LEN];
        let flags3 = 0x02 | if self.hisup { 0x10 } else { 0 };
        let hdr = [
            self.device_type.as_u8(),
            if self.rmb { 0x80 } else { 0 },
            self.version,
            flags3,
            (STANDARD_INQUIRY_LEN - 5) as u8,
            0,
            0,
            if self.cmdque { 0x02 } else { 0 },
        ];
        // The offsets and lengths below are within the 36-byte array.
        let _ = put(out, 0, &hdr);
        fill_text(out, 8, 8, self.vendor);
        fill_text(out, 16, 16, self.product);
        fill_text(out, 32, 4, self.revision);
    }
}

fn fill_text(out: &mut [u8], off: usize, len: usize, text: &str) {
    let dst = match out.get_mut(off..off.saturating_add(len)) {
        Some(d) => d,
        None => return,
    };
    for (d, &s) in dst.iter_mut().zip(text.as_bytes()) {
        *d = if matches!(s, 0x20..=0x7e) { s } else { b'?' };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A QEMU virtio-scsi disk's standard INQUIRY response (36 bytes).
    const QEMU_DISK: [u8; 36] = *b"\x00\x00\x05\x12\x1f\x00\x00\x12QEMU    QEMU HARDDISK   2.5+";

    #[test]
    fn qemu_disk() {
        let q = Inquiry::parse(&QEMU_DISK).unwrap();
        assert_eq!(q.qualifier, Qualifier::Connected);
        assert!(q.lun_present());
        assert_eq!(q.device_type, DeviceType::Disk);
        assert!(!q.rmb);
        assert_eq!(q.version, 5);
        assert_eq!(q.ansi_version(), 5);
        assert_eq!(q.response_data_format, 2);
        assert!(q.hisup);
        assert!(!q.normaca);
        assert_eq!(q.additional_length, 31);
        assert!(q.cmdque);
        assert!(q.is_complete());
        assert_eq!(q.vendor(), Ok("QEMU"));
        assert_eq!(q.product(), Ok("QEMU HARDDISK"));
        assert_eq!(q.revision(), Ok("2.5+"));
        assert_eq!(q.vendor_raw(), b"QEMU    ");
        assert_eq!(q.product_raw(), b"QEMU HARDDISK   ");
        assert_eq!(q.device_type.short_name(), "disk");
        assert_eq!(q.device_type.proc_name(), "Direct-Access    ");
    }

    #[test]
    fn cdrom_removable() {
        let mut b = [0u8; 36];
        StandardInquiry {
            device_type: DeviceType::CdRom,
            rmb: true,
            version: 5,
            hisup: false,
            cmdque: false,
            vendor: "QEMU",
            product: "QEMU CD-ROM",
            revision: "2.5+",
        }
        .write(&mut b);
        assert_eq!(&b[..8], &[0x05, 0x80, 0x05, 0x02, 0x1f, 0, 0, 0]);
        let q = Inquiry::parse(&b).unwrap();
        assert_eq!(q.device_type, DeviceType::CdRom);
        assert!(q.rmb);
        assert_eq!(q.product(), Ok("QEMU CD-ROM"));
        assert_eq!(q.device_type.short_name(), "cd/dvd");
        assert_eq!(q.device_type.proc_name(), "CD-ROM           ");
    }

    #[test]
    fn builder_truncates_and_sanitises() {
        let mut b = [0u8; 36];
        StandardInquiry {
            device_type: DeviceType::Tape,
            rmb: true,
            version: 6,
            hisup: true,
            cmdque: true,
            vendor: "VeryLongVendorName",
            product: "Tape\u{e9}Drive",
            revision: "",
        }
        .write(&mut b);
        let q = Inquiry::parse(&b).unwrap();
        assert_eq!(q.vendor(), Ok("VeryLong"));
        // 'é' is two UTF-8 bytes, each replaced.
        assert_eq!(q.product(), Ok("Tape??Drive"));
        assert_eq!(q.revision(), Ok(""));
        assert!(q.hisup && q.cmdque);
        assert_eq!(q.device_type.short_name(), "tape");
    }

    #[test]
    fn qualifiers() {
        let mut b = QEMU_DISK;
        b[0] = 0x7f; // PQ 011b, type 0x1f: nothing here.
        let q = Inquiry::parse(&b).unwrap();
        assert_eq!(q.qualifier, Qualifier::NotCapable);
        assert_eq!(q.device_type, DeviceType::NoDevice);
        assert!(!q.lun_present());
        b[0] = 0x20;
        let q = Inquiry::parse(&b).unwrap();
        assert_eq!(q.qualifier, Qualifier::NotConnected);
        assert!(!q.lun_present());
        b[0] = 0xe0;
        assert_eq!(Inquiry::parse(&b).unwrap().qualifier, Qualifier::Vendor(7));
        for v in 0u8..8 {
            assert_eq!(Qualifier::from_byte0(v << 5).as_u8(), v);
        }
    }

    #[test]
    fn truncated() {
        assert_eq!(Inquiry::parse(&[]), Err(Error::Truncated));
        assert_eq!(Inquiry::parse(&QEMU_DISK[..7]), Err(Error::Truncated));
        let q = Inquiry::parse(&QEMU_DISK[..8]).unwrap();
        assert_eq!(q.vendor(), Ok(""));
        assert_eq!(q.product(), Ok(""));
        assert!(!q.is_complete());
        let q = Inquiry::parse(&QEMU_DISK[..20]).unwrap();
        assert_eq!(q.vendor(), Ok("QEMU"));
        assert_eq!(q.product(), Ok("QEMU"));
        assert_eq!(q.revision(), Ok(""));
        let q = Inquiry::parse(&QEMU_DISK[..34]).unwrap();
        assert_eq!(q.revision(), Ok("2."));
    }

    #[test]
    fn non_ascii_text() {
        let mut b = QEMU_DISK;
        b[9] = 0x01;
        let q = Inquiry::parse(&b).unwrap();
        assert_eq!(q.vendor(), Err(Error::NotAscii));
        let mut o = [0u8; 8];
        assert_eq!(q.vendor_lossy(&mut o), "Q?MU");
        // NUL padding is trimmed like spaces.
        let mut b = QEMU_DISK;
        b[12..16].copy_from_slice(&[0, 0, 0, 0]);
        let q = Inquiry::parse(&b).unwrap();
        assert_eq!(q.vendor(), Ok("QEMU"));
        // High bytes.
        let mut b = QEMU_DISK;
        b[35] = 0xff;
        let q = Inquiry::parse(&b).unwrap();
        assert_eq!(q.revision(), Err(Error::NotAscii));
        let mut o = [0u8; 4];
        assert_eq!(q.revision_lossy(&mut o), "2.5?");
        let mut o = [0u8; 16];
        assert_eq!(q.product_lossy(&mut o), "QEMU HARDDISK");
    }

    #[test]
    fn flag_bytes() {
        let mut b = QEMU_DISK;
        b[3] = 0x32;
        b[5] = 0xf9;
        b[6] = 0x50;
        b[7] = 0x00;
        let q = Inquiry::parse(&b).unwrap();
        assert!(q.normaca && q.hisup);
        assert!(q.sccs && q.acc && q.three_pc && q.protect);
        assert_eq!(q.tpgs, 3);
        assert!(q.encserv && q.multip);
        assert!(!q.cmdque);
        assert_eq!(q.raw().len(), 36);
    }

    #[test]
    fn device_types() {
        for v in 0u8..32 {
            let t = DeviceType::from_u8(v);
            assert_eq!(t.as_u8(), v);
            assert_eq!(DeviceType::from_u8(v | 0xe0), t);
            assert!(!t.short_name().is_empty());
            assert_eq!(t.proc_name().len(), 17);
        }
        assert_eq!(DeviceType::from_u8(0x0c), DeviceType::Raid);
        assert_eq!(DeviceType::from_u8(0x0d), DeviceType::Enclosure);
        assert_eq!(DeviceType::from_u8(0x0e), DeviceType::Rbc);
        assert_eq!(DeviceType::from_u8(0x0a), DeviceType::Other(0x0a));
        assert_eq!(DeviceType::Other(0xff).as_u8(), 0x1f);
        let names = [
            (DeviceType::Processor, "process", "Processor        "),
            (DeviceType::MediumChanger, "mediumx", "Medium Changer   "),
            (DeviceType::Enclosure, "enclosu", "Enclosure        "),
            (DeviceType::Rbc, "sim dsk", "Direct-Access-RBC"),
            (DeviceType::Raid, "storage", "RAID             "),
            (DeviceType::Zbc, "zbc", "Direct-Access-ZBC"),
            (DeviceType::WellKnownLu, "wlun", "Well-known LUN   "),
            (DeviceType::NoDevice, "no dev", "No Device        "),
            (DeviceType::Other(0x0a), "(0xa)", "ASC IT8          "),
            (DeviceType::Other(0x15), "(0x15)", "Unknown          "),
            (DeviceType::Other(0x1d), "(0x1d)", "Unknown          "),
        ];
        for (t, short, long) in names {
            assert_eq!(t.short_name(), short);
            assert_eq!(t.proc_name(), long);
        }
    }
}
