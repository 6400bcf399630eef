// SPDX-License-Identifier: GPL-2.0
/*
 * The driver-model objects of scsi_mod_rs that C expresses as static tables
 * and macros: bus "scsi", classes "scsi_host" and "scsi_device", the device
 * types of hosts, targets and H:C:T:L devices, and their sysfs attributes.
 * Every callback is implemented in Rust (scsi_rs_rs_*, see glue.h); this file
 * holds no logic.
 */
#include <linux/device.h>
#include <linux/pagemap.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include "glue.h"

/* An attribute that carries the Rust side's number for it. */
struct scsi_rs_attr {
	struct device_attribute attr;
	u32 id;
};

#define to_rs_attr(a) container_of(a, struct scsi_rs_attr, attr)

static ssize_t sdev_show(struct device *dev, struct device_attribute *a, char *buf)
{
	return scsi_rs_rs_sdev_show(dev, to_rs_attr(a)->id, buf);
}

static ssize_t sdev_store(struct device *dev, struct device_attribute *a,
			  const char *buf, size_t count)
{
	/* Removing a device from its own attribute: let go of the attribute first. */
	if (to_rs_attr(a)->id == SCSI_RS_SDEV_DELETE) {
		if (device_remove_file_self(dev, a))
			scsi_rs_rs_sdev_delete(dev);
		return count;
	}
	return scsi_rs_rs_sdev_store(dev, to_rs_attr(a)->id, buf, count);
}

static ssize_t host_show(struct device *dev, struct device_attribute *a, char *buf)
{
	return scsi_rs_rs_host_show(dev, to_rs_attr(a)->id, buf);
}

static ssize_t host_store(struct device *dev, struct device_attribute *a,
			  const char *buf, size_t count)
{
	return scsi_rs_rs_host_store(dev, to_rs_attr(a)->id, buf, count);
}

#define RS_ATTR(kind, _name, _mode, _id)					\
	static struct scsi_rs_attr kind##_attr_##_name = {			\
		.attr = __ATTR(_name, _mode,					\
			       ((_mode) & 0444) ? kind##_show : NULL,		\
			       ((_mode) & 0222) ? kind##_store : NULL),		\
		.id = _id,							\
	}

RS_ATTR(sdev, type, 0444, SCSI_RS_SDEV_TYPE);
RS_ATTR(sdev, scsi_level, 0444, SCSI_RS_SDEV_SCSI_LEVEL);
RS_ATTR(sdev, vendor, 0444, SCSI_RS_SDEV_VENDOR);
RS_ATTR(sdev, model, 0444, SCSI_RS_SDEV_MODEL);
RS_ATTR(sdev, rev, 0444, SCSI_RS_SDEV_REV);
RS_ATTR(sdev, state, 0644, SCSI_RS_SDEV_STATE);
RS_ATTR(sdev, timeout, 0644, SCSI_RS_SDEV_TIMEOUT);
RS_ATTR(sdev, eh_timeout, 0644, SCSI_RS_SDEV_EH_TIMEOUT);
RS_ATTR(sdev, queue_depth, 0644, SCSI_RS_SDEV_QUEUE_DEPTH);
RS_ATTR(sdev, queue_type, 0644, SCSI_RS_SDEV_QUEUE_TYPE);
RS_ATTR(sdev, device_blocked, 0444, SCSI_RS_SDEV_DEVICE_BLOCKED);
RS_ATTR(sdev, device_busy, 0444, SCSI_RS_SDEV_DEVICE_BUSY);
RS_ATTR(sdev, iocounterbits, 0444, SCSI_RS_SDEV_IOCOUNTERBITS);
RS_ATTR(sdev, iorequest_cnt, 0444, SCSI_RS_SDEV_IOREQUEST_CNT);
RS_ATTR(sdev, iodone_cnt, 0444, SCSI_RS_SDEV_IODONE_CNT);
RS_ATTR(sdev, ioerr_cnt, 0444, SCSI_RS_SDEV_IOERR_CNT);
RS_ATTR(sdev, iotmo_cnt, 0444, SCSI_RS_SDEV_IOTMO_CNT);
RS_ATTR(sdev, modalias, 0444, SCSI_RS_SDEV_MODALIAS);
RS_ATTR(sdev, wwid, 0444, SCSI_RS_SDEV_WWID);
RS_ATTR(sdev, rescan, 0200, SCSI_RS_SDEV_RESCAN);
RS_ATTR(sdev, delete, 0200, SCSI_RS_SDEV_DELETE);

