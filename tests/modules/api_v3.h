/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test fixture: a newer version 3 of the interface whose upper-level driver
 * structure grew a field. A module built against it must be refused by an
 * older core.
 */
#ifndef SCSI_RS_API_V3_H
#define SCSI_RS_API_V3_H
#include <linux/types.h>

#define SCSI_RS_ABI_VERSION 3

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
	__u32 flags;
	void *ctx;
	int (*probe)(void *ctx, struct scsi_rs_device *sdev);
	void (*remove)(void *ctx, struct scsi_rs_device *sdev);
	__u32 max_devices;
};

int scsi_rs_register_upper(const struct scsi_rs_upper_driver *drv,
			   struct scsi_rs_upper **out);
void scsi_rs_unregister_upper(struct scsi_rs_upper *drv);
#endif
