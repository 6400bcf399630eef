// SPDX-License-Identifier: GPL-2.0

//! Primary commands shared by every device kind (SPC-4): INQUIRY with the
//! standard data and the vital product data pages 0x00, 0x80 and 0x83,
//! MODE SENSE(6)/(10) and MODE SELECT(6)/(10), SEND DIAGNOSTIC, and the
//! CDB field accessors the device kinds use.
//!
//! A device kind plugs its own pages into these through the [`Device`]
//! trait: extra VPD pages, the mode pages with their current, changeable
//! and default values, the block descriptor and the mode parameter header's
//! device-specific byte. MODE SELECT is generic: it checks every page
//! against the changeable mask (SPC-4, "Mode parameters": a bit that is not
//! changeable must keep its current value) and applies the list only if all
//! of it is valid.

use super::bytes::{be16_at, be32_at, be64_at, put, u8_or_zero};
use super::cdb::PageControl;
use super::databuf::Xfer;
use super::inquiry::{DeviceType, StandardInquiry, STANDARD_INQUIRY_LEN};
use super::mode::{HeaderKind, ModeHeader, MODE_HEADER_10_LEN, MODE_HEADER_6_LEN};
use super::outcome::{Check, CmdResult};
use super::sense::asc;
use super::vpd::{VPD_DEVICE_ID, VPD_HEADER_LEN, VPD_SUPPORTED_PAGES, VPD_UNIT_SERIAL};

/// VERSION field of the standard INQUIRY data: SPC-4.
pub const VERSION_SPC4: u8 = 0x06;
/// Longest mode page any device kind builds, header included.
pub const MAX_MODE_PAGE_LEN: usize = 64;
/// Longest MODE SELECT parameter list accepted.
pub const MAX_MODE_SELECT_LEN: usize = 256;
/// Longest VPD page payload any device kind builds.
pub const MAX_VPD_LEN: usize = 96;

/// Byte `i` of the CDB, zero past its end.
#[inline]
pub fn cdb_u8(cdb: &[u8], i: usize) -> u8 {
    u8_or_zero(cdb, i)
}

/// Big-endian 16-bit CDB field at `i`, zero if absent.
#[inline]
pub fn cdb_be16(cdb: &[u8], i: usize) -> u16 {
    be16_at(cdb, i).unwrap_or(0)
}

/// Big-endian 24-bit CDB field at `i`, zero if absent.
#[inline]
pub fn cdb_be24(cdb: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([0, cdb_u8(cdb, i), cdb_u8(cdb, i + 1), cdb_u8(cdb, i + 2)])
}

/// Big-endian 32-bit CDB field at `i`, zero if absent.
#[inline]
pub fn cdb_be32(cdb: &[u8], i: usize) -> u32 {
    be32_at(cdb, i).unwrap_or(0)
}

/// Big-endian 64-bit CDB field at `i`, zero if absent.
#[inline]
pub fn cdb_be64(cdb: &[u8], i: usize) -> u64 {
    be64_at(cdb, i).unwrap_or(0)
}

/// Fails with INVALID FIELD IN CDB if any bit of `mask` is set in byte `i`
/// (reserved or unsupported bits); the field pointer names the highest such
/// bit.
pub fn reserved(cdb: &[u8], i: usize, mask: u8) -> CmdResult {
    let bad = cdb_u8(cdb, i) & mask;
    if bad == 0 {
        return Ok(());
    }
    let bit = 7 - bad.leading_zeros() as u8;
    Err(Check::invalid_cdb(i as u16, Some(bit)))
}

/// Copies `src` into the start of `dst`, as much as fits; returns the bytes
/// copied.
pub fn copy_bytes(dst: &mut [u8], src: &[u8]) -> usize {
    let n = dst.len().min(src.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
        d.copy_from_slice(s);
    }
    n
}

/// Writes a whole page into `out`; returns its length, or 0 (nothing
/// written) if it does not fit.
pub fn emit(out: &mut [u8], page: &[u8]) -> usize {
    match put(out, 0, page) {
        Ok(()) => page.len(),
        Err(_) => 0,
    }
}

/// Identification strings of a logical unit, stored as INQUIRY sends them
/// (printable ASCII, space padded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    vendor: [u8; 8],
    product: [u8; 16],
    revision: [u8; 4],
    serial: [u8; 20],
    serial_len: usize,
    unit_id: u64,
}

