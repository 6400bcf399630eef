// SPDX-License-Identifier: GPL-2.0

//! How a command ends: [`Outcome`] for the front end and [`Check`], the
//! internal description of a CHECK CONDITION.
//!
//! Sense data is returned in fixed format (SPC-4, "Fixed format sense
//! data"), built with the protocol crate's `build_fixed` and setters.
//! [`Check::write_descriptor`] converts to descriptor format for REQUEST
//! SENSE with DESC set.

use super::sense::{
    build_descriptor, build_fixed, field_pointer_bytes, set_fixed_flags, set_fixed_info,
    set_fixed_sense_key_specific, SenseKey, DESCRIPTOR_SENSE_HEADER_LEN, DESC_INFORMATION,
    DESC_SENSE_KEY_SPECIFIC, DESC_STREAM_COMMANDS, FIXED_SENSE_LEN,
};
use super::status::Status;

/// What the front end does with a finished command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Complete the command now.
    Complete,
    /// Complete the command after this many milliseconds (fault injection).
    Delay(u32),
    /// Never complete the command: the initiator's timeout and error
    /// handler take over (fault injection). The command had no effect.
    Drop,
}

/// The result of one command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// SAM status byte (GOOD, CHECK CONDITION, BUSY, TASK SET FULL).
    pub status: u8,
    /// Fixed-format sense data; the first `sense_len` bytes are valid.
    pub sense: [u8; FIXED_SENSE_LEN],
    /// Length of the sense data: 18 with CHECK CONDITION, 0 otherwise.
    pub sense_len: usize,
    /// Residual: data buffer length minus the bytes actually transferred.
    pub resid: u32,
    /// When to complete the command.
    pub action: Action,
}

impl Outcome {
    /// GOOD status, no sense, no residual, complete now.
    pub const fn good() -> Outcome {
        Outcome {
            status: Status::Good as u8,
            sense: [0; FIXED_SENSE_LEN],
            sense_len: 0,
            resid: 0,
            action: Action::Complete,
        }
    }

    /// A status without sense data (BUSY, TASK SET FULL, ...).
    pub const fn with_status(status: Status) -> Outcome {
        let mut o = Outcome::good();
        o.status = status as u8;
        o
    }

    /// CHECK CONDITION with the sense data of `c`.
    pub fn check(c: &Check) -> Outcome {
        let mut o = Outcome::good();
        o.status = Status::CheckCondition as u8;
        o.sense = c.to_fixed();
        o.sense_len = FIXED_SENSE_LEN;
        o
    }

    /// The valid sense bytes.
    pub fn sense_data(&self) -> &[u8] {
        self.sense.get(..self.sense_len).unwrap_or(&self.sense)
    }

    /// `true` for GOOD status.
    pub const fn is_good(&self) -> bool {
        self.status == Status::Good as u8
    }

    /// Sense key, ASC and ASCQ, or `None` without sense data.
    pub fn key_asc_ascq(&self) -> Option<(u8, u8, u8)> {
        if self.sense_len < FIXED_SENSE_LEN {
            return None;
        }
        Some((self.sense[2] & 0x0f, self.sense[12], self.sense[13]))
    }
}

/// A CHECK CONDITION to report: sense key, additional sense code and the
/// optional fixed-format fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Check {
    /// Sense key.
    pub key: SenseKey,
    /// Additional sense code.
    pub asc: u8,
    /// Additional sense code qualifier.
    pub ascq: u8,
    /// INFORMATION field (sets VALID).
    pub info: Option<u32>,
    /// FILEMARK bit.
    pub filemark: bool,
    /// EOM bit.
    pub eom: bool,
    /// ILI bit.
    pub ili: bool,
    /// Sense-key specific bytes (SKSV is set when present).
    pub sks: Option<[u8; 3]>,
}

/// The result of a command handler: `Ok` for GOOD status.
pub type CmdResult = Result<(), Check>;

impl Check {
    /// A check condition with `key` and `(asc, ascq)`.
    pub const fn new(key: SenseKey, code: (u8, u8)) -> Check {
        Check {
            key,
            asc: code.0,
            ascq: code.1,
            info: None,
            filemark: false,
            eom: false,
            ili: false,
            sks: None,
        }
    }

