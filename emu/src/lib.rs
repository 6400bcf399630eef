// SPDX-License-Identifier: GPL-2.0

//! Pure SCSI target emulation for the Rust SCSI stack.
//!
//! This crate emulates SCSI logical units — a disk (SBC-3), a CD-ROM drive
//! (MMC-6) and a tape drive (SSC-4), all with the SPC-4 primary commands —
//! for an emulated host adapter, the role `scsi_debug` plays for the C
//! stack. It is `no_std`, uses no `alloc`, no `unsafe` and no dependencies,
//! and never panics on guest input: every field is read with bounds-checked
//! accessors and all arithmetic on guest values is checked or saturating.
//!
//! The front end owns the backing storage (a `&mut [u8]` it allocates) and
//! the per-LUN lock, and calls [`lun::Lun::execute`] (or
//! [`target::Target::execute`], which also answers for absent LUNs) with
//! the CDB and a [`databuf::DataBuf`] over the command's scatterlist. The
//! returned [`outcome::Outcome`] carries the status, sense data, residual
//! and whether to complete now, later or never (fault injection).
//!
//! Like `scsi_proto`, the kernel modules include the files directly with
//! `#[path]`: every module reaches its siblings only through `super::`,
//! and this file does nothing but declare them. The protocol crate's files
//! are included the same way, as siblings.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

// The protocol crate's files, shared as source (see proto/src/lib.rs).
#[path = "../../proto/src/bytes.rs"]
pub mod bytes;
#[path = "../../proto/src/capacity.rs"]
pub mod capacity;
#[path = "../../proto/src/cdb.rs"]
pub mod cdb;
#[path = "../../proto/src/error.rs"]
pub mod error;
#[path = "../../proto/src/inquiry.rs"]
pub mod inquiry;
#[path = "../../proto/src/luns.rs"]
pub mod luns;
#[path = "../../proto/src/mode.rs"]
pub mod mode;
#[path = "../../proto/src/sense.rs"]
pub mod sense;
#[path = "../../proto/src/status.rs"]
pub mod status;
#[path = "../../proto/src/vpd.rs"]
pub mod vpd;

pub mod cdrom;
pub mod databuf;
pub mod disk;
pub mod fault;
pub mod lun;
pub mod opcodes;
pub mod outcome;
pub mod spc;
pub mod tape;
pub mod tapefmt;
pub mod target;
pub mod ua;

#[cfg(test)]
mod fuzz;