/// Copies printable ASCII from `s` into `out` (others become `?`), pads
/// with spaces and returns the number of bytes taken from `s`.
fn fill_ascii(out: &mut [u8], s: &str) -> usize {
    let mut n = 0;
    for (i, d) in out.iter_mut().enumerate() {
        *d = match s.as_bytes().get(i) {
            Some(&c) => {
                n += 1;
                if (0x20..=0x7e).contains(&c) {
                    c
                } else {
                    b'?'
                }
            }
            None => b' ',
        };
    }
    n
}

fn as_str(b: &[u8]) -> &str {
    core::str::from_utf8(b).unwrap_or("")
}

impl Identity {
    /// Builds the identity; strings are truncated to their INQUIRY field
    /// widths (8, 16, 4 and 20 bytes). An empty serial number is replaced
    /// by `unit_id` in hexadecimal. `unit_id` also makes the NAA designator
    /// of VPD page 0x83.
    pub fn new(vendor: &str, product: &str, revision: &str, serial: &str, unit_id: u64) -> Self {
        let mut id = Identity {
            vendor: [b' '; 8],
            product: [b' '; 16],
            revision: [b' '; 4],
            serial: [b' '; 20],
            serial_len: 0,
            unit_id,
        };
        fill_ascii(&mut id.vendor, vendor);
        fill_ascii(&mut id.product, product);
        fill_ascii(&mut id.revision, revision);
        let mut n = fill_ascii(&mut id.serial, serial.trim());
        if n == 0 {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            for (i, d) in id.serial.iter_mut().take(16).enumerate() {
                let nib = (unit_id >> (60 - 4 * i)) & 0xf;
                *d = HEX.get(nib as usize).copied().unwrap_or(b'0');
            }
            n = 16;
        }
        id.serial_len = n.min(20);
        id
    }

    /// The serial number as sent in VPD page 0x80.
    pub fn serial(&self) -> &[u8] {
        self.serial.get(..self.serial_len).unwrap_or(&self.serial)
    }

    /// The unit identifier behind the NAA designator.
    pub fn unit_id(&self) -> u64 {
        self.unit_id
    }
}

/// What a device kind contributes to the primary commands.
pub trait Device {
    /// Peripheral device type reported by INQUIRY and VPD pages.
    fn device_type(&self) -> DeviceType;

    /// Extra VPD pages supported beyond 0x00, 0x80 and 0x83, ascending.
    fn vpd_pages(&self) -> &'static [u8] {
        &[]
    }

    /// Writes the payload (after the 4-byte header) of one of
    /// [`Device::vpd_pages`] into `out`; returns its length.
    fn vpd_page(&self, _code: u8, _medium_len: usize, _out: &mut [u8]) -> usize {
        0
    }

    /// Mode pages supported, in the order MODE SENSE reports them for page
    /// 0x3f.
    fn mode_pages(&self) -> &'static [u8];

    /// Writes page `code` (header included) with the values `pc` selects
    /// (current, changeable mask or default; never saved) into `out` and
    /// returns its length; 0 if the page is not supported.
    fn mode_page(&self, code: u8, pc: PageControl, out: &mut [u8]) -> usize;

    /// MEDIUM TYPE of the mode parameter header.
    fn mode_medium_type(&self) -> u8 {
        0
    }

    /// DEVICE-SPECIFIC PARAMETER of the mode parameter header.
    fn mode_device_specific(&self) -> u8;

    /// Writes the block descriptor (short, or long when `long`) and returns
    /// its length; 0 when the kind reports none.
    fn mode_block_descriptor(&self, medium_len: usize, long: bool, out: &mut [u8; 16]) -> usize;

    /// Checks (and unless `dry_run`, applies) the DEVICE-SPECIFIC
    /// PARAMETER of a MODE SELECT header.
    fn mode_select_device_specific(&mut self, _dsp: u8, _dry_run: bool) -> CmdResult {
        Ok(())
    }

    /// Checks (and unless `dry_run`, applies) a MODE SELECT block
    /// descriptor; `offset` is its position in the parameter list for the
    /// field pointer.
    fn mode_select_block_descriptor(
        &mut self,
        bd: &[u8],
        offset: usize,
        medium_len: usize,
        dry_run: bool,
    ) -> CmdResult;

    /// Applies a page already checked against the changeable mask.
    fn mode_select_page(&mut self, code: u8, page: &[u8]);
}

