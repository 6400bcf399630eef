// SPDX-License-Identifier: GPL-2.0

//! Pure SCSI protocol encoding and decoding for the Rust SCSI stack.
//!
//! This crate holds the parts of SCSI that are plain byte layouts: command
//! descriptor blocks, status codes, sense data, INQUIRY and VPD data,
//! READ CAPACITY data, REPORT LUNS data and mode parameters, following
//! SAM-5, SPC-4, SBC-3, MMC-6 and SSC-4. It is `no_std`, uses no `alloc`,
//! no `unsafe` and no dependencies.
//!
//! Conventions shared by every module:
//!
//! - Parsers take the bytes actually transferred as `&[u8]` and never
//!   panic: fields are read with bounds-checked accessors, arithmetic is
//!   checked, and malformed input yields [`Error`] (or, for optional
//!   trailing fields, a documented zero / `None`).
//! - Builders return fixed-size arrays or write into caller-provided
//!   buffers (`&mut [u8; N]` or `&mut [u8]` with a returned length).
//! - Multi-byte fields are big endian, as on the wire.
//!
//! The kernel modules include the topic files directly with `#[path]`;
//! therefore every module depends only on its siblings through `super::`
//! (`bytes` and `error` are the shared helpers) and this file does nothing
//! but declare them.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod bytes;
pub mod capacity;
pub mod cdb;
pub mod error;
pub mod inquiry;
pub mod luns;
pub mod mmc;
pub mod mode;
pub mod sense;
pub mod status;
pub mod tape;
pub mod vpd;

pub use error::Error;
