// SPDX-License-Identifier: GPL-2.0

//! The on-medium format of an emulated tape.
//!
//! A tape is the caller's byte slice holding logical objects (SSC-4,
//! "logical objects": records and filemarks) back to back from offset 0.
//! Each object is a 4-byte header, the payload, and a 4-byte trailer that
//! repeats the header, so that the drive can step backwards as cheaply as
//! forwards:
//!
//! ```text
//! +------+--------+----------------+------+--------+
//! | type | length | payload        | type | length |
//! | 1 B  | 3 B BE | length bytes   | 1 B  | 3 B BE |
//! +------+--------+----------------+------+--------+
//! ```
//!
//! Types: 0x01 data record (1 to 2^24 - 1 bytes), 0x02 filemark (length
//! 0). End of data is a header of type 0x00 — so an all-zero slice is a
//! blank tape — or the end of the slice. Anything else (an unknown type, a
//! record running past the end, a trailer that does not match) also reads
//! as end of data: a damaged medium never makes the drive fail, it just
//! ends early.
//!
//! Writing an object writes an end-of-data header after it (when there is
//! room), which is how writing in the middle of a tape discards everything
//! after it, as on a real tape.

use super::bytes::array_at;

/// Header (and trailer) length.
pub const HEADER_LEN: usize = 4;
/// Bytes an object takes besides its payload.
pub const OVERHEAD: usize = 2 * HEADER_LEN;
/// Type byte: end of data.
pub const TYPE_EOD: u8 = 0x00;
/// Type byte: data record.
pub const TYPE_RECORD: u8 = 0x01;
/// Type byte: filemark.
pub const TYPE_FILEMARK: u8 = 0x02;
/// Largest record: the 24-bit length field.
pub const MAX_RECORD: u32 = 0xff_ffff;

/// A logical object on the medium.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    /// A data record of this many bytes.
    Record(u32),
    /// A filemark.
    Filemark,
    /// End of data: nothing is recorded from here on.
    Eod,
}

impl Object {
    /// Bytes the object occupies on the medium (0 for end of data).
    pub const fn size(self) -> usize {
        match self {
            Object::Record(n) => OVERHEAD + n as usize,
            Object::Filemark => OVERHEAD,
            Object::Eod => 0,
        }
    }

    fn header(self) -> [u8; HEADER_LEN] {
        match self {
            Object::Record(n) => {
                let l = n.to_be_bytes();
                [TYPE_RECORD, l[1], l[2], l[3]]
            }
            Object::Filemark => [TYPE_FILEMARK, 0, 0, 0],
            Object::Eod => [TYPE_EOD, 0, 0, 0],
        }
    }
}

fn decode(h: [u8; HEADER_LEN]) -> Object {
    let len = u32::from_be_bytes([0, h[1], h[2], h[3]]);
    match h[0] {
        TYPE_RECORD => Object::Record(len),
        TYPE_FILEMARK if len == 0 => Object::Filemark,
        _ => Object::Eod,
    }
}

/// The object starting at byte `pos`.
pub fn object_at(m: &[u8], pos: usize) -> Object {
    let Some(h) = array_at::<HEADER_LEN>(m, pos) else {
        return Object::Eod;
    };
    let o = decode(h);
    if o == Object::Eod {
        return o;
    }
    // The whole object, trailer included, must be there and agree.
    let Some(end) = pos.checked_add(o.size()) else {
        return Object::Eod;
    };
    let Some(tpos) = end.checked_sub(HEADER_LEN) else {
        return Object::Eod;
    };
    match array_at::<HEADER_LEN>(m, tpos) {
        Some(t) if t == h => o,
        _ => Object::Eod,
    }
}

/// The object that ends at byte `pos`, with its start; `None` at the
/// beginning of the medium (or if the bytes before `pos` are not an object
/// of this format).
pub fn object_before(m: &[u8], pos: usize) -> Option<(usize, Object)> {
    let tpos = pos.checked_sub(HEADER_LEN)?;
    let t = array_at::<HEADER_LEN>(m, tpos)?;
    let o = decode(t);
    if o == Object::Eod {
        return None;
    }
    let start = pos.checked_sub(o.size())?;
    if object_at(m, start) == o {
        Some((start, o))
    } else {
        None
    }
}

/// `true` if an object with a `payload`-byte payload fits at `pos` in a
/// medium of `len` bytes.
pub fn fits(len: usize, pos: usize, payload: usize) -> bool {
    pos.checked_add(OVERHEAD)
        .and_then(|p| p.checked_add(payload))
        .is_some_and(|end| end <= len)
}