/// INQUIRY (SPC-4): standard data or a VPD page.
pub fn inquiry(
    cdb: &[u8],
    x: &mut Xfer<'_>,
    id: &Identity,
    rmb: bool,
    dev: &dyn Device,
    medium_len: usize,
) -> CmdResult {
    // CMDDT (obsolete) and reserved bits of byte 1.
    reserved(cdb, 1, 0xfe)?;
    let evpd = cdb_u8(cdb, 1) & 0x01 != 0;
    let page = cdb_u8(cdb, 2);
    let alloc = usize::from(cdb_be16(cdb, 3));
    let pdt = dev.device_type();
    if !evpd {
        if page != 0 {
            return Err(Check::invalid_cdb(2, None));
        }
        let mut out = [0u8; STANDARD_INQUIRY_LEN];
        StandardInquiry {
            device_type: pdt,
            rmb,
            version: VERSION_SPC4,
            hisup: true,
            cmdque: true,
            vendor: as_str(&id.vendor),
            product: as_str(&id.product),
            revision: as_str(&id.revision),
        }
        .write(&mut out);
        x.send(&out, alloc);
        return Ok(());
    }
    let mut out = [0u8; VPD_HEADER_LEN + MAX_VPD_LEN];
    let body = out.get_mut(VPD_HEADER_LEN..).unwrap_or(&mut []);
    let len = match page {
        VPD_SUPPORTED_PAGES => {
            let mut n = 0;
            for &p in [VPD_SUPPORTED_PAGES, VPD_UNIT_SERIAL, VPD_DEVICE_ID]
                .iter()
                .chain(dev.vpd_pages())
            {
                if let Some(d) = body.get_mut(n) {
                    *d = p;
                    n += 1;
                }
            }
            n
        }
        VPD_UNIT_SERIAL => {
            let s = id.serial();
            let _ = put(body, 0, s);
            s.len()
        }
        VPD_DEVICE_ID => device_id_page(id, body),
        p if dev.vpd_pages().contains(&p) => dev.vpd_page(p, medium_len, body),
        _ => return Err(Check::invalid_cdb(2, None)),
    };
    let l = (len as u16).to_be_bytes();
    let _ = put(&mut out, 0, &[pdt.as_u8(), page, l[0], l[1]]);
    x.send(out.get(..VPD_HEADER_LEN + len).unwrap_or(&out), alloc);
    Ok(())
}

/// Writes the designation descriptors of page 0x83: an NAA locally
/// assigned designator from the unit id, and a T10 vendor ID designator
/// (vendor, product, serial number). Returns the payload length.
fn device_id_page(id: &Identity, out: &mut [u8]) -> usize {
    let naa = (0x3u64 << 60) | (id.unit_id & 0x0fff_ffff_ffff_ffff);
    let mut n = 0;
    // Code set binary; association logical unit, designator type NAA.
    let _ = put(out, n, &[0x01, 0x03, 0x00, 0x08]);
    let _ = put(out, n + 4, &naa.to_be_bytes());
    n += 12;
    // Code set ASCII; association logical unit, type T10 vendor ID.
    let serial = id.serial();
    let t10_len = 8 + 16 + serial.len();
    let _ = put(out, n, &[0x02, 0x01, 0x00, t10_len as u8]);
    let _ = put(out, n + 4, &id.vendor);
    let _ = put(out, n + 12, &id.product);
    let _ = put(out, n + 28, serial);
    n + 4 + t10_len
}

/// Decoded MODE SENSE CDB.
struct SenseCdb {
    ten: bool,
    dbd: bool,
    llbaa: bool,
    pc: PageControl,
    page: u8,
    subpage: u8,
    alloc: usize,
}

fn page_control(v: u8) -> PageControl {
    match v & 0x03 {
        0 => PageControl::Current,
        1 => PageControl::Changeable,
        2 => PageControl::Default,
        _ => PageControl::Saved,
    }
}

