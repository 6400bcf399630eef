// SPDX-License-Identifier: GPL-2.0

//! Body of the interface-version test modules: registers an upper-level
//! driver through whatever interface header the module was built against.
//! Against a core of another version the registration, and so the load,
//! must fail with EINVAL.

use crate::api;
use kernel::error::to_result;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;

/// Never called: the registration is refused.
///
/// # Safety
///
/// Any arguments.
unsafe extern "C" fn probe(_ctx: *mut c_void, _sdev: *mut api::scsi_rs_device) -> c_int {
    ENODEV.to_errno()
}

/// Never called: the registration is refused.
///
/// # Safety
///
/// Any arguments.
unsafe extern "C" fn remove(_ctx: *mut c_void, _sdev: *mut api::scsi_rs_device) {}

pub(crate) struct AbiClient {
    handle: *mut api::scsi_rs_upper,
}

// SAFETY: the handle is an opaque token, used only at unload.
unsafe impl Sync for AbiClient {}
// SAFETY: as above.
unsafe impl Send for AbiClient {}

impl AbiClient {
    pub(crate) fn register(name: &'static CStr, module: &'static ThisModule) -> Result<Self> {
        let desc = api::scsi_rs_upper_driver {
            abi: api::scsi_rs_abi {
                version: api::SCSI_RS_ABI_VERSION,
                size: core::mem::size_of::<api::scsi_rs_upper_driver>() as u32,
                origin: name.as_char_ptr(),
            },
            name: name.as_char_ptr(),
            owner: module.as_ptr(),
            type_mask: 1,
            probe: Some(probe),
            remove: Some(remove),
            ..Default::default()
        };
        let mut handle = core::ptr::null_mut();
        // SAFETY: `desc` is complete for the header this module was built
        // against; the core reads its frozen prefix before anything else.
        to_result(unsafe { api::scsi_rs_register_upper(&desc, &mut handle) })?;
        pr_err!(
            "registration with interface version {} was accepted\n",
            api::SCSI_RS_ABI_VERSION
        );
        Ok(Self { handle })
    }
}

impl Drop for AbiClient {
    fn drop(&mut self) {
        // SAFETY: registered in `register`, unregistered once here.
        unsafe { api::scsi_rs_unregister_upper(self.handle) };
    }
}
