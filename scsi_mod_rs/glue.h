/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the C part of scsi_mod_rs (glue.c: the static driver-model objects
 * that are macros and tables in C) and its Rust part, which implements every
 * callback declared here. Bindgen'd for the Rust side.
 */
#ifndef SCSI_RS_GLUE_H
#define SCSI_RS_GLUE_H

#include <linux/types.h>

struct device;
struct device_driver;
struct kobj_uevent_env;
struct scatterlist;

/* Attributes of an H:C:T:L device (sysfs names as in the C stack). */
enum scsi_rs_sdev_attr {
	SCSI_RS_SDEV_TYPE,
	SCSI_RS_SDEV_SCSI_LEVEL,
	SCSI_RS_SDEV_VENDOR,
	SCSI_RS_SDEV_MODEL,
	SCSI_RS_SDEV_REV,
	SCSI_RS_SDEV_STATE,
	SCSI_RS_SDEV_TIMEOUT,
	SCSI_RS_SDEV_EH_TIMEOUT,
	SCSI_RS_SDEV_QUEUE_DEPTH,
	SCSI_RS_SDEV_QUEUE_TYPE,
	SCSI_RS_SDEV_DEVICE_BLOCKED,
	SCSI_RS_SDEV_DEVICE_BUSY,
	SCSI_RS_SDEV_IOCOUNTERBITS,
	SCSI_RS_SDEV_IOREQUEST_CNT,
	SCSI_RS_SDEV_IODONE_CNT,
	SCSI_RS_SDEV_IOERR_CNT,
	SCSI_RS_SDEV_IOTMO_CNT,
	SCSI_RS_SDEV_MODALIAS,
	SCSI_RS_SDEV_WWID,
	SCSI_RS_SDEV_RESCAN,
	SCSI_RS_SDEV_DELETE,
	SCSI_RS_SDEV_NR_ATTRS,
};

/* Binary attributes of an H:C:T:L device. */
enum scsi_rs_sdev_bin {
	SCSI_RS_SDEV_BIN_INQUIRY,
	SCSI_RS_SDEV_BIN_VPD_PG0,
	SCSI_RS_SDEV_BIN_VPD_PG80,
	SCSI_RS_SDEV_BIN_VPD_PG83,
	SCSI_RS_SDEV_BIN_VPD_PGB0,
};

/* Attributes of /sys/class/scsi_host/hostN. */
enum scsi_rs_host_attr {
	SCSI_RS_HOST_UNIQUE_ID,
	SCSI_RS_HOST_HOST_BUSY,
	SCSI_RS_HOST_CMD_PER_LUN,
	SCSI_RS_HOST_CAN_QUEUE,
	SCSI_RS_HOST_SG_TABLESIZE,
	SCSI_RS_HOST_SG_PROT_TABLESIZE,
	SCSI_RS_HOST_PROC_NAME,
	SCSI_RS_HOST_SCAN,
	SCSI_RS_HOST_STATE,
	SCSI_RS_HOST_NR_HW_QUEUES,
	SCSI_RS_HOST_HOST_RESET,
	SCSI_RS_HOST_ACTIVE_MODE,
	SCSI_RS_HOST_SUPPORTED_MODE,
	SCSI_RS_HOST_PROT_CAPABILITIES,
	SCSI_RS_HOST_PROT_GUARD_TYPE,
	SCSI_RS_HOST_EH_DEADLINE,
	SCSI_RS_HOST_USE_BLK_MQ,
	SCSI_RS_HOST_NR_ATTRS,
};

/* What a struct device of ours is. */
enum scsi_rs_dev_kind {
	SCSI_RS_KIND_OTHER,
	SCSI_RS_KIND_HOST,
	SCSI_RS_KIND_TARGET,
	SCSI_RS_KIND_SDEV,
};

/* glue.c */
int scsi_rs_glue_register(void);	/* bus scsi, classes scsi_host and scsi_device */
void scsi_rs_glue_unregister(void);
enum scsi_rs_dev_kind scsi_rs_dev_kind(const struct device *dev);
/* Sets type (and bus, class) of a device before device_initialize(). */
void scsi_rs_init_host_dev(struct device *dev, struct device *class_dev);
void scsi_rs_init_target_dev(struct device *dev);
void scsi_rs_init_sdev_dev(struct device *dev, struct device *class_dev);
struct bus_type *scsi_rs_bus_ptr(void);
int scsi_rs_uevent_add(struct kobj_uevent_env *env, const char *key, const char *value);
/*
 * 0 when every byte of an SG_IO's user buffer (or iovec array of
 * iov_count entries) can be reached, -EFAULT (or the iovec import's error)
 * otherwise; to_device: the data is read from it.
 */
int scsi_rs_user_buf_check(unsigned long ubuf, unsigned long len, bool iov,
			   unsigned int iov_count, bool to_device);

/* SG: one entry over the first LEN (<= PAGE_SIZE) bytes of the zero page. */
void scsi_rs_sg_zero_page(struct scatterlist *sg, unsigned int len);

/*
 * SG: a cleared, terminated table of NENTS entries from kmalloc (atomic,
 * no warning on failure: the caller has a fallback), or NULL; kfree frees it.
 */
struct scatterlist *scsi_rs_sg_table_alloc(unsigned int nents);

/* Implemented in Rust. */
int scsi_rs_rs_bus_match(struct device *dev, const struct device_driver *drv);
int scsi_rs_rs_bus_probe(struct device *dev);
void scsi_rs_rs_bus_remove(struct device *dev);
void scsi_rs_rs_bus_shutdown(struct device *dev);
int scsi_rs_rs_bus_uevent(const struct device *dev, struct kobj_uevent_env *env);
void scsi_rs_rs_dev_release(struct device *dev);
long scsi_rs_rs_sdev_show(struct device *dev, __u32 attr, char *buf);
long scsi_rs_rs_sdev_store(struct device *dev, __u32 attr, const char *buf, __u64 count);
void scsi_rs_rs_sdev_delete(struct device *dev);
long scsi_rs_rs_sdev_bin_read(struct device *dev, __u32 which, char *buf, __s64 off, __u64 count);
long scsi_rs_rs_host_show(struct device *class_dev, __u32 attr, char *buf);
long scsi_rs_rs_host_store(struct device *class_dev, __u32 attr, const char *buf, __u64 count);

#endif