/// MODE SENSE(6) (`ten == false`) or MODE SENSE(10) (SPC-4).
///
/// Page 0 returns the header and block descriptor only (what tape drivers
/// ask for); page 0x3f returns every page of the kind. Subpages are not
/// implemented: only subpage 0, or 0xff ("all subpages"), is accepted.
/// Saved values are not supported (SAVING PARAMETERS NOT SUPPORTED).
pub fn mode_sense(
    cdb: &[u8],
    ten: bool,
    x: &mut Xfer<'_>,
    dev: &dyn Device,
    medium_len: usize,
) -> CmdResult {
    let b1 = cdb_u8(cdb, 1);
    let c = SenseCdb {
        ten,
        dbd: b1 & 0x08 != 0,
        llbaa: ten && b1 & 0x10 != 0,
        pc: page_control(cdb_u8(cdb, 2) >> 6),
        page: cdb_u8(cdb, 2) & 0x3f,
        subpage: cdb_u8(cdb, 3),
        alloc: if ten {
            usize::from(cdb_be16(cdb, 7))
        } else {
            usize::from(cdb_u8(cdb, 4))
        },
    };
    reserved(cdb, 1, if ten { 0xe7 } else { 0xf7 })?;
    if c.pc == PageControl::Saved {
        return Err(Check::illegal(asc::SAVING_PARAMETERS_NOT_SUPPORTED));
    }
    if c.subpage != 0 && c.subpage != 0xff {
        return Err(Check::invalid_cdb(3, None));
    }
    // Header, long block descriptor and every page of any kind fit.
    let mut out = [0u8; 256];
    let hl = if c.ten {
        MODE_HEADER_10_LEN
    } else {
        MODE_HEADER_6_LEN
    };
    let mut n = hl;
    let mut bd = [0u8; 16];
    let bdl = if c.dbd {
        0
    } else {
        let long = c.llbaa && medium_len > 0;
        let mut l = dev.mode_block_descriptor(medium_len, false, &mut bd);
        // A long LBA descriptor only when asked for and needed.
        if long && l == 8 && bd.get(..4) == Some(&[0xff, 0xff, 0xff, 0xff]) {
            l = dev.mode_block_descriptor(medium_len, true, &mut bd);
        }
        l
    };
    let _ = put(&mut out, n, bd.get(..bdl).unwrap_or(&[]));
    n += bdl;
    match c.page {
        0 => {}
        0x3f => {
            for &p in dev.mode_pages() {
                let rest = out.get_mut(n..).unwrap_or(&mut []);
                n += dev.mode_page(p, c.pc, rest);
            }
        }
        p => {
            let rest = out.get_mut(n..).unwrap_or(&mut []);
            let l = if dev.mode_pages().contains(&p) {
                dev.mode_page(p, c.pc, rest)
            } else {
                0
            };
            if l == 0 {
                return Err(Check::invalid_cdb(2, Some(5)));
            }
            n += l;
        }
    }
    let h = ModeHeader {
        kind: if c.ten {
            HeaderKind::Ten
        } else {
            HeaderKind::Six
        },
        mode_data_len: (n - if c.ten { 2 } else { 1 }) as u16,
        medium_type: dev.mode_medium_type(),
        device_specific: dev.mode_device_specific(),
        long_lba: bdl == 16,
        block_desc_len: bdl as u16,
    };
    if c.ten {
        let mut hb = [0u8; MODE_HEADER_10_LEN];
        h.write_10(&mut hb);
        let _ = put(&mut out, 0, &hb);
    } else {
        let mut hb = [0u8; MODE_HEADER_6_LEN];
        // Cannot fail: the data never exceeds 255 bytes for any kind.
        if h.write_6(&mut hb).is_err() {
            return Err(Check::invalid_cdb(4, None));
        }
        let _ = put(&mut out, 0, &hb);
    }
    x.send(out.get(..n).unwrap_or(&out), c.alloc);
    Ok(())
}