static struct attribute *sdev_attrs[] = {
	&sdev_attr_type.attr.attr,
	&sdev_attr_scsi_level.attr.attr,
	&sdev_attr_vendor.attr.attr,
	&sdev_attr_model.attr.attr,
	&sdev_attr_rev.attr.attr,
	&sdev_attr_state.attr.attr,
	&sdev_attr_timeout.attr.attr,
	&sdev_attr_eh_timeout.attr.attr,
	&sdev_attr_queue_depth.attr.attr,
	&sdev_attr_queue_type.attr.attr,
	&sdev_attr_device_blocked.attr.attr,
	&sdev_attr_device_busy.attr.attr,
	&sdev_attr_iocounterbits.attr.attr,
	&sdev_attr_iorequest_cnt.attr.attr,
	&sdev_attr_iodone_cnt.attr.attr,
	&sdev_attr_ioerr_cnt.attr.attr,
	&sdev_attr_iotmo_cnt.attr.attr,
	&sdev_attr_modalias.attr.attr,
	&sdev_attr_wwid.attr.attr,
	&sdev_attr_rescan.attr.attr,
	&sdev_attr_delete.attr.attr,
	NULL,
};

static ssize_t sdev_bin_read(struct file *f, struct kobject *kobj,
			     struct bin_attribute *a, char *buf,
			     loff_t off, size_t count)
{
	return scsi_rs_rs_sdev_bin_read(kobj_to_dev(kobj), (u32)(uintptr_t)a->private,
					buf, off, count);
}

static umode_t sdev_bin_visible(struct kobject *kobj, struct bin_attribute *a, int n)
{
	/* A zero-length read: the page was not reported at scan time. */
	if (scsi_rs_rs_sdev_bin_read(kobj_to_dev(kobj), (u32)(uintptr_t)a->private,
				     NULL, 0, 0) <= 0)
		return 0;
	return a->attr.mode;
}

#define RS_BIN(_name, _id)							\
	static struct bin_attribute sdev_bin_##_name = {			\
		.attr = { .name = #_name, .mode = 0444 },			\
		.read = sdev_bin_read,					\
		.private = (void *)(uintptr_t)(_id),				\
	}

RS_BIN(inquiry, SCSI_RS_SDEV_BIN_INQUIRY);
RS_BIN(vpd_pg0, SCSI_RS_SDEV_BIN_VPD_PG0);
RS_BIN(vpd_pg80, SCSI_RS_SDEV_BIN_VPD_PG80);
RS_BIN(vpd_pg83, SCSI_RS_SDEV_BIN_VPD_PG83);
RS_BIN(vpd_pgb0, SCSI_RS_SDEV_BIN_VPD_PGB0);

static struct bin_attribute *sdev_bin_attrs[] = {
	&sdev_bin_inquiry,
	&sdev_bin_vpd_pg0,
	&sdev_bin_vpd_pg80,
	&sdev_bin_vpd_pg83,
	&sdev_bin_vpd_pgb0,
	NULL,
};

static const struct attribute_group sdev_group = {
	.attrs = sdev_attrs,
	.bin_attrs = sdev_bin_attrs,
	.is_bin_visible = sdev_bin_visible,
};

static const struct attribute_group *sdev_groups[] = { &sdev_group, NULL };

