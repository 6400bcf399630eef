// SPDX-License-Identifier: GPL-2.0
/*
 * The C side of scsi_mod_rs: the symbol exports of the
 * interface (implemented in Rust, scsi_mod_main.rs) and the module
 * parameters, which the 6.12 Rust module! macro cannot declare.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <scsi_rs/api.h>

EXPORT_SYMBOL_GPL(scsi_rs_abi_version);
EXPORT_SYMBOL_GPL(scsi_rs_register_host_driver);
EXPORT_SYMBOL_GPL(scsi_rs_unregister_host_driver);
EXPORT_SYMBOL_GPL(scsi_rs_register_upper);
EXPORT_SYMBOL_GPL(scsi_rs_unregister_upper);
EXPORT_SYMBOL_GPL(scsi_rs_cmd_done);
EXPORT_SYMBOL_GPL(scsi_rs_cmd_set_payload);
EXPORT_SYMBOL_GPL(scsi_rs_cmd_set_zeroes);
EXPORT_SYMBOL_GPL(scsi_rs_cmd_set_retries);
EXPORT_SYMBOL_GPL(scsi_rs_host_add);
EXPORT_SYMBOL_GPL(scsi_rs_host_no);
EXPORT_SYMBOL_GPL(scsi_rs_host_scan);
EXPORT_SYMBOL_GPL(scsi_rs_host_scan_target);
EXPORT_SYMBOL_GPL(scsi_rs_host_remove_device);
EXPORT_SYMBOL_GPL(scsi_rs_host_rescan_device);
EXPORT_SYMBOL_GPL(scsi_rs_host_remove);
EXPORT_SYMBOL_GPL(scsi_rs_device_info);
EXPORT_SYMBOL_GPL(scsi_rs_device_get);
EXPORT_SYMBOL_GPL(scsi_rs_device_put);
EXPORT_SYMBOL_GPL(scsi_rs_execute);
EXPORT_SYMBOL_GPL(scsi_rs_ioctl);
EXPORT_SYMBOL_GPL(scsi_rs_sg_submit);
EXPORT_SYMBOL_GPL(scsi_rs_sg_pack_id);
EXPORT_SYMBOL_GPL(scsi_rs_sg_finish);
EXPORT_SYMBOL_GPL(scsi_rs_sg_abandon);

static char scan_mode[8] = "async";
module_param_string(scan, scan_mode, sizeof(scan_mode), 0444);
MODULE_PARM_DESC(scan, "how a new host's bus is scanned: sync, async (default) or none");

static unsigned long long max_luns = 512;
module_param(max_luns, ullong, 0444);
MODULE_PARM_DESC(max_luns, "highest LUN number the scan probes, from 1 to 2^64-1 (default 512)");

/* Read by the Rust side at init; the parameters are read-only after load. */
const char *scsi_rs_param_scan(void);
u64 scsi_rs_param_max_luns(void);

const char *scsi_rs_param_scan(void)
{
	return scan_mode;
}

u64 scsi_rs_param_max_luns(void)
{
	return max_luns;
}
