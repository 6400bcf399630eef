// SPDX-License-Identifier: GPL-2.0
/*
 * st_edge: drives a tape node (/dev/nstN, no rewind) through what mt and
 * tar do not: a second open, bad pointers for the mtio ioctls, read and
 * write, unknown operations and ioctls, short reads of long records,
 * fixed block mode with lengths that are not whole blocks, SG_IO on the
 * node, and the command filter for a read-only opener without
 * privileges. Prints KTAP test lines; exit status 1 on a failure.
 *
 * Leaves the tape rewound; it writes from BOT, so use a scratch tape.
 * Built static on the host by scripts/mkinitramfs.sh. Usage: st_edge /dev/nstN
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mtio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap_edge.h"

/* An address nothing is mapped at, hidden from the compiler's checks. */
static void *volatile bad = (void *)8;

static int op(int fd, int mt_op, int count)
{
	struct mtop m = { .mt_op = mt_op, .mt_count = count };

	return ioctl(fd, MTIOCTOP, &m);
}

/* File and block number, or -2 on failure. */
static void where(int fd, int *file, int *block)
{
	struct mtget g;

	*file = *block = -2;
	if (ioctl(fd, MTIOCGET, &g) == 0) {
		*file = g.mt_fileno;
		*block = g.mt_blkno;
	}
}

static void expect_at(int fd, int file, int block, const char *what)
{
	int f, b;
	char s[160];

	where(fd, &f, &b);
	snprintf(s, sizeof(s), "%s (file %d block %d)", what, f, b);
	result(f == file && b == block, s, 0);
}