RS_ATTR(host, unique_id, 0444, SCSI_RS_HOST_UNIQUE_ID);
RS_ATTR(host, host_busy, 0444, SCSI_RS_HOST_HOST_BUSY);
RS_ATTR(host, cmd_per_lun, 0444, SCSI_RS_HOST_CMD_PER_LUN);
RS_ATTR(host, can_queue, 0444, SCSI_RS_HOST_CAN_QUEUE);
RS_ATTR(host, sg_tablesize, 0444, SCSI_RS_HOST_SG_TABLESIZE);
RS_ATTR(host, sg_prot_tablesize, 0444, SCSI_RS_HOST_SG_PROT_TABLESIZE);
RS_ATTR(host, proc_name, 0444, SCSI_RS_HOST_PROC_NAME);
RS_ATTR(host, scan, 0200, SCSI_RS_HOST_SCAN);
RS_ATTR(host, state, 0644, SCSI_RS_HOST_STATE);
RS_ATTR(host, nr_hw_queues, 0444, SCSI_RS_HOST_NR_HW_QUEUES);
RS_ATTR(host, host_reset, 0200, SCSI_RS_HOST_HOST_RESET);
RS_ATTR(host, active_mode, 0444, SCSI_RS_HOST_ACTIVE_MODE);
RS_ATTR(host, supported_mode, 0444, SCSI_RS_HOST_SUPPORTED_MODE);
RS_ATTR(host, prot_capabilities, 0444, SCSI_RS_HOST_PROT_CAPABILITIES);
RS_ATTR(host, prot_guard_type, 0444, SCSI_RS_HOST_PROT_GUARD_TYPE);
RS_ATTR(host, eh_deadline, 0644, SCSI_RS_HOST_EH_DEADLINE);
RS_ATTR(host, use_blk_mq, 0444, SCSI_RS_HOST_USE_BLK_MQ);

