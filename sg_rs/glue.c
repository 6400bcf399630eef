// SPDX-License-Identifier: GPL-2.0
/*
 * The C side of sg_rs: the character device region (major 21), the
 * scsi_generic class and one node per device (sgN below the SCSI device),
 * the file operations that forward to the Rust part (chrdev.rs), and wait
 * queue helpers for its waits and poll.
 */
#include <linux/build_bug.h>
#include <linux/cdev.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/major.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/wait.h>

/* Constants chrdev.rs hard-codes. */
static_assert((__force u32)(EPOLLIN | EPOLLRDNORM) == 0x41);
static_assert((__force u32)(EPOLLOUT | EPOLLWRNORM) == 0x104);
static_assert((__force u32)EPOLLHUP == 0x10);
static_assert((__force u32)FMODE_READ == 0x1);
static_assert((__force u32)FMODE_WRITE == 0x2);

/* Minors of major 21 we take, as many devices as we number. */
#define SG_RS_MAX_DEVS 32768

/* What the Rust part implements; fpriv is its per-file data. */
struct sg_rs_file_ops {
	int (*open)(void *data, unsigned int f_flags, unsigned int f_mode, void **fpriv);
	void (*release)(void *fpriv);
	ssize_t (*read)(void *fpriv, unsigned int f_flags, char __user *buf, size_t count);
	ssize_t (*write)(void *fpriv, unsigned int f_flags, const char __user *buf,
			 size_t count);
	__poll_t (*poll)(void *fpriv, struct file *file, poll_table *pt);
	long (*ioctl)(void *fpriv, unsigned int f_flags, unsigned int cmd, unsigned long arg);
	/* The node is gone and no file uses it: drop its data. */
	void (*drop_data)(void *data);
};

struct sg_rs_node {
	struct device dev;
	struct cdev cdev;
	void *data;
};

int sg_rs_chrdev_register(const struct sg_rs_file_ops *ops);
void sg_rs_chrdev_unregister(void);
struct sg_rs_node *sg_rs_node_add(struct device *parent, void *data, int *index);
void sg_rs_node_del(struct sg_rs_node *node);
void sg_rs_waitq_init(wait_queue_head_t *wq);
void sg_rs_waitq_wake(wait_queue_head_t *wq);
int sg_rs_waitq_wait(wait_queue_head_t *wq, bool (*cond)(const void *), const void *ctx);
void sg_rs_poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt);

static const struct sg_rs_file_ops *sg_rs_ops;
static DEFINE_IDA(sg_rs_ida);

static const struct class sg_rs_class = {
	.name = "scsi_generic",
};

static int sg_rs_open(struct inode *inode, struct file *file)
{
	struct sg_rs_node *n = container_of(inode->i_cdev, struct sg_rs_node, cdev);
	void *fpriv = NULL;
	int ret;

	/* The open cdev holds its parent, the node's device, until here. */
	get_device(&n->dev);
	ret = sg_rs_ops->open(n->data, file->f_flags, (__force unsigned int)file->f_mode,
			      &fpriv);
	if (ret) {
		put_device(&n->dev);
		return ret;
	}
	file->private_data = fpriv;
	return stream_open(inode, file);
}

static int sg_rs_release(struct inode *inode, struct file *file)
{
	struct sg_rs_node *n = container_of(inode->i_cdev, struct sg_rs_node, cdev);

	sg_rs_ops->release(file->private_data);
	put_device(&n->dev);
	return 0;
}

/*
 * read() and write() act on behalf of the opener: refuse a descriptor
 * handed to a process with other credentials (as the C sg driver does).
 */
static int sg_rs_same_cred(struct file *file)
{
	if (file->f_cred != current_real_cred()) {
		pr_err_once("sg_rs: process %d (%s) changed security contexts after opening the device; refused\n",
			    task_tgid_vnr(current), current->comm);
		return -EPERM;
	}
	return 0;
}

static ssize_t sg_rs_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
	int ret = sg_rs_same_cred(file);

	if (ret)
		return ret;
	return sg_rs_ops->read(file->private_data, file->f_flags, buf, count);
}

static ssize_t sg_rs_write(struct file *file, const char __user *buf, size_t count,
			   loff_t *pos)
{
	int ret = sg_rs_same_cred(file);

	if (ret)
		return ret;
	return sg_rs_ops->write(file->private_data, file->f_flags, buf, count);
}