/// MODE SELECT(6) (`ten == false`) or MODE SELECT(10) (SPC-4).
///
/// The parameter list is checked entirely before anything changes: header
/// (device-specific byte), at most one block descriptor, then pages whose
/// length must match the device's and whose non-changeable bits must keep
/// their current values. SP (save pages) is refused.
pub fn mode_select(
    cdb: &[u8],
    ten: bool,
    x: &mut Xfer<'_>,
    dev: &mut dyn Device,
    medium_len: usize,
) -> CmdResult {
    // PF (bit 4) is accepted either way; SP asks to save.
    reserved(cdb, 1, 0xee)?;
    if cdb_u8(cdb, 1) & 0x01 != 0 {
        return Err(Check::invalid_cdb(1, Some(0)));
    }
    let plen = if ten {
        usize::from(cdb_be16(cdb, 7))
    } else {
        usize::from(cdb_u8(cdb, 4))
    };
    if plen == 0 {
        return Ok(());
    }
    if plen > MAX_MODE_SELECT_LEN {
        return Err(Check::invalid_cdb(if ten { 7 } else { 4 }, None));
    }
    if x.len() < plen {
        return Err(Check::param_list_length());
    }
    let mut buf = [0u8; MAX_MODE_SELECT_LEN];
    let list = buf.get_mut(..plen).unwrap_or(&mut []);
    if x.fetch(0, list) < plen {
        return Err(Check::param_list_length());
    }
    let list: &[u8] = list;
    let (hl, dsp, bdl, long) = if ten {
        (
            MODE_HEADER_10_LEN,
            u8_or_zero(list, 3),
            usize::from(be16_at(list, 6).unwrap_or(0)),
            u8_or_zero(list, 4) & 0x01 != 0,
        )
    } else {
        (
            MODE_HEADER_6_LEN,
            u8_or_zero(list, 2),
            usize::from(u8_or_zero(list, 3)),
            false,
        )
    };
    if plen < hl || hl + bdl > plen {
        return Err(Check::param_list_length());
    }
    let want_bdl = if long { 16 } else { 8 };
    if bdl != 0 && bdl != want_bdl {
        return Err(Check::invalid_param(if ten { 6 } else { 3 }, None));
    }
    // Pass 1 checks everything, pass 2 applies.
    for dry_run in [true, false] {
        dev.mode_select_device_specific(dsp, dry_run)?;
        if bdl != 0 {
            let bd = list.get(hl..hl + bdl).unwrap_or(&[]);
            dev.mode_select_block_descriptor(bd, hl, medium_len, dry_run)?;
        }
        let mut off = hl + bdl;
        while off < plen {
            let b0 = u8_or_zero(list, off);
            if b0 & 0x40 != 0 {
                // Sub-page format: no subpages are implemented.
                return Err(Check::invalid_param(off as u16, Some(6)));
            }
            let code = b0 & 0x3f;
            let Some(&pl) = list.get(off + 1) else {
                return Err(Check::param_list_length());
            };
            let end = off + 2 + usize::from(pl);
            let Some(page) = list.get(off..end) else {
                return Err(Check::param_list_length());
            };
            if dry_run {
                check_page(dev, code, page, off)?;
            } else {
                dev.mode_select_page(code, page);
            }
            off = end;
        }
    }
    Ok(())
}

/// Checks one MODE SELECT page against the device's current values and
/// changeable mask.
fn check_page(dev: &dyn Device, code: u8, page: &[u8], off: usize) -> CmdResult {
    let mut cur = [0u8; MAX_MODE_PAGE_LEN];
    let mut chg = [0u8; MAX_MODE_PAGE_LEN];
    let supported = dev.mode_pages().contains(&code);
    let n = if supported {
        dev.mode_page(code, PageControl::Current, &mut cur)
    } else {
        0
    };
    if n == 0 {
        return Err(Check::invalid_param(off as u16, Some(5)));
    }
    dev.mode_page(code, PageControl::Changeable, &mut chg);
    if page.len() != n {
        return Err(Check::invalid_param((off + 1) as u16, None));
    }
    // Byte 0 (PS, SPF, page code) and byte 1 (length) are checked above.
    for i in 2..n {
        let new = u8_or_zero(page, i);
        let bad = (new ^ u8_or_zero(&cur, i)) & !u8_or_zero(&chg, i);
        if bad != 0 {
            let bit = 7 - bad.leading_zeros() as u8;
            return Err(Check::invalid_param((off + i) as u16, Some(bit)));
        }
    }
    Ok(())
}