static struct attribute *host_attrs[] = {
	&host_attr_unique_id.attr.attr,
	&host_attr_host_busy.attr.attr,
	&host_attr_cmd_per_lun.attr.attr,
	&host_attr_can_queue.attr.attr,
	&host_attr_sg_tablesize.attr.attr,
	&host_attr_sg_prot_tablesize.attr.attr,
	&host_attr_proc_name.attr.attr,
	&host_attr_scan.attr.attr,
	&host_attr_state.attr.attr,
	&host_attr_nr_hw_queues.attr.attr,
	&host_attr_host_reset.attr.attr,
	&host_attr_active_mode.attr.attr,
	&host_attr_supported_mode.attr.attr,
	&host_attr_prot_capabilities.attr.attr,
	&host_attr_prot_guard_type.attr.attr,
	&host_attr_eh_deadline.attr.attr,
	&host_attr_use_blk_mq.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(host);

static void rs_release(struct device *dev)
{
	scsi_rs_rs_dev_release(dev);
}

/* Class devices live inside the object of their parent, which they pin. */
static void class_dev_release(struct device *dev)
{
}

static const struct device_type host_type = {
	.name = "scsi_host",
	.release = rs_release,
};

static const struct device_type target_type = {
	.name = "scsi_target",
	.release = rs_release,
};

static const struct device_type sdev_type = {
	.name = "scsi_device",
	.groups = sdev_groups,
	.release = rs_release,
};

static int bus_match(struct device *dev, const struct device_driver *drv)
{
	return scsi_rs_rs_bus_match(dev, drv);
}

static int bus_uevent(const struct device *dev, struct kobj_uevent_env *env)
{
	return scsi_rs_rs_bus_uevent(dev, env);
}

static int bus_probe(struct device *dev)
{
	return scsi_rs_rs_bus_probe(dev);
}

static void bus_remove(struct device *dev)
{
	scsi_rs_rs_bus_remove(dev);
}

static void bus_shutdown(struct device *dev)
{
	scsi_rs_rs_bus_shutdown(dev);
}

static const struct bus_type scsi_bus = {
	.name = "scsi",
	.match = bus_match,
	.uevent = bus_uevent,
	.probe = bus_probe,
	.remove = bus_remove,
	.shutdown = bus_shutdown,
};

static const struct class host_class = {
	.name = "scsi_host",
	.dev_groups = host_groups,
	.dev_release = class_dev_release,
};

static const struct class sdev_class = {
	.name = "scsi_device",
	.dev_release = class_dev_release,
};

int scsi_rs_glue_register(void)
{
	int ret;

	ret = bus_register(&scsi_bus);
	if (ret)
		return ret;
	ret = class_register(&host_class);
	if (ret)
		goto out_bus;
	ret = class_register(&sdev_class);
	if (ret)
		goto out_host;
	return 0;

out_host:
	class_unregister(&host_class);
out_bus:
	bus_unregister(&scsi_bus);
	return ret;
}

void scsi_rs_glue_unregister(void)
{
	class_unregister(&sdev_class);
	class_unregister(&host_class);
	bus_unregister(&scsi_bus);
}

struct bus_type *scsi_rs_bus_ptr(void)
{
	return (struct bus_type *)&scsi_bus;
}

enum scsi_rs_dev_kind scsi_rs_dev_kind(const struct device *dev)
{
	if (dev->type == &sdev_type)
		return SCSI_RS_KIND_SDEV;
	if (dev->type == &target_type)
		return SCSI_RS_KIND_TARGET;
	if (dev->type == &host_type)
		return SCSI_RS_KIND_HOST;
	return SCSI_RS_KIND_OTHER;
}

void scsi_rs_init_host_dev(struct device *dev, struct device *class_dev)
{
	dev->bus = &scsi_bus;
	dev->type = &host_type;
	class_dev->class = &host_class;
}

void scsi_rs_init_target_dev(struct device *dev)
{
	dev->bus = &scsi_bus;
	dev->type = &target_type;
}

void scsi_rs_init_sdev_dev(struct device *dev, struct device *class_dev)
{
	dev->bus = &scsi_bus;
	dev->type = &sdev_type;
	class_dev->class = &sdev_class;
}

int scsi_rs_uevent_add(struct kobj_uevent_env *env, const char *key, const char *value)
{
	return add_uevent_var(env, "%s=%s", key, value);
}

/*
 * The block layer's mapping of user pages (bio_map_user_iov in 6.12) loses
 * its page array when pinning fails part-way, so an SG_IO with an
 * unmapped buffer would leak memory: the buffer is checked first. A
 * buffer unmapped between the check and the mapping still only fails.
 */
int scsi_rs_user_buf_check(unsigned long ubuf, unsigned long len, bool iov,
			   unsigned int iov_count, bool to_device)
{
	struct iovec fast[UIO_FASTIOV], *vec = fast;
	int rw = to_device ? ITER_SOURCE : ITER_DEST;
	struct iov_iter it;
	size_t left;
	ssize_t ret;

	if (iov) {
		ret = import_iovec(rw, (const struct iovec __user *)ubuf, iov_count,
				   UIO_FASTIOV, &vec, &it);
		if (ret < 0)
			return ret;
	} else {
		ret = import_ubuf(rw, (void __user *)ubuf, len, &it);
		if (ret)
			return ret;
		vec = NULL;
	}
	if (to_device)
		left = fault_in_iov_iter_readable(&it, iov_iter_count(&it));
	else
		left = fault_in_iov_iter_writeable(&it, iov_iter_count(&it));
	kfree(vec);
	return left ? -EFAULT : 0;
}

void scsi_rs_sg_zero_page(struct scatterlist *sg, unsigned int len)
{
	sg_init_table(sg, 1);
	sg_set_page(sg, ZERO_PAGE(0), len, 0);
}

struct scatterlist *scsi_rs_sg_table_alloc(unsigned int nents)
{
	struct scatterlist *sg;

	sg = kmalloc_array(nents, sizeof(*sg), GFP_ATOMIC | __GFP_NOWARN);
	if (sg)
		sg_init_table(sg, nents);
	return sg;
}
