// SPDX-License-Identifier: GPL-2.0
/*
 * C wrappers of inline block-layer functions for rust/blk.rs, checks of
 * the constants it hard-codes (bindgen drops the __force casts), and the
 * scsi_disk class for class.rs.
 */
#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/build_bug.h>
#include <linux/hdreg.h>

void blk_rs_limits_start_update(struct request_queue *q, struct queue_limits *lim);
bool blk_rs_bdev_is_partition(struct block_device *bdev);
void blk_rs_set_geometry(struct hd_geometry *geo, u8 heads, u8 sectors, u16 cylinders,
			 unsigned long start);

static_assert(BLK_OPEN_READ == 1 << 0);
static_assert(BLK_OPEN_WRITE == 1 << 1);
static_assert(BLK_OPEN_NDELAY == 1 << 3);
static_assert(BLK_FEAT_WRITE_CACHE == 1u << 0);
static_assert(BLK_FEAT_FUA == 1u << 1);
static_assert(BLK_FEAT_ROTATIONAL == 1u << 2);
static_assert(BLK_FEAT_ADD_RANDOM == 1u << 3);

/* Takes q->limits_lock; queue_limits_commit_update() releases it. */
void blk_rs_limits_start_update(struct request_queue *q, struct queue_limits *lim)
{
	*lim = queue_limits_start_update(q);
}

bool blk_rs_bdev_is_partition(struct block_device *bdev)
{
	return bdev_is_partition(bdev);
}

void blk_rs_set_geometry(struct hd_geometry *geo, u8 heads, u8 sectors, u16 cylinders,
			 unsigned long start)
{
	geo->heads = heads;
	geo->sectors = sectors;
	geo->cylinders = cylinders;
	geo->start = start;
}

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
SD_RS_ATTR(provisioning_mode, 0444, 3);
SD_RS_ATTR(max_unmap_blocks, 0444, 4);
SD_RS_ATTR(protection_type, 0444, 5);

static struct attribute *sd_rs_disk_attrs[] = {
	&sd_rs_attr_cache_type.attr.attr,
	&sd_rs_attr_FUA.attr.attr,
	&sd_rs_attr_thin_provisioning.attr.attr,
	&sd_rs_attr_provisioning_mode.attr.attr,
	&sd_rs_attr_max_unmap_blocks.attr.attr,
	&sd_rs_attr_protection_type.attr.attr,
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