static __poll_t sg_rs_poll(struct file *file, poll_table *pt)
{
	return sg_rs_ops->poll(file->private_data, file, pt);
}

static long sg_rs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return sg_rs_ops->ioctl(file->private_data, file->f_flags, cmd, arg);
}

static const struct file_operations sg_rs_fops = {
	.owner = THIS_MODULE,
	.open = sg_rs_open,
	.release = sg_rs_release,
	.read = sg_rs_read,
	.write = sg_rs_write,
	.poll = sg_rs_poll,
	.unlocked_ioctl = sg_rs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

int sg_rs_chrdev_register(const struct sg_rs_file_ops *ops)
{
	int ret;

	sg_rs_ops = ops;
	ret = register_chrdev_region(MKDEV(SCSI_GENERIC_MAJOR, 0), SG_RS_MAX_DEVS, "sg");
	if (ret)
		return ret;
	ret = class_register(&sg_rs_class);
	if (ret)
		unregister_chrdev_region(MKDEV(SCSI_GENERIC_MAJOR, 0), SG_RS_MAX_DEVS);
	return ret;
}

void sg_rs_chrdev_unregister(void)
{
	class_unregister(&sg_rs_class);
	unregister_chrdev_region(MKDEV(SCSI_GENERIC_MAJOR, 0), SG_RS_MAX_DEVS);
}

static void sg_rs_node_release(struct device *dev)
{
	struct sg_rs_node *n = container_of(dev, struct sg_rs_node, dev);

	ida_free(&sg_rs_ida, MINOR(dev->devt));
	sg_rs_ops->drop_data(n->data);
	kfree(n);
}

/*
 * A node sgN (N the lowest free number, returned in *index) below PARENT,
 * with DATA for the file operations; owns DATA from here on (drop_data).
 */
struct sg_rs_node *sg_rs_node_add(struct device *parent, void *data, int *index)
{
	struct sg_rs_node *n;
	int idx, ret;

	idx = ida_alloc_max(&sg_rs_ida, SG_RS_MAX_DEVS - 1, GFP_KERNEL);
	if (idx < 0) {
		sg_rs_ops->drop_data(data);
		return ERR_PTR(idx);
	}
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n) {
		ida_free(&sg_rs_ida, idx);
		sg_rs_ops->drop_data(data);
		return ERR_PTR(-ENOMEM);
	}
	n->data = data;
	device_initialize(&n->dev);
	n->dev.class = &sg_rs_class;
	n->dev.parent = parent;
	n->dev.devt = MKDEV(SCSI_GENERIC_MAJOR, idx);
	n->dev.release = sg_rs_node_release;
	cdev_init(&n->cdev, &sg_rs_fops);
	n->cdev.owner = THIS_MODULE;
	ret = dev_set_name(&n->dev, "sg%d", idx);
	if (!ret)
		ret = cdev_device_add(&n->cdev, &n->dev);
	if (ret) {
		put_device(&n->dev);
		return ERR_PTR(ret);
	}
	/* H:C:T:L/generic -> sgN, which lsscsi -g follows. */
	ret = sysfs_create_link(&parent->kobj, &n->dev.kobj, "generic");
	if (ret)
		dev_warn(&n->dev, "no 'generic' link in the SCSI device (%d)\n", ret);
	*index = idx;
	return n;
}

/* Removes the node; open files keep it (and its data) until they close. */
void sg_rs_node_del(struct sg_rs_node *n)
{
	sysfs_remove_link(&n->dev.parent->kobj, "generic");
	cdev_device_del(&n->cdev, &n->dev);
	put_device(&n->dev);
}

void sg_rs_waitq_init(wait_queue_head_t *wq)
{
	init_waitqueue_head(wq);
}

/* Any context. */
void sg_rs_waitq_wake(wait_queue_head_t *wq)
{
	wake_up_interruptible_all(wq);
}

/* 0 once cond(ctx) holds, -ERESTARTSYS on a signal. */
int sg_rs_waitq_wait(wait_queue_head_t *wq, bool (*cond)(const void *), const void *ctx)
{
	return wait_event_interruptible(*wq, cond(ctx));
}

void sg_rs_poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt)
{
	poll_wait(file, wq, pt);
}
