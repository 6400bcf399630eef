// SPDX-License-Identifier: GPL-2.0

//! The data buffer of a command, as the emulation sees it.
//!
//! The front end implements [`DataBuf`] over the command's scatterlist; the
//! host tests use [`SliceBuf`]. The emulation copies straight between the
//! backing storage and the buffer (no bounce buffer), at byte offsets into
//! the command's data, and tracks how far the transfer went in [`Xfer`] so
//! that the residual (SAM-5, "data underrun") comes out right whatever the
//! allocation length, transfer length and buffer length are.

/// The data buffer of one command (its scatterlist, in the kernel).
///
/// Offsets are byte offsets into the command's data. Both copy functions
/// copy as much as fits between `off` and [`DataBuf::len`] and return the
/// number of bytes copied; they must not panic for any offset.
pub trait DataBuf {
    /// Length of the buffer in bytes (the command's transfer length as the
    /// initiator set it up).
    fn len(&self) -> usize;

    /// `true` if the command has no data buffer.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Data-in (device to host): copies `src` to the buffer at `off`.
    fn copy_to_host(&mut self, off: usize, src: &[u8]) -> usize;

    /// Data-out (host to device): copies the buffer at `off` into `dst`.
    fn copy_from_host(&self, off: usize, dst: &mut [u8]) -> usize;
}

/// A [`DataBuf`] over a byte slice.
#[derive(Debug)]
pub struct SliceBuf<'a> {
    buf: &'a mut [u8],
}

impl<'a> SliceBuf<'a> {
    /// Wraps `buf`.
    pub fn new(buf: &'a mut [u8]) -> SliceBuf<'a> {
        SliceBuf { buf }
    }

    /// The wrapped bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.buf
    }
}

impl DataBuf for SliceBuf<'_> {
    fn len(&self) -> usize {
        self.buf.len()
    }

    fn copy_to_host(&mut self, off: usize, src: &[u8]) -> usize {
        let dst = match self.buf.get_mut(off..) {
            Some(d) => d,
            None => return 0,
        };
        let n = dst.len().min(src.len());
        if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
            d.copy_from_slice(s);
            n
        } else {
            0
        }
    }

    fn copy_from_host(&self, off: usize, dst: &mut [u8]) -> usize {
        let src = match self.buf.get(off..) {
            Some(s) => s,
            None => return 0,
        };
        let n = dst.len().min(src.len());
        if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
            d.copy_from_slice(s);
            n
        } else {
            0
        }
    }
}

/// The empty data buffer, for commands without data.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoData;

impl DataBuf for NoData {
    fn len(&self) -> usize {
        0
    }

    fn copy_to_host(&mut self, _off: usize, _src: &[u8]) -> usize {
        0
    }

    fn copy_from_host(&self, _off: usize, _dst: &mut [u8]) -> usize {
        0
    }
}

/// A command's data transfer in progress: the buffer and the highest byte
/// offset transferred so far, from which the residual follows.
pub struct Xfer<'d> {
    buf: &'d mut dyn DataBuf,
    done: usize,
}

impl<'d> Xfer<'d> {
    /// Starts a transfer over `buf`; nothing is transferred yet.
    pub fn new(buf: &'d mut dyn DataBuf) -> Xfer<'d> {
        Xfer { buf, done: 0 }
    }

    /// Length of the data buffer.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// `true` if the command has no data buffer.
    pub fn is_empty(&self) -> bool {
        self.buf.len() == 0
    }

    /// Bytes transferred so far (the highest offset reached).
    pub fn done(&self) -> usize {
        self.done
    }

    fn note(&mut self, off: usize, n: usize) {
        self.done = self.done.max(off.saturating_add(n));
    }

    /// Sends parameter data limited by the allocation length `alloc`: the
    /// first `min(src.len(), alloc)` bytes go to offset 0.
    pub fn send(&mut self, src: &[u8], alloc: usize) -> usize {
        let n = src.len().min(alloc);
        self.send_at(0, src.get(..n).unwrap_or(src))
    }

    /// Sends `src` to offset `off`; returns the bytes that fitted.
    pub fn send_at(&mut self, off: usize, src: &[u8]) -> usize {
        let n = self.buf.copy_to_host(off, src);
        self.note(off, n);
        n
    }

    /// Receives data-out bytes at `off` into `dst`; returns the bytes
    /// received.
    pub fn fetch(&mut self, off: usize, dst: &mut [u8]) -> usize {
        let n = self.buf.copy_from_host(off, dst);
        self.note(off, n);
        n
    }

    /// Reads data-out bytes again without counting them as transferred
    /// (for a second pass over a parameter list already fetched).
    pub fn peek(&self, off: usize, dst: &mut [u8]) -> usize {
        self.buf.copy_from_host(off, dst)
    }

    /// Marks `n` bytes from offset 0 as transferred (used when the data was
    /// consumed in pieces with [`Xfer::peek`]).
    pub fn mark_done(&mut self, n: usize) {
        self.note(0, n.min(self.buf.len()));
    }

    /// The residual: buffer length minus bytes transferred, saturated to 32
    /// bits.
    pub fn resid(&self) -> u32 {
        let r = self.buf.len().saturating_sub(self.done);
        u32::try_from(r).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_buf_copies_clipped() {
        let mut b = [0u8; 4];
        let mut s = SliceBuf::new(&mut b);
        assert_eq!(s.len(), 4);
        assert!(!s.is_empty());
        assert_eq!(s.copy_to_host(2, &[1, 2, 3]), 2);
        assert_eq!(s.copy_to_host(4, &[1]), 0);
        assert_eq!(s.copy_to_host(usize::MAX, &[1]), 0);
        assert_eq!(s.as_slice(), &[0, 0, 1, 2]);
        let mut d = [9u8; 3];
        assert_eq!(s.copy_from_host(3, &mut d), 1);
        assert_eq!(d, [2, 9, 9]);
        assert_eq!(s.copy_from_host(9, &mut d), 0);
        assert!(NoData.is_empty());
    }

    #[test]
    fn xfer_tracks_residual() {
        let mut b = [0u8; 10];
        let mut s = SliceBuf::new(&mut b);
        let mut x = Xfer::new(&mut s);
        assert_eq!(x.resid(), 10);
        assert_eq!(x.send(&[1, 2, 3, 4, 5, 6], 4), 4);
        assert_eq!(x.resid(), 6);
        assert_eq!(x.send_at(8, &[7, 7, 7]), 2);
        assert_eq!(x.done(), 10);
        assert_eq!(x.resid(), 0);
        let mut n = NoData;
        let mut x = Xfer::new(&mut n);
        assert_eq!(x.send(&[1], 1), 0);
        assert_eq!(x.resid(), 0);
        let mut d = [0u8; 2];
        assert_eq!(x.fetch(0, &mut d), 0);
        assert!(x.is_empty());
    }

    #[test]
    fn xfer_peek_does_not_count() {
        let mut b = [1u8, 2, 3, 4];
        let mut s = SliceBuf::new(&mut b);
        let mut x = Xfer::new(&mut s);
        let mut d = [0u8; 2];
        assert_eq!(x.peek(1, &mut d), 2);
        assert_eq!(d, [2, 3]);
        assert_eq!(x.resid(), 4);
        x.mark_done(3);
        assert_eq!(x.resid(), 1);
        x.mark_done(100);
        assert_eq!(x.resid(), 0);
    }
}
