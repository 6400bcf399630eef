/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test fixture: the upper-level part of the interface as an older version 0
 * had it (no flags field). A module built against it must be refused.
 */
#ifndef SCSI_RS_API_V0_H
#define SCSI_RS_API_V0_H
#include <linux/types.h>

#define SCSI_RS_ABI_VERSION 0

struct module;
struct scsi_rs_upper;
struct scsi_rs_device;

struct scsi_rs_abi {
	__u32 version;
	__u32 size;
	const char *origin;
};

struct scsi_rs_upper_driver {
	struct scsi_rs_abi abi;
	const char *name;
	struct module *owner;
	__u32 type_mask;
	void *ctx;
	int (*probe)(void *ctx, struct scsi_rs_device *sdev);
	void (*remove)(void *ctx, struct scsi_rs_device *sdev);
};

int scsi_rs_register_upper(const struct scsi_rs_upper_driver *drv,
			   struct scsi_rs_upper **out);
void scsi_rs_unregister_upper(struct scsi_rs_upper *drv);
#endif