/// SEND DIAGNOSTIC (SPC-4): the default self-test and the short and
/// extended self-tests all pass at once; diagnostic pages are not
/// supported.
pub fn send_diagnostic(cdb: &[u8]) -> CmdResult {
    let b1 = cdb_u8(cdb, 1);
    let code = b1 >> 5;
    let selftest = b1 & 0x04 != 0;
    reserved(cdb, 1, 0x08)?;
    if cdb_be16(cdb, 3) != 0 {
        // No diagnostic page is implemented.
        return Err(Check::invalid_cdb(3, None));
    }
    if selftest {
        if code != 0 {
            return Err(Check::invalid_cdb(1, Some(7)));
        }
        return Ok(());
    }
    match code {
        0 | 1 | 2 | 4 | 5 | 6 => Ok(()),
        _ => Err(Check::invalid_cdb(1, Some(7))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::databuf::SliceBuf;
    use super::super::mode::ModeData;
    use super::super::vpd;
    use super::*;

    /// A minimal device: one 12-byte page 0x0a whose byte 2 bit 2 is
    /// changeable, a disk-style block descriptor of 512-byte blocks.
    struct Dummy {
        b2: u8,
        blocks_len: u32,
    }

    impl Device for Dummy {
        fn device_type(&self) -> DeviceType {
            DeviceType::Disk
        }
        fn vpd_pages(&self) -> &'static [u8] {
            &[0xb1]
        }
        fn vpd_page(&self, _code: u8, _m: usize, out: &mut [u8]) -> usize {
            let _ = put(out, 0, &[0, 1]);
            2
        }
        fn mode_pages(&self) -> &'static [u8] {
            &[0x0a]
        }
        fn mode_page(&self, code: u8, pc: PageControl, out: &mut [u8]) -> usize {
            if code != 0x0a {
                return 0;
            }
            let b2 = match pc {
                PageControl::Changeable => 0x04,
                PageControl::Default => 0,
                _ => self.b2,
            };
            let p = [0x0a, 10, b2, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            if put(out, 0, &p).is_err() {
                return 0;
            }
            12
        }
        fn mode_device_specific(&self) -> u8 {
            0x10
        }
        fn mode_block_descriptor(&self, m: usize, long: bool, out: &mut [u8; 16]) -> usize {
            let blocks = (m / 512) as u64;
            if long {
                *out = [0; 16];
                let _ = put(out, 0, &blocks.to_be_bytes());
                let _ = put(out, 12, &512u32.to_be_bytes());
                16
            } else {
                let mut s = [0u8; 8];
                super::super::mode::BlockDescriptor::write_short_disk(blocks, 512, &mut s);
                let _ = put(out, 0, &s);
                8
            }
        }
        fn mode_select_block_descriptor(
            &mut self,
            bd: &[u8],
            off: usize,
            _m: usize,
            dry: bool,
        ) -> CmdResult {
            let l = u32::from_be_bytes([0, bd[5], bd[6], bd[7]]);
            if l != 512 {
                return Err(Check::invalid_param((off + 5) as u16, None));
            }
            if !dry {
                self.blocks_len = l;
            }
            Ok(())
        }
        fn mode_select_page(&mut self, _code: u8, page: &[u8]) {
            self.b2 = page[2];
        }
    }

    pub(crate) fn run(
        f: impl FnOnce(&mut Xfer<'_>) -> CmdResult,
        buf: &mut [u8],
    ) -> (CmdResult, u32) {
        let mut s = SliceBuf::new(buf);
        let mut x = Xfer::new(&mut s);
        let r = f(&mut x);
        (r, x.resid())
    }

    fn id() -> Identity {
        Identity::new(
            "RUSTEMU",
            "Disk\tEmulation",
            "0.1",
            "",
            0x1234_5678_9abc_def0,
        )
    }

    #[test]
    fn identity_strings() {
        let i = id();
        assert_eq!(&i.vendor, b"RUSTEMU ");
        assert_eq!(&i.product, b"Disk?Emulation  ");
        assert_eq!(&i.revision, b"0.1 ");
        assert_eq!(i.serial(), b"123456789ABCDEF0");
        let j = Identity::new("A", "B", "C", " SN42 ", 1);
        assert_eq!(j.serial(), b"SN42");
        assert_eq!(j.unit_id(), 1);
        let k = Identity::new("", "", "", "0123456789012345678901234", 1);
        assert_eq!(k.serial().len(), 20);
    }

    #[test]
    fn standard_inquiry() {
        let d = Dummy {
            b2: 0,
            blocks_len: 0,
        };
        let mut b = [0u8; 96];
        let (r, resid) = run(
            |x| inquiry(&[0x12, 0, 0, 0, 96, 0], x, &id(), true, &d, 0),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(resid, 96 - 36);
        let q = super::super::inquiry::Inquiry::parse(&b).unwrap();
        assert!(q.rmb);
        assert_eq!(q.version, 6);
        assert_eq!(q.additional_length, 31);
        assert_eq!(q.vendor(), Ok("RUSTEMU"));
        // Allocation length shorter than the data.
        let (r, resid) = run(
            |x| inquiry(&[0x12, 0, 0, 0, 5, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        assert_eq!((r, resid), (Ok(()), 91));
        // Page code without EVPD, CMDDT.
        let (r, _) = run(
            |x| inquiry(&[0x12, 0, 0x80, 0, 96, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        assert_eq!(r, Err(Check::invalid_cdb(2, None)));
        let (r, _) = run(
            |x| inquiry(&[0x12, 2, 0, 0, 96, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(1))));
    }

    #[test]
    fn vpd_pages() {
        let d = Dummy {
            b2: 0,
            blocks_len: 0,
        };
        let mut b = [0u8; 255];
        let (r, _) = run(
            |x| inquiry(&[0x12, 1, 0, 0, 255, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(vpd::supported_pages(&b).unwrap(), &[0x00, 0x80, 0x83, 0xb1]);
        let (r, _) = run(
            |x| inquiry(&[0x12, 1, 0x80, 0, 255, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(vpd::unit_serial(&b), Ok("123456789ABCDEF0"));
        let (r, _) = run(
            |x| inquiry(&[0x12, 1, 0x83, 0, 255, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        let best = vpd::best_lu_designator(&b).unwrap();
        assert_eq!(best.naa(), Some(3));
        assert_eq!(best.id, &0x3234_5678_9abc_def0u64.to_be_bytes());
        let t10 = vpd::designators(&b)
            .unwrap()
            .find(|d| d.designator_type == vpd::DesignatorType::T10VendorId)
            .unwrap();
        assert_eq!(t10.as_str(), Ok("RUSTEMU Disk?Emulation  123456789ABCDEF0"));
        let (r, _) = run(
            |x| inquiry(&[0x12, 1, 0xb1, 0, 255, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(&b[..6], &[0, 0xb1, 0, 2, 0, 1]);
        let (r, _) = run(
            |x| inquiry(&[0x12, 1, 0xb2, 0, 255, 0], x, &id(), false, &d, 0),
            &mut b,
        );
        let c = r.unwrap_err();
        assert_eq!((c.asc, c.ascq), (0x24, 0));
        assert_eq!(c.sks, Some([0xc0, 0, 2]));
    }

    #[test]
    fn mode_sense_forms() {
        let d = Dummy {
            b2: 0x04,
            blocks_len: 0,
        };
        let mut b = [0u8; 64];
        // MODE SENSE(6), all pages, with block descriptor.
        let (r, resid) = run(
            |x| mode_sense(&[0x1a, 0, 0x3f, 0, 64, 0], false, x, &d, 1 << 20),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(resid, 64 - 24);
        let m = ModeData::parse_6(&b).unwrap();
        assert_eq!(m.header.total_len(), 24);
        assert!(m.header.dpofua());
        assert_eq!(m.first_block_descriptor().unwrap().blocks, 2048);
        assert_eq!(m.find_page(0x0a, 0).unwrap().data[0], 0x04);
        // MODE SENSE(10), DBD, changeable values.
        let (r, _) = run(
            |x| mode_sense(&[0x5a, 0x08, 0x4a, 0, 0, 0, 0, 0, 64, 0], true, x, &d, 0),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        let m = ModeData::parse_10(&b).unwrap();
        assert_eq!(m.header.block_desc_len, 0);
        assert_eq!(m.find_page(0x0a, 0).unwrap().data[0], 0x04);
        // Page 0: header and block descriptor only.
        let (r, resid) = run(
            |x| mode_sense(&[0x1a, 0, 0, 0, 64, 0], false, x, &d, 4096),
            &mut b,
        );
        assert_eq!((r, resid), (Ok(()), 64 - 12));
        // Long LBA descriptor when the count does not fit.
        let huge = 0x2_0000_0000usize * 512;
        let (r, _) = run(
            |x| mode_sense(&[0x5a, 0x10, 0x00, 0, 0, 0, 0, 0, 64, 0], true, x, &d, huge),
            &mut b,
        );
        assert_eq!(r, Ok(()));
        let m = ModeData::parse_10(&b).unwrap();
        assert!(m.header.long_lba);
        assert_eq!(m.first_block_descriptor().unwrap().blocks, 0x2_0000_0000);
    }

    #[test]
    fn mode_sense_errors() {
        let d = Dummy {
            b2: 0,
            blocks_len: 0,
        };
        let mut b = [0u8; 64];
        let cases: [(&[u8], (u8, u8)); 4] = [
            (&[0x1a, 0, 0xca, 0, 64, 0], (0x39, 0)),
            (&[0x1a, 0, 0x08, 0, 64, 0], (0x24, 0)),
            (&[0x1a, 0, 0x0a, 1, 64, 0], (0x24, 0)),
            (&[0x1a, 0x01, 0x0a, 0, 64, 0], (0x24, 0)),
        ];
        for (cdb, code) in cases {
            let (r, resid) = run(|x| mode_sense(cdb, false, x, &d, 0), &mut b);
            let c = r.unwrap_err();
            assert_eq!((c.asc, c.ascq), code, "{cdb:?}");
            assert_eq!(resid, 64);
        }
        // All subpages of a page is the page itself.
        let (r, _) = run(
            |x| mode_sense(&[0x1a, 0, 0x0a, 0xff, 64, 0], false, x, &d, 0),
            &mut b,
        );
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn mode_select_applies_changeable_bits_only() {
        let mut d = Dummy {
            b2: 0,
            blocks_len: 0,
        };
        // Header(6) + block descriptor (512) + page 0x0a with bit 2 set.
        let mut p = [0u8; 24];
        p[3] = 8;
        p[9..12].copy_from_slice(&[0, 2, 0]);
        p[12..24].copy_from_slice(&[0x0a, 10, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let (r, resid) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 24, 0], false, x, &mut d, 0),
            &mut p.clone(),
        );
        assert_eq!((r, resid), (Ok(()), 0));
        assert_eq!((d.b2, d.blocks_len), (0x04, 512));
        // A non-changeable bit: refused, nothing applied.
        d.b2 = 0;
        d.blocks_len = 0;
        let mut q = p;
        q[14] = 0x06;
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 24, 0], false, x, &mut d, 0),
            &mut q,
        );
        assert_eq!(r, Err(Check::invalid_param(14, Some(1))));
        assert_eq!((d.b2, d.blocks_len), (0, 0));
        // Wrong page length.
        let mut q = p;
        q[13] = 9;
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 23, 0], false, x, &mut d, 0),
            &mut q,
        );
        assert_eq!(r, Err(Check::invalid_param(13, None)));
        // Bad block length in the descriptor.
        let mut q = p;
        q[10] = 4;
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 24, 0], false, x, &mut d, 0),
            &mut q,
        );
        assert_eq!(r, Err(Check::invalid_param(9, None)));
        // Unsupported page.
        let mut q = p;
        q[12] = 0x08;
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 24, 0], false, x, &mut d, 0),
            &mut q,
        );
        assert_eq!(r, Err(Check::invalid_param(12, Some(5))));
        // Truncated page: parameter list length error.
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 20, 0], false, x, &mut d, 0),
            &mut p.clone(),
        );
        assert_eq!(r, Err(Check::param_list_length()));
        // Short data buffer.
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 24, 0], false, x, &mut d, 0),
            &mut p[..10],
        );
        assert_eq!(r, Err(Check::param_list_length()));
        // SP refused; zero length is a no-op.
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x11, 0, 0, 24, 0], false, x, &mut d, 0),
            &mut p.clone(),
        );
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(0))));
        let (r, _) = run(
            |x| mode_select(&[0x15, 0x10, 0, 0, 0, 0], false, x, &mut d, 0),
            &mut [],
        );
        assert_eq!(r, Ok(()));
        // MODE SELECT(10) with the same page.
        let mut t = [0u8; 20];
        t[8..20].copy_from_slice(&[0x0a, 10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        d.b2 = 4;
        let (r, _) = run(
            |x| mode_select(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 20, 0], true, x, &mut d, 0),
            &mut t,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(d.b2, 0);
    }

    #[test]
    fn send_diagnostic_forms() {
        assert_eq!(send_diagnostic(&[0x1d, 0x04, 0, 0, 0, 0]), Ok(()));
        assert_eq!(send_diagnostic(&[0x1d, 0x20, 0, 0, 0, 0]), Ok(()));
        assert_eq!(send_diagnostic(&[0x1d, 0xc0, 0, 0, 0, 0]), Ok(()));
        assert!(send_diagnostic(&[0x1d, 0xe0, 0, 0, 0, 0]).is_err());
        assert!(send_diagnostic(&[0x1d, 0x24, 0, 0, 0, 0]).is_err());
        assert!(send_diagnostic(&[0x1d, 0x04, 0, 0, 4, 0]).is_err());
        assert!(send_diagnostic(&[0x1d, 0x0c, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn reserved_bits_pointer() {
        assert_eq!(reserved(&[0, 0x10], 1, 0xe0), Ok(()));
        assert_eq!(
            reserved(&[0, 0x50], 1, 0xf0),
            Err(Check::invalid_cdb(1, Some(6)))
        );
        assert_eq!(reserved(&[0], 5, 0xff), Ok(()));
        assert_eq!(cdb_be24(&[0, 1, 2, 3], 1), 0x010203);
        assert_eq!(cdb_be24(&[0, 1], 1), 0x010000);
        assert_eq!(cdb_be64(&[0; 3], 1), 0);
    }
}