/// The payload bytes of a record of `len` bytes starting at `pos`.
pub fn payload(m: &[u8], pos: usize, len: u32) -> Option<&[u8]> {
    let s = pos.checked_add(HEADER_LEN)?;
    m.get(s..s.checked_add(len as usize)?)
}

/// The payload bytes of a record of `len` bytes at `pos`, for writing.
pub fn payload_mut(m: &mut [u8], pos: usize, len: u32) -> Option<&mut [u8]> {
    let s = pos.checked_add(HEADER_LEN)?;
    m.get_mut(s..s.checked_add(len as usize)?)
}

/// Marks end of data at `pos` (when 4 bytes fit; otherwise the end of the
/// slice already is end of data).
pub fn write_eod(m: &mut [u8], pos: usize) {
    if let Some(h) = pos
        .checked_add(HEADER_LEN)
        .and_then(|end| m.get_mut(pos..end))
    {
        h.fill(0);
    }
}

/// Writes the header and trailer of `o` at `pos` (the payload of a record
/// must already be in place) and end of data after it. Returns the
/// position after the object, or `None` (nothing written) if it does not
/// fit.
pub fn write_object(m: &mut [u8], pos: usize, o: Object) -> Option<usize> {
    let payload_len = o.size().checked_sub(OVERHEAD)?;
    if !fits(m.len(), pos, payload_len) {
        return None;
    }
    let end = pos.checked_add(o.size())?;
    let h = o.header();
    m.get_mut(pos..pos.checked_add(HEADER_LEN)?)?
        .copy_from_slice(&h);
    m.get_mut(end.checked_sub(HEADER_LEN)?..end)?
        .copy_from_slice(&h);
    write_eod(m, end);
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_tape_is_eod() {
        let m = [0u8; 64];
        assert_eq!(object_at(&m, 0), Object::Eod);
        assert_eq!(object_at(&m, 1000), Object::Eod);
        assert_eq!(object_before(&m, 0), None);
        assert_eq!(object_before(&m, 8), None);
    }

    #[test]
    fn write_and_walk() {
        let mut m = [0xeeu8; 64];
        payload_mut(&mut m, 0, 3).unwrap().copy_from_slice(b"abc");
        let p = write_object(&mut m, 0, Object::Record(3)).unwrap();
        assert_eq!(p, 11);
        let p2 = write_object(&mut m, p, Object::Filemark).unwrap();
        assert_eq!(p2, 19);
        assert_eq!(object_at(&m, 0), Object::Record(3));
        assert_eq!(payload(&m, 0, 3).unwrap(), b"abc");
        assert_eq!(object_at(&m, 11), Object::Filemark);
        assert_eq!(object_at(&m, 19), Object::Eod);
        assert_eq!(object_before(&m, 19), Some((11, Object::Filemark)));
        assert_eq!(object_before(&m, 11), Some((0, Object::Record(3))));
        assert_eq!(object_before(&m, 0), None);
        // Rewriting the first object truncates the rest.
        let p = write_object(&mut m, 0, Object::Filemark).unwrap();
        assert_eq!(object_at(&m, p), Object::Eod);
    }

    #[test]
    fn does_not_fit() {
        let mut m = [0u8; 16];
        assert!(fits(16, 0, 8));
        assert!(!fits(16, 0, 9));
        assert!(!fits(16, usize::MAX, 0));
        assert_eq!(write_object(&mut m, 0, Object::Record(9)), None);
        assert_eq!(m, [0; 16]);
        // Exactly full: no room for the end-of-data header, which is fine.
        assert_eq!(write_object(&mut m, 0, Object::Record(8)), Some(16));
        assert_eq!(object_at(&m, 16), Object::Eod);
        assert_eq!(object_before(&m, 16), Some((0, Object::Record(8))));
    }

    #[test]
    fn damage_reads_as_eod() {
        let mut m = [0u8; 32];
        write_object(&mut m, 0, Object::Record(4)).unwrap();
        m[11] = 9; // trailer length
        assert_eq!(object_at(&m, 0), Object::Eod);
        assert_eq!(object_before(&m, 12), None);
        let mut m = [0u8; 32];
        m[0] = 0x07;
        assert_eq!(object_at(&m, 0), Object::Eod);
        m[0] = TYPE_FILEMARK;
        m[3] = 1;
        assert_eq!(object_at(&m, 0), Object::Eod);
        // A record claiming more than the medium holds.
        let m = [TYPE_RECORD, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        assert_eq!(object_at(&m, 0), Object::Eod);
        assert_eq!(object_before(&m, 8), None);
        assert_eq!(payload(&m, usize::MAX, 4), None);
    }
}