static int sg_io(int fd, unsigned char *cdb, int len, int *status)
{
	unsigned char sense[32];
	struct sg_io_hdr h;
	int ret;

	memset(&h, 0, sizeof(h));
	h.interface_id = 'S';
	h.cmdp = cdb;
	h.cmd_len = len;
	h.dxfer_direction = SG_DXFER_NONE;
	h.sbp = sense;
	h.mx_sb_len = sizeof(sense);
	h.timeout = 20000;
	ret = ioctl(fd, SG_IO, &h);
	*status = h.status;
	return ret;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	unsigned char tur[6] = { 0 };
	unsigned char wfm[6] = { 0x10, 0, 0, 0, 0, 0 };	/* 0 filemarks */
	struct mtget g;
	int fd, fd2, st;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: st_edge /dev/nstN\n");
		return 2;
	}
	printf("TAP version 13\n");

	fd = open(argv[1], O_RDWR);
	expect_ok(fd, "open read-write");
	if (fd < 0)
		return 1;
	fd2 = open(argv[1], O_RDONLY);
	expect_err(fd2, EBUSY, "a second open gets EBUSY");
	if (fd2 >= 0)
		close(fd2);

	expect_ok(op(fd, MTREW, 1), "MTREW");
	memset(&g, 0, sizeof(g));
	expect_ok(ioctl(fd, MTIOCGET, &g), "MTIOCGET");
	result(g.mt_type == MT_ISSCSI2 && GMT_BOT(g.mt_gstat) && GMT_ONLINE(g.mt_gstat) &&
		       g.mt_fileno == 0 && g.mt_blkno == 0,
	       "MTIOCGET: SCSI-2 drive, online, at BOT, file 0 block 0", 0);
	expect_err(ioctl(fd, MTIOCGET, bad), EFAULT, "MTIOCGET to a bad address: EFAULT");
	expect_err(ioctl(fd, MTIOCTOP, bad), EFAULT, "MTIOCTOP from a bad address: EFAULT");
	expect_err(ioctl(fd, MTIOCPOS, bad), EFAULT, "MTIOCPOS to a bad address: EFAULT");
	expect_err(op(fd, 99, 1), ENOSYS, "MTIOCTOP operation 99: ENOSYS");
	expect_err(op(fd, MTTELL, 1), ENOSYS, "MTTELL (no way to return it): ENOSYS");
	expect_err(ioctl(fd, _IO('X', 0x77), 0), ENOTTY, "an unknown ioctl: ENOTTY");
	expect_err(op(fd, MTSETBLK, 0x1000000), EINVAL, "MTSETBLK beyond 24 bits: EINVAL");

	expect_ok(read(fd, buf, 0), "a 0-byte read");
	expect_err(write(fd, bad, 100), EFAULT, "a write from a bad address: EFAULT");
	expect_at(fd, 0, 0, "... and nothing was written");
	memset(buf, 0xa5, 100);
	result(write(fd, buf, 100) == 100, "a 100-byte record written", errno);
	expect_at(fd, 0, 1, "block 1");
	expect_ok(op(fd, MTWEOF, 1), "MTWEOF 1");
	expect_at(fd, 1, 0, "file 1 block 0");
	memset(buf, 0x5a, 300);
	result(write(fd, buf, 300) == 300, "a 300-byte record in file 1", errno);
	expect_ok(op(fd, MTWEOF, 1), "MTWEOF 1");
	expect_ok(op(fd, MTBSF, 1), "MTBSF 1");
	expect_at(fd, 1, -1, "before the last filemark: file 1, block unknown");
	expect_ok(op(fd, MTBSR, 1), "MTBSR 1");
	result(read(fd, buf, sizeof(buf)) == 300 && (unsigned char)buf[299] == 0x5a,
	       "the 300-byte record reads back", errno);

	expect_ok(op(fd, MTREW, 1), "MTREW");
	expect_err(read(fd, buf, 10), ENOMEM, "10 bytes read of a 100-byte record: ENOMEM");
	result(read(fd, buf, sizeof(buf)) == 0, "then the filemark: 0 bytes", errno);
	expect_at(fd, 1, 0, "file 1 block 0 after the filemark");
	expect_err(read(fd, bad, 1000), EFAULT, "a read into a bad address: EFAULT");
	expect_ok(op(fd, MTREW, 1), "MTREW");
	memset(buf, 0, 100);
	result(read(fd, buf, sizeof(buf)) == 100 && (unsigned char)buf[0] == 0xa5 &&
		       (unsigned char)buf[99] == 0xa5,
	       "a 64 KiB read of the 100-byte record returns 100 bytes", errno);

	/* Fixed block mode. */
	expect_ok(op(fd, MTREW, 1), "MTREW");
	expect_ok(op(fd, MTSETBLK, 512), "MTSETBLK 512");
	memset(&g, 0, sizeof(g));
	ioctl(fd, MTIOCGET, &g);
	result((g.mt_dsreg & MT_ST_BLKSIZE_MASK) == 512, "MTIOCGET reports 512-byte blocks", 0);
	expect_err(write(fd, buf, 100), EINVAL, "fixed mode: a 100-byte write gets EINVAL");
	memset(buf, 0x11, 4096);
	result(write(fd, buf, 4096) == 4096, "fixed mode: 8 blocks written", errno);
	expect_at(fd, 0, 8, "block 8");
	expect_ok(op(fd, MTREW, 1), "MTREW");
	expect_err(read(fd, buf, 1000), EINVAL, "fixed mode: a 1000-byte read gets EINVAL");
	result(read(fd, buf, 1024) == 1024, "fixed mode: 2 blocks read", errno);
	expect_ok(op(fd, MTSETBLK, 0), "MTSETBLK 0 (variable)");
	{
		long pos = -1;

		expect_ok(ioctl(fd, MTIOCPOS, &pos), "MTIOCPOS");
		result(pos == 2, "MTIOCPOS: at logical block 2", 0);
	}
	expect_ok(op(fd, MTSEEK, 0), "MTSEEK 0");
	expect_at(fd, 0, 0, "at BOT after MTSEEK 0");

	/* SCSI ioctls on the tape node. */
	result(sg_io(fd, tur, 6, &st) == 0 && st == 0, "SG_IO TEST UNIT READY on the node", errno);
	close(fd);

	/*
	 * A read-only descriptor handed to a process without privileges: the
	 * command filter lets TEST UNIT READY through, not WRITE FILEMARKS.
	 */
	fd = open(argv[1], O_RDONLY);
	expect_ok(fd, "open read-only");
	expect_err(write(fd, buf, 10), EBADF, "write on a read-only descriptor: EBADF");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int ok = 1;

		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(3);
		if (sg_io(fd, tur, 6, &st) != 0 || st != 0)
			ok = 0;
		errno = 0;
		if (sg_io(fd, wfm, 6, &st) != -1 || errno != EPERM)
			ok = 0;
		_exit(ok ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	result(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "unprivileged, read-only: SG_IO TUR allowed, WRITE FILEMARKS EPERM", 0);
	close(fd);

	printf("1..%d\n", n_test);
	return n_fail ? 1 : 0;
}
