// SPDX-License-Identifier: GPL-2.0
/*
 * The C side of sd_mod_rs: the block-layer helpers of rust/blk.rs and the
 * scsi_disk class for class.rs.
 */
#include <linux/device.h>

#include "../rust/blk_glue.c"

/*
 * The scsi_disk class: one device per disk, named after its SCSI device
 * (H:C:T:L) and below it, as the C sd makes. Attribute reads and writes go
 * to the Rust part through the operations given at registration; the ids
 * are those of `class::Attr` in class.rs.
 */
struct sd_rs_class_ops {
	long (*show)(void *data, unsigned int attr, char *buf);
	long (*store)(void *data, unsigned int attr, const char *buf, size_t count);
};

int sd_rs_class_register(const struct sd_rs_class_ops *ops);
void sd_rs_class_unregister(void);
struct device *sd_rs_class_dev_add(struct device *parent, void *data);
void sd_rs_class_dev_del(struct device *dev);

static const struct sd_rs_class_ops *sd_rs_ops;

struct sd_rs_attr {
	struct device_attribute attr;
	unsigned int id;
};

static ssize_t sd_rs_show(struct device *dev, struct device_attribute *a, char *buf)
{
	const struct sd_rs_attr *sa = container_of(a, struct sd_rs_attr, attr);

	return sd_rs_ops->show(dev_get_drvdata(dev), sa->id, buf);
}

static ssize_t sd_rs_store(struct device *dev, struct device_attribute *a, const char *buf,
			   size_t count)
{
	const struct sd_rs_attr *sa = container_of(a, struct sd_rs_attr, attr);

	return sd_rs_ops->store(dev_get_drvdata(dev), sa->id, buf, count);
}

#define SD_RS_ATTR(_name, _mode, _id)						\
	static struct sd_rs_attr sd_rs_attr_##_name = {				\
		.attr = __ATTR(_name, _mode, sd_rs_show, sd_rs_store),		\
		.id = _id,							\
	}

SD_RS_ATTR(cache_type, 0644, 0);
SD_RS_ATTR(FUA, 0444, 1);
SD_RS_ATTR(thin_provisioning, 0444, 2);
SD_RS_ATTR(provisioning_mode, 0644, 3);
SD_RS_ATTR(protection_type, 0644, 4);
SD_RS_ATTR(allow_restart, 0644, 5);
SD_RS_ATTR(manage_start_stop, 0444, 6);
SD_RS_ATTR(manage_system_start_stop, 0644, 7);
SD_RS_ATTR(manage_runtime_start_stop, 0644, 8);
SD_RS_ATTR(manage_shutdown, 0644, 9);
SD_RS_ATTR(protection_mode, 0444, 10);
SD_RS_ATTR(app_tag_own, 0444, 11);
SD_RS_ATTR(zeroing_mode, 0644, 12);
SD_RS_ATTR(max_write_same_blocks, 0644, 13);
SD_RS_ATTR(max_medium_access_timeouts, 0644, 14);
SD_RS_ATTR(zoned_cap, 0444, 15);
SD_RS_ATTR(max_retries, 0644, 16);

static struct attribute *sd_rs_disk_attrs[] = {
	&sd_rs_attr_cache_type.attr.attr,
	&sd_rs_attr_FUA.attr.attr,
	&sd_rs_attr_thin_provisioning.attr.attr,
	&sd_rs_attr_provisioning_mode.attr.attr,
	&sd_rs_attr_protection_type.attr.attr,
	&sd_rs_attr_allow_restart.attr.attr,
	&sd_rs_attr_manage_start_stop.attr.attr,
	&sd_rs_attr_manage_system_start_stop.attr.attr,
	&sd_rs_attr_manage_runtime_start_stop.attr.attr,
	&sd_rs_attr_manage_shutdown.attr.attr,
	&sd_rs_attr_protection_mode.attr.attr,
	&sd_rs_attr_app_tag_own.attr.attr,
	&sd_rs_attr_zeroing_mode.attr.attr,
	&sd_rs_attr_max_write_same_blocks.attr.attr,
	&sd_rs_attr_max_medium_access_timeouts.attr.attr,
	&sd_rs_attr_zoned_cap.attr.attr,
	&sd_rs_attr_max_retries.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(sd_rs_disk);

static const struct class sd_rs_disk_class = {
	.name = "scsi_disk",
	.dev_groups = sd_rs_disk_groups,
};

int sd_rs_class_register(const struct sd_rs_class_ops *ops)
{
	sd_rs_ops = ops;
	return class_register(&sd_rs_disk_class);
}

void sd_rs_class_unregister(void)
{
	class_unregister(&sd_rs_disk_class);
}

/* A device of the class below PARENT, with DATA for the attributes. */
struct device *sd_rs_class_dev_add(struct device *parent, void *data)
{
	return device_create(&sd_rs_disk_class, parent, 0, data, "%s", dev_name(parent));
}

/* Removes it; returns once no attribute call is running. */
void sd_rs_class_dev_del(struct device *dev)
{
	device_unregister(dev);
}
