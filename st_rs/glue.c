// SPDX-License-Identifier: GPL-2.0
/*
 * The C side of st_rs: the character device region of major 9 ("st"),
 * the scsi_tape class with eight nodes per drive (st0, st0l, st0m, st0a
 * and the no-rewind nst0...), numbered as the C st driver numbers them,
 * and the file operations that forward to the Rust part (chrdev.rs).
 *
 * One cdev covers the whole region; open finds the drive by the number
 * in the minor and holds it (a kref) until release.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/major.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#define ST_RS_MODES 4
#define ST_RS_NODES (2 * ST_RS_MODES)
/* The minor space of major 9: 2^20 minors, eight per drive. */
#define ST_RS_MINORS (1U << MINORBITS)
#define ST_RS_MAX_TAPES (ST_RS_MINORS / ST_RS_NODES)

/* What the Rust part implements; fpriv is its per-file data. */
struct st_rs_file_ops {
	int (*open)(void *data, unsigned int mode, bool no_rewind, unsigned int f_flags,
		    unsigned int f_mode, void **fpriv);
	void (*release)(void *fpriv);
	ssize_t (*read)(void *fpriv, char __user *buf, size_t count);
	ssize_t (*write)(void *fpriv, const char __user *buf, size_t count);
	long (*ioctl)(void *fpriv, unsigned int cmd, unsigned long arg);
	/* The drive is gone and no file uses it: drop its data. */
	void (*drop_data)(void *data);
};

struct st_rs_tape {
	struct kref kref;
	int index;
	struct device *parent;
	struct device *devs[ST_RS_NODES];
	void *data;
};

struct st_rs_file {
	struct st_rs_tape *tape;
	void *fpriv;
};

int st_rs_chrdev_register(const struct st_rs_file_ops *ops);
void st_rs_chrdev_unregister(void);
struct st_rs_tape *st_rs_tape_add(struct device *parent, void *data, int *index);
void st_rs_tape_del(struct st_rs_tape *tape);

static const struct st_rs_file_ops *st_rs_ops;
static DEFINE_IDR(st_rs_idr);
static DEFINE_MUTEX(st_rs_lock);
static struct cdev st_rs_cdev;

/* The minor of drive d, mode m (0..3), rewinding or not: as st numbers. */
static unsigned int st_rs_minor(unsigned int d, unsigned int m, bool no_rewind)
{
	return ((d & ~31U) << 3) | (d & 31U) | (m << 5) | (no_rewind ? 128 : 0);
}

static unsigned int st_rs_drive_of(unsigned int minor)
{
	return ((minor & ~255U) >> 3) | (minor & 31U);
}

static void st_rs_tape_release(struct kref *kref)
{
	struct st_rs_tape *t = container_of(kref, struct st_rs_tape, kref);

	st_rs_ops->drop_data(t->data);
	kfree(t);
}

static int st_rs_open(struct inode *inode, struct file *file)
{
	unsigned int minor = iminor(inode);
	struct st_rs_tape *t;
	struct st_rs_file *f;
	int ret;

	mutex_lock(&st_rs_lock);
	t = idr_find(&st_rs_idr, st_rs_drive_of(minor));
	if (t)
		kref_get(&t->kref);
	mutex_unlock(&st_rs_lock);
	if (!t)
		return -ENXIO;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f) {
		kref_put(&t->kref, st_rs_tape_release);
		return -ENOMEM;
	}
	f->tape = t;
	ret = st_rs_ops->open(t->data, (minor >> 5) & 3, minor & 128, file->f_flags,
			      (__force unsigned int)file->f_mode, &f->fpriv);
	if (ret) {
		kfree(f);
		kref_put(&t->kref, st_rs_tape_release);
		return ret;
	}
	file->private_data = f;
	return stream_open(inode, file);
}

static int st_rs_release(struct inode *inode, struct file *file)
{
	struct st_rs_file *f = file->private_data;
	struct st_rs_tape *t = f->tape;

	st_rs_ops->release(f->fpriv);
	kfree(f);
	kref_put(&t->kref, st_rs_tape_release);
	return 0;
}

static ssize_t st_rs_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
	struct st_rs_file *f = file->private_data;

	return st_rs_ops->read(f->fpriv, buf, count);
}

static ssize_t st_rs_write(struct file *file, const char __user *buf, size_t count,
			   loff_t *pos)
{
	struct st_rs_file *f = file->private_data;

	return st_rs_ops->write(f->fpriv, buf, count);
}

static long st_rs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct st_rs_file *f = file->private_data;

	return st_rs_ops->ioctl(f->fpriv, cmd, arg);
}

static const struct file_operations st_rs_fops = {
	.owner = THIS_MODULE,
	.open = st_rs_open,
	.release = st_rs_release,
	.read = st_rs_read,
	.write = st_rs_write,
	.unlocked_ioctl = st_rs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* The class attributes: st_rs has one fixed set of options per mode. */
static unsigned long st_rs_mode_of(struct device *dev)
{
	return (unsigned long)dev_get_drvdata(dev) % ST_RS_MODES;
}

static ssize_t defined_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", st_rs_mode_of(dev) == 0);
}
static DEVICE_ATTR_RO(defined);

