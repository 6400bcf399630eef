// SPDX-License-Identifier: GPL-2.0
/*
 * sg_edge: drives an sg node (/dev/sgN of a disk) through what the tools
 * do not: malformed sg_io_hdr structures, the asynchronous write()/read()
 * interface with poll and pack ids, a full queue, closing with commands in
 * flight, the data-in poison check, and the rules for a read-only opener
 * without privileges. Prints KTAP test lines; exit status 1 on a failure.
 *
 * Built static on the host by scripts/mkinitramfs.sh (the guest has no
 * compiler). Usage: sg_edge /dev/sgN
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <scsi/sg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ktap_edge.h"


static unsigned char tur[6];
static unsigned char inq[6] = { 0x12, 0, 0, 0, 36, 0 };	/* allocation length 36 */

static void hdr_init(struct sg_io_hdr *h, unsigned char *cdb, int cdb_len, int dir,
		     void *buf, unsigned int len, int pack_id)
{
	memset(h, 0, sizeof(*h));
	h->interface_id = 'S';
	h->cmdp = cdb;
	h->cmd_len = cdb_len;
	h->dxfer_direction = dir;
	h->dxferp = buf;
	h->dxfer_len = len;
	h->timeout = 20000;
	h->pack_id = pack_id;
}

static int sg_open(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		printf("# open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void bad_headers(int fd)
{
	struct sg_io_hdr h;
	unsigned char sense[32], big_cdb[40] = { 0 };
	char buf[512] = { 0 };
	struct iovec iov[2];
	int ret;

	expect_err(write(fd, buf, 10), EIO, "write of 10 bytes: EIO");
	hdr_init(&h, tur, 6, SG_DXFER_NONE, NULL, 0, 0);
	expect_err(write(fd, &h, 60), EINVAL, "write of a partial v3 header: EINVAL");
	h.interface_id = 'Q';
	expect_err(write(fd, &h, sizeof(h)), ENOSYS, "write, interface id 'Q': ENOSYS");
	expect_err(ioctl(fd, SG_IO, &h), ENOSYS, "SG_IO, interface id 'Q': ENOSYS");
	hdr_init(&h, tur, 0, SG_DXFER_NONE, NULL, 0, 0);
	expect_err(ioctl(fd, SG_IO, &h), EMSGSIZE, "SG_IO, cmd_len 0: EMSGSIZE");
	hdr_init(&h, big_cdb, 40, SG_DXFER_NONE, NULL, 0, 0);
	expect_err(write(fd, &h, sizeof(h)), EINVAL, "write, cmd_len 40: EINVAL");
	hdr_init(&h, NULL, 6, SG_DXFER_NONE, NULL, 0, 0);
	expect_err(ioctl(fd, SG_IO, &h), EMSGSIZE, "SG_IO, null cmdp: EMSGSIZE");
	hdr_init(&h, (void *)8, 6, SG_DXFER_NONE, NULL, 0, 0);
	expect_err(ioctl(fd, SG_IO, &h), EFAULT, "SG_IO, bad cmdp: EFAULT");
	hdr_init(&h, inq, 6, SG_DXFER_FROM_DEV, buf, 1u << 30, 0);
	expect_err(ioctl(fd, SG_IO, &h), EINVAL, "SG_IO, dxfer_len 1 GiB: EINVAL");
	hdr_init(&h, inq, 6, SG_DXFER_FROM_DEV, (void *)8, 4096, 0);
	expect_err(ioctl(fd, SG_IO, &h), EFAULT, "SG_IO, bad dxferp: EFAULT");
	hdr_init(&h, inq, 6, -7, buf, 36, 0);
	result(ioctl(fd, SG_IO, &h) == 0 && h.status == 0 && h.host_status == 0,
	       "SG_IO, unknown direction -7: taken as data-in", errno);
	hdr_init(&h, inq, 6, SG_DXFER_FROM_DEV, (void *)8, 36, 0);
	h.iovec_count = 3;
	expect_err(ioctl(fd, SG_IO, &h), EFAULT, "SG_IO, bad iovec array: EFAULT");
	iov[0].iov_base = buf;
	iov[0].iov_len = 16;
	iov[1].iov_base = buf + 100;
	iov[1].iov_len = 20;
	hdr_init(&h, inq, 6, SG_DXFER_FROM_DEV, iov, 36, 0);
	h.iovec_count = 2;
	h.sbp = sense;
	h.mx_sb_len = sizeof(sense);
	memset(buf, 0, sizeof(buf));
	/* Vendor at byte 8 lands in the first piece, product (16) in the second. */
	errno = 0;
	ret = ioctl(fd, SG_IO, &h);
	printf("# iovec INQUIRY: ret %d, status %d, host %d, resid %d, '%.8s' '%.8s'\n", ret,
	       h.status, h.host_status, h.resid, buf + 8, buf + 100);
	result(ret == 0 && h.status == 0 && h.host_status == 0 && !memcmp(buf + 8, "QEMU", 4) &&
	       !memcmp(buf + 100, "QEMU", 4), "SG_IO, INQUIRY into a 2-entry iovec", errno);
	expect_err(read(fd, buf, 0), EINVAL, "read of 0 bytes: EINVAL");
	expect_err(ioctl(fd, 0x5401ab, buf), ENOTTY, "unknown ioctl: ENOTTY");
}

/*
 * Data-in beyond what the device sent is never kernel memory: READ
 * CAPACITY(10) returns 8 bytes into a 4096-byte buffer (unaligned, so
 * the block layer bounces it).
 */
static void poison(int fd)
{
	static unsigned char space[4096 + 3];
	unsigned char *buf = space + 3, rc10[10] = { 0x25 };
	struct sg_io_hdr h;
	int i, bad = 0;

	memset(buf, 0xa5, 4096);
	hdr_init(&h, rc10, 10, SG_DXFER_FROM_DEV, buf, 4096, 0);
	if (ioctl(fd, SG_IO, &h) < 0) {
		result(0, "READ CAPACITY, 4096-byte buffer", errno);
		return;
	}
	for (i = 4096 - h.resid; i < 4096; i++)
		if (buf[i] != 0xa5 && buf[i] != 0)
			bad++;
	printf("# READ CAPACITY: resid %d, %d foreign bytes after the data\n", h.resid, bad);
	result(h.resid > 0 && h.resid < 4096 && bad == 0,
	       "data-in beyond the transfer is the user's poison or zeroes", 0);
}

static void async(const char *path)
{
	int fd = sg_open(path, O_RDWR), i, v, ok;
	struct sg_io_hdr h, r;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	static unsigned char data[16][4096];
	unsigned char rd10[16][10];

	expect_ok(ioctl(fd, SG_GET_VERSION_NUM, &v), "SG_GET_VERSION_NUM");
	result(v == 30536, "version is 30536", 0);
	v = 1;
	expect_ok(ioctl(fd, SG_SET_FORCE_PACK_ID, &v), "SG_SET_FORCE_PACK_ID");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	memset(&r, 0, sizeof(r));
	r.pack_id = -1;
	expect_err(read(fd, &r, sizeof(r)), EAGAIN, "non-blocking read with nothing queued: EAGAIN");
	fcntl(fd, F_SETFL, 0);
	for (i = 0; i < 16; i++) {
		memset(rd10[i], 0, 10);
		rd10[i][0] = 0x28;
		rd10[i][5] = i * 8;	/* LBA */
		rd10[i][8] = 8;		/* 8 blocks */
		hdr_init(&h, rd10[i], 10, SG_DXFER_FROM_DEV, data[i], 4096, 100 + i);
		if (write(fd, &h, sizeof(h)) != sizeof(h))
			break;
	}
	result(i == 16, "16 READ(10) queued with write()", errno);
	hdr_init(&h, tur, 6, SG_DXFER_NONE, NULL, 0, 999);
	expect_err(write(fd, &h, sizeof(h)), EDOM, "a 17th request: EDOM");
	result(poll(&p, 1, 20000) == 1 && (p.revents & POLLIN), "poll reports POLLIN", errno);
	memset(&r, 0, sizeof(r));
	r.pack_id = 107;
	ok = read(fd, &r, sizeof(r)) == sizeof(r) && r.pack_id == 107 && r.status == 0 &&
	     r.resid == 0 && r.dxferp == data[7];
	result(ok, "read() with pack_id 107 gets that request", errno);
	for (i = 0, ok = 1; i < 15; i++) {
		memset(&r, 0, sizeof(r));
		r.pack_id = -1;
		if (read(fd, &r, sizeof(r)) != sizeof(r) || r.status || r.info & SG_INFO_CHECK)
			ok = 0;
	}
	result(ok, "the other 15 read back with GOOD status", errno);
	v = -2;
	ioctl(fd, SG_GET_NUM_WAITING, &v);
	result(v == 0, "nothing left waiting", 0);
	/* Queue 16 again and close without reading: no leak, no oops. */
	for (i = 0; i < 16; i++) {
		hdr_init(&h, rd10[i], 10, SG_DXFER_FROM_DEV, data[i], 4096, i);
		if (write(fd, &h, sizeof(h)) != sizeof(h))
			break;
	}
	result(i == 16 && close(fd) == 0, "close with 16 requests in flight", errno);
	fd = sg_open(path, O_RDWR);
	hdr_init(&h, tur, 6, SG_DXFER_NONE, NULL, 0, 0);
	result(ioctl(fd, SG_IO, &h) == 0 && h.status == 0, "the device still answers", errno);
	close(fd);
}

/* A read-only descriptor handed to an unprivileged process. */
static void read_only(const char *path)
{
	int fd = sg_open(path, O_RDONLY), v = 1;
	struct sg_io_hdr h;
	unsigned char wr10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	unsigned char buf[512];

	expect_err(open(path, O_RDONLY | O_EXCL), EPERM, "O_EXCL with read-only access: EPERM");
	if (setgid(65534) || setuid(65534)) {
		result(0, "drop privileges", errno);
		return;
	}
	hdr_init(&h, inq, 6, SG_DXFER_FROM_DEV, buf, 36, 0);
	result(ioctl(fd, SG_IO, &h) == 0 && h.status == 0 && h.host_status == 0,
	       "unprivileged, read-only: INQUIRY allowed", errno);
	hdr_init(&h, wr10, 10, SG_DXFER_TO_DEV, buf, 512, 0);
	expect_err(ioctl(fd, SG_IO, &h), EPERM, "unprivileged, read-only: WRITE(10) refused: EPERM");
	expect_err(ioctl(fd, SG_SCSI_RESET, &v), EACCES, "unprivileged: SG_SCSI_RESET: EACCES");
	expect_err(ioctl(fd, 0x5401ab, buf), EPERM, "read-only: unknown ioctl: EPERM");
	expect_err(read(fd, &h, sizeof(h)), EPERM, "read() after a credential change: EPERM");
	expect_err(write(fd, &h, sizeof(h)), EBADF, "write() on a read-only descriptor: EBADF");
	close(fd);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/sgN\n", argv[0]);
		return 2;
	}
	fd = sg_open(argv[1], O_RDWR);
	bad_headers(fd);
	poison(fd);
	close(fd);
	async(argv[1]);
	read_only(argv[1]);
	printf("# sg_edge: %d tests, %d failed\n", n_test, n_fail);
	return n_fail ? 1 : 0;
}
