// SPDX-License-Identifier: GPL-2.0

//! Test module built against interface header api_v2.h.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../../rust/scsi_rs_api.rs"]
mod api;
#[path = "abi_client.rs"]
mod client;

module! {
    type: Client,
    name: "scsi_rs_abi_new",
    author: "The scsi-rs developers",
    description: "test: scsi_mod_rs client built against another interface version",
    license: "GPL",
}

struct Client {
    _client: client::AbiClient,
}

impl kernel::Module for Client {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Client {
            _client: client::AbiClient::register(c_str!("scsi_rs_abi_new"), module)?,
        })
    }
}