static ssize_t default_blksize_show(struct device *dev, struct device_attribute *attr,
				    char *buf)
{
	return sysfs_emit(buf, "-1\n");
}
static DEVICE_ATTR_RO(default_blksize);

static ssize_t default_density_show(struct device *dev, struct device_attribute *attr,
				    char *buf)
{
	return sysfs_emit(buf, "-1\n");
}
static DEVICE_ATTR_RO(default_density);

static ssize_t default_compression_show(struct device *dev, struct device_attribute *attr,
					char *buf)
{
	return sysfs_emit(buf, "-1\n");
}
static DEVICE_ATTR_RO(default_compression);

/* MT_ST_CAN_BSR | MT_ST_SCSI2LOGICAL: what the driver does. */
static ssize_t options_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", 0x100 | 0x800);
}
static DEVICE_ATTR_RO(options);

static struct attribute *st_rs_dev_attrs[] = {
	&dev_attr_defined.attr,
	&dev_attr_default_blksize.attr,
	&dev_attr_default_density.attr,
	&dev_attr_default_compression.attr,
	&dev_attr_options.attr,
	NULL,
};
ATTRIBUTE_GROUPS(st_rs_dev);

static const struct class st_rs_class = {
	.name = "scsi_tape",
	.dev_groups = st_rs_dev_groups,
};

int st_rs_chrdev_register(const struct st_rs_file_ops *ops)
{
	int ret;

	st_rs_ops = ops;
	ret = register_chrdev_region(MKDEV(SCSI_TAPE_MAJOR, 0), ST_RS_MINORS, "st");
	if (ret)
		return ret;
	cdev_init(&st_rs_cdev, &st_rs_fops);
	st_rs_cdev.owner = THIS_MODULE;
	ret = cdev_add(&st_rs_cdev, MKDEV(SCSI_TAPE_MAJOR, 0), ST_RS_MINORS);
	if (ret)
		goto err_region;
	ret = class_register(&st_rs_class);
	if (ret)
		goto err_cdev;
	return 0;

err_cdev:
	cdev_del(&st_rs_cdev);
err_region:
	unregister_chrdev_region(MKDEV(SCSI_TAPE_MAJOR, 0), ST_RS_MINORS);
	return ret;
}

void st_rs_chrdev_unregister(void)
{
	class_unregister(&st_rs_class);
	cdev_del(&st_rs_cdev);
	unregister_chrdev_region(MKDEV(SCSI_TAPE_MAJOR, 0), ST_RS_MINORS);
	idr_destroy(&st_rs_idr);
}

static void st_rs_tape_remove_nodes(struct st_rs_tape *t)
{
	int i;

	for (i = 0; i < ST_RS_NODES; i++) {
		if (t->devs[i])
			device_unregister(t->devs[i]);
		t->devs[i] = NULL;
	}
}

/*
 * A drive stN (N the lowest free number, returned in *index) below PARENT,
 * with DATA for the file operations; owns DATA from here on (drop_data).
 */
struct st_rs_tape *st_rs_tape_add(struct device *parent, void *data, int *index)
{
	static const char *const suffix[ST_RS_MODES] = { "", "l", "m", "a" };
	struct st_rs_tape *t;
	int idx, i, ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		st_rs_ops->drop_data(data);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&t->kref);
	t->data = data;
	t->parent = parent;
	mutex_lock(&st_rs_lock);
	idx = idr_alloc(&st_rs_idr, t, 0, ST_RS_MAX_TAPES, GFP_KERNEL);
	mutex_unlock(&st_rs_lock);
	if (idx < 0) {
		kref_put(&t->kref, st_rs_tape_release);
		return ERR_PTR(idx);
	}
	t->index = idx;
	for (i = 0; i < ST_RS_NODES; i++) {
		unsigned int mode = i % ST_RS_MODES;
		bool no_rewind = i >= ST_RS_MODES;
		struct device *d;

		d = device_create(&st_rs_class, parent,
				  MKDEV(SCSI_TAPE_MAJOR, st_rs_minor(idx, mode, no_rewind)),
				  (void *)(unsigned long)mode, "%sst%d%s", no_rewind ? "n" : "",
				  idx, suffix[mode]);
		if (IS_ERR(d)) {
			ret = PTR_ERR(d);
			goto err;
		}
		t->devs[i] = d;
	}
	/* H:C:T:L/tape -> st0, as the C driver links it. */
	ret = sysfs_create_link(&parent->kobj, &t->devs[0]->kobj, "tape");
	if (ret)
		dev_warn(t->devs[0], "no 'tape' link in the SCSI device (%d)\n", ret);
	*index = idx;
	return t;

err:
	st_rs_tape_del(t);
	return ERR_PTR(ret);
}

/* Removes the drive's nodes; open files keep its data until they close. */
void st_rs_tape_del(struct st_rs_tape *t)
{
	mutex_lock(&st_rs_lock);
	idr_remove(&st_rs_idr, t->index);
	mutex_unlock(&st_rs_lock);
	if (t->devs[0])
		sysfs_remove_link(&t->parent->kobj, "tape");
	st_rs_tape_remove_nodes(t);
	kref_put(&t->kref, st_rs_tape_release);
}
