// SPDX-License-Identifier: GPL-2.0

//! Panic-free big-endian field access on byte slices.
//!
//! SCSI transfers every multi-byte field most significant byte first. These
//! helpers read such fields from untrusted buffers: each returns `None` when
//! the field does not lie entirely within the buffer, and none of them can
//! panic or overflow for any offset.

use super::error::Error;

/// Returns `N` bytes starting at `off`, or `None` if they are not all present.
#[inline]
pub fn array_at<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    let end = off.checked_add(N)?;
    let s = buf.get(off..end)?;
    <[u8; N]>::try_from(s).ok()
}

/// Returns the byte at `off`, or `None` past the end of `buf`.
#[inline]
pub fn u8_at(buf: &[u8], off: usize) -> Option<u8> {
    buf.get(off).copied()
}

/// Returns the byte at `off`, or zero past the end of `buf`.
#[inline]
pub fn u8_or_zero(buf: &[u8], off: usize) -> u8 {
    buf.get(off).copied().unwrap_or(0)
}

/// Reads a big-endian `u16` at `off`.
#[inline]
pub fn be16_at(buf: &[u8], off: usize) -> Option<u16> {
    array_at::<2>(buf, off).map(u16::from_be_bytes)
}

/// Reads a big-endian 24-bit value at `off`.
#[inline]
pub fn be24_at(buf: &[u8], off: usize) -> Option<u32> {
    array_at::<3>(buf, off).map(|b| u32::from_be_bytes([0, b[0], b[1], b[2]]))
}

/// Reads a big-endian `u32` at `off`.
#[inline]
pub fn be32_at(buf: &[u8], off: usize) -> Option<u32> {
    array_at::<4>(buf, off).map(u32::from_be_bytes)
}

/// Reads a big-endian `u64` at `off`.
#[inline]
pub fn be64_at(buf: &[u8], off: usize) -> Option<u64> {
    array_at::<8>(buf, off).map(u64::from_be_bytes)
}

/// Returns at most the first `len` bytes of `buf`.
#[inline]
pub fn prefix(buf: &[u8], len: usize) -> &[u8] {
    buf.get(..len).unwrap_or(buf)
}

/// Returns the bytes of `buf` from `off` on (empty when `off` is past the end).
#[inline]
pub fn suffix(buf: &[u8], off: usize) -> &[u8] {
    buf.get(off..).unwrap_or(&[])
}

/// Returns `buf[off..off + len]` clipped to the end of `buf` (possibly empty).
#[inline]
pub fn clipped(buf: &[u8], off: usize, len: usize) -> &[u8] {
    prefix(suffix(buf, off), len)
}

/// Copies `src` into `out` at `off`.
///
/// Returns [`Error::NoSpace`] without writing anything if `src` does not fit.
pub fn put(out: &mut [u8], off: usize, src: &[u8]) -> Result<(), Error> {
    let end = off.checked_add(src.len()).ok_or(Error::NoSpace)?;
    let dst = out.get_mut(off..end).ok_or(Error::NoSpace)?;
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
    Ok(())
}

/// Returns `true` if `b` is printable ASCII (0x20..=0x7e).
#[inline]
pub const fn is_printable(b: u8) -> bool {
    matches!(b, 0x20..=0x7e)
}

/// Strips trailing spaces and NUL bytes, and leading spaces if `leading`.
pub fn trim_padding(mut raw: &[u8], leading: bool) -> &[u8] {
    while let Some((&last, rest)) = raw.split_last() {
        if last == b' ' || last == 0 {
            raw = rest;
        } else {
            break;
        }
    }
    if leading {
        while let Some((&first, rest)) = raw.split_first() {
            if first == b' ' {
                raw = rest;
            } else {
                break;
            }
        }
    }
    raw
}

/// Interprets `raw` as printable ASCII after trimming padding.
///
/// Trailing spaces and NULs are removed (and leading spaces if `leading`).
/// Returns [`Error::NotAscii`] if any remaining byte is not printable ASCII.
pub fn ascii_str(raw: &[u8], leading: bool) -> Result<&str, Error> {
    let t = trim_padding(raw, leading);
    if !t.iter().all(|&b| is_printable(b)) {
        return Err(Error::NotAscii);
    }
    core::str::from_utf8(t).map_err(|_| Error::NotAscii)
}

/// Copies `raw` into `out` as printable ASCII, replacing other bytes by `?`.
///
/// Padding is trimmed as in [`ascii_str`]; the result is truncated to the
/// length of `out`. Never fails.
pub fn ascii_lossy<'o>(raw: &[u8], leading: bool, out: &'o mut [u8]) -> &'o str {
    let t = trim_padding(raw, leading);
    let mut n = 0;
    for (d, &s) in out.iter_mut().zip(t) {
        *d = if is_printable(s) { s } else { b'?' };
        n += 1;
    }
    let out: &'o [u8] = out;
    core::str::from_utf8(prefix(out, n)).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_and_out_of_bounds() {
        let b = [1u8, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(u8_at(&b, 8), Some(9));
        assert_eq!(u8_at(&b, 9), None);
        assert_eq!(u8_or_zero(&b, 100), 0);
        assert_eq!(be16_at(&b, 0), Some(0x0102));
        assert_eq!(be16_at(&b, 8), None);
        assert_eq!(be24_at(&b, 6), Some(0x070809));
        assert_eq!(be24_at(&b, 7), None);
        assert_eq!(be32_at(&b, 5), Some(0x06070809));
        assert_eq!(be64_at(&b, 1), Some(0x0203_0405_0607_0809));
        assert_eq!(be64_at(&b, 2), None);
        assert_eq!(be64_at(&b, usize::MAX), None);
        assert_eq!(array_at::<2>(&b, usize::MAX - 1), None);
        assert_eq!(prefix(&b, 3), &[1, 2, 3]);
        assert_eq!(prefix(&b, 30).len(), 9);
        assert_eq!(suffix(&b, 7), &[8, 9]);
        assert!(suffix(&b, 30).is_empty());
        assert_eq!(clipped(&b, 7, 5), &[8, 9]);
        assert!(clipped(&b, 70, 5).is_empty());
    }

    #[test]
    fn put_checks_space() {
        let mut o = [0u8; 4];
        assert_eq!(put(&mut o, 1, &[7, 8]), Ok(()));
        assert_eq!(o, [0, 7, 8, 0]);
        assert_eq!(put(&mut o, 3, &[1, 2]), Err(Error::NoSpace));
        assert_eq!(put(&mut o, usize::MAX, &[1]), Err(Error::NoSpace));
        assert_eq!(o, [0, 7, 8, 0]);
    }

    #[test]
    fn ascii() {
        assert_eq!(ascii_str(b"ATA     ", false), Ok("ATA"));
        assert_eq!(ascii_str(b"  SN1 \0\0", true), Ok("SN1"));
        assert_eq!(ascii_str(b"  SN1", false), Ok("  SN1"));
        assert_eq!(ascii_str(b"", false), Ok(""));
        assert_eq!(ascii_str(b"a\tb", false), Err(Error::NotAscii));
        assert_eq!(ascii_str(b"\xc3\xa9", false), Err(Error::NotAscii));
        let mut o = [0u8; 4];
        assert_eq!(ascii_lossy(b"a\x01bcdef", false, &mut o), "a?bc");
        let mut e = [0u8; 0];
        assert_eq!(ascii_lossy(b"abc", false, &mut e), "");
        assert!(is_printable(b'~') && !is_printable(0x7f) && !is_printable(0x1f));
    }
}