    /// ILLEGAL REQUEST with `(asc, ascq)`.
    pub const fn illegal(code: (u8, u8)) -> Check {
        Check::new(SenseKey::IllegalRequest, code)
    }

    /// ILLEGAL REQUEST, INVALID FIELD IN CDB, pointing at `byte` (and `bit`).
    pub const fn invalid_cdb(byte: u16, bit: Option<u8>) -> Check {
        let mut c = Check::illegal((0x24, 0x00));
        c.sks = Some(field_pointer_bytes(true, byte, bit));
        c
    }

    /// ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST, pointing at `byte`
    /// of the parameter data (and `bit`).
    pub const fn invalid_param(byte: u16, bit: Option<u8>) -> Check {
        let mut c = Check::illegal((0x26, 0x00));
        c.sks = Some(field_pointer_bytes(false, byte, bit));
        c
    }

    /// ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (field pointer on
    /// byte 0).
    pub const fn invalid_opcode() -> Check {
        let mut c = Check::illegal((0x20, 0x00));
        c.sks = Some(field_pointer_bytes(true, 0, None));
        c
    }

    /// ILLEGAL REQUEST, PARAMETER LIST LENGTH ERROR.
    pub const fn param_list_length() -> Check {
        Check::illegal((0x1a, 0x00))
    }

    /// ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE.
    pub const fn lba_out_of_range() -> Check {
        Check::illegal((0x21, 0x00))
    }

    /// DATA PROTECT, WRITE PROTECTED.
    pub const fn write_protected() -> Check {
        Check::new(SenseKey::DataProtect, (0x27, 0x00))
    }

    /// NOT READY with `(asc, ascq)`.
    pub const fn not_ready(code: (u8, u8)) -> Check {
        Check::new(SenseKey::NotReady, code)
    }

    /// UNIT ATTENTION with `(asc, ascq)`.
    pub const fn unit_attention(code: (u8, u8)) -> Check {
        Check::new(SenseKey::UnitAttention, code)
    }

    /// Sets the INFORMATION field.
    pub const fn info(mut self, info: u32) -> Check {
        self.info = Some(info);
        self
    }

    /// Sets the INFORMATION field to a signed residue (two's complement).
    pub const fn info_signed(mut self, residue: i64) -> Check {
        self.info = Some(residue as u32);
        self
    }

    /// Sets FILEMARK.
    pub const fn filemark(mut self) -> Check {
        self.filemark = true;
        self
    }

    /// Sets EOM.
    pub const fn eom(mut self) -> Check {
        self.eom = true;
        self
    }

    /// Sets ILI.
    pub const fn ili(mut self) -> Check {
        self.ili = true;
        self
    }

    /// `true` if this is the given key and `(asc, ascq)`.
    pub fn is(&self, key: SenseKey, code: (u8, u8)) -> bool {
        self.key == key && (self.asc, self.ascq) == code
    }

    /// Encodes fixed-format sense data (18 bytes, current error).
    pub fn to_fixed(self) -> [u8; FIXED_SENSE_LEN] {
        let mut s = [0u8; FIXED_SENSE_LEN];
        build_fixed(self.key, self.asc, self.ascq, &mut s);
        if let Some(i) = self.info {
            set_fixed_info(&mut s, i);
        }
        set_fixed_flags(&mut s, self.filemark, self.eom, self.ili);
        if let Some(sks) = self.sks {
            set_fixed_sense_key_specific(&mut s, sks);
        }
        s
    }

