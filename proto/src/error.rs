// SPDX-License-Identifier: GPL-2.0

//! Error type shared by the protocol parsers and builders.
//!
//! Every fallible function in this crate returns [`Error`]. The variants are
//! deliberately coarse: callers in the kernel usually only log the reason and
//! fall back to a safe default.

use core::fmt;

/// Why a parser or builder refused its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// The buffer ends before a field that the format requires.
    Truncated,
    /// A field holds a value the format does not allow (for example a
    /// reserved sense response code or an unexpected VPD page code).
    Invalid,
    /// The data is well formed but uses a format this crate does not decode
    /// (for example vendor-specific sense data, response code 0x7f).
    Unsupported,
    /// A text field holds bytes outside printable ASCII (0x20..=0x7e).
    NotAscii,
    /// A value does not fit the field it has to be encoded in.
    OutOfRange,
    /// The caller's output buffer is too small for the encoded result.
    NoSpace,
}

impl Error {
    /// Returns a short, static, human-readable description of the error.
    pub const fn as_str(self) -> &'static str {
        match self {
            Error::Truncated => "truncated data",
            Error::Invalid => "invalid field value",
            Error::Unsupported => "unsupported format",
            Error::NotAscii => "non-ASCII text field",
            Error::OutOfRange => "value out of range",
            Error::NoSpace => "output buffer too small",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