    /// Encodes descriptor-format sense data into `out` and returns its
    /// length: the header, then an information descriptor (when INFORMATION
    /// is set), a sense-key specific descriptor and a stream commands
    /// descriptor (when FILEMARK, EOM or ILI is set).
    pub fn write_descriptor(&self, out: &mut [u8; DESCRIPTOR_SENSE_MAX]) -> usize {
        *out = [0; DESCRIPTOR_SENSE_MAX];
        let mut hdr = [0u8; DESCRIPTOR_SENSE_HEADER_LEN];
        build_descriptor(self.key, self.asc, self.ascq, &mut hdr);
        let mut n = DESCRIPTOR_SENSE_HEADER_LEN;
        put(out, 0, &hdr);
        if let Some(i) = self.info {
            let v = u64::from(i).to_be_bytes();
            let d = [
                DESC_INFORMATION,
                0x0a,
                0x80,
                0,
                v[0],
                v[1],
                v[2],
                v[3],
                v[4],
                v[5],
                v[6],
                v[7],
            ];
            n += put(out, n, &d);
        }
        if let Some(s) = self.sks {
            let d = [
                DESC_SENSE_KEY_SPECIFIC,
                0x06,
                s[0] | 0x80,
                s[1],
                s[2],
                0,
                0,
                0,
            ];
            n += put(out, n, &d);
        }
        if self.filemark || self.eom || self.ili {
            let mut f = 0u8;
            if self.filemark {
                f |= 0x80;
            }
            if self.eom {
                f |= 0x40;
            }
            if self.ili {
                f |= 0x20;
            }
            n += put(out, n, &[DESC_STREAM_COMMANDS, 0x02, 0, f]);
        }
        // ADDITIONAL SENSE LENGTH: the descriptors after the header.
        out[7] = (n - DESCRIPTOR_SENSE_HEADER_LEN) as u8;
        n
    }
}

/// Longest descriptor-format sense data [`Check::write_descriptor`] writes.
pub const DESCRIPTOR_SENSE_MAX: usize = 32;

/// Copies `src` into `out` at `off` if it fits; returns the bytes copied.
fn put(out: &mut [u8], off: usize, src: &[u8]) -> usize {
    let end = match off.checked_add(src.len()) {
        Some(e) => e,
        None => return 0,
    };
    match out.get_mut(off..end) {
        Some(d) => {
            d.copy_from_slice(src);
            src.len()
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::sense::{Format, Sense};
    use super::*;

    #[test]
    fn good_and_status() {
        let g = Outcome::good();
        assert!(g.is_good());
        assert!(g.sense_data().is_empty());
        assert_eq!(g.key_asc_ascq(), None);
        let b = Outcome::with_status(Status::Busy);
        assert_eq!(b.status, 0x08);
        assert!(!b.is_good());
    }

    #[test]
    fn fixed_sense_fields() {
        let c = Check::invalid_cdb(2, Some(5));
        let o = Outcome::check(&c);
        assert_eq!(o.status, 0x02);
        assert_eq!(o.sense_len, 18);
        assert_eq!(o.key_asc_ascq(), Some((5, 0x24, 0)));
        let s = Sense::parse(o.sense_data()).unwrap();
        let fp = s.field_pointer().unwrap();
        assert!(fp.in_cdb);
        assert_eq!((fp.byte, fp.bit), (2, Some(5)));

        let c = Check::new(SenseKey::NoSense, (0, 1))
            .filemark()
            .ili()
            .info_signed(-3);
        let s = Sense::parse(&c.to_fixed()).unwrap();
        assert!(s.filemark && s.ili && !s.eom);
        assert_eq!(s.info, Some(0xffff_fffd));
        assert!(Check::write_protected().is(SenseKey::DataProtect, (0x27, 0)));
        let p = Sense::parse(&Check::invalid_param(9, None).to_fixed()).unwrap();
        assert!(!p.field_pointer().unwrap().in_cdb);
    }

    #[test]
    fn descriptor_sense() {
        let c = Check::new(SenseKey::BlankCheck, (0, 5)).eom().info(7);
        let mut d = [0u8; DESCRIPTOR_SENSE_MAX];
        let n = c.write_descriptor(&mut d);
        assert_eq!(n, 8 + 12 + 4);
        let s = Sense::parse(&d[..n]).unwrap();
        assert_eq!(s.format, Format::Descriptor);
        assert_eq!(s.key, SenseKey::BlankCheck);
        assert_eq!(s.info, Some(7));
        assert!(s.eom && !s.filemark);
        let c = Check::invalid_cdb(1, None);
        let n = c.write_descriptor(&mut d);
        assert_eq!(n, 16);
        let s = Sense::parse(&d[..n]).unwrap();
        assert_eq!(s.field_pointer().unwrap().byte, 1);
        let n = Check::unit_attention((0x29, 0)).write_descriptor(&mut d);
        assert_eq!(n, 8);
        assert_eq!(d[7], 0);
    }
}
