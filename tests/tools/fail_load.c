// SPDX-License-Identifier: GPL-2.0
/*
 * fail_load: loads a module with finit_module(2) while the kernel's
 * fault injection fails the Nth allocation of this task
 * (/proc/self/fail-nth, with whatever failslab filter is set in debugfs),
 * and says what happened. Loading from this very task, rather than
 * through insmod, keeps the count to the load itself and lets the
 * remaining count be read back afterwards.
 *
 * Usage: fail_load N MODULE.ko [PARAMS]
 *   N = 0 loads without injection.
 * Prints one line: "loaded" or "failed (errno E: text)", then
 * "injected" or "not reached (R left)". With a large N, N - R is how many
 * allocations the load made that the filter lets count.
 * Exit status: 0 loaded, nothing injected; 1 loaded although a failure
 * was injected (the failure was absorbed); 2 failed because of the
 * injected failure; 3 failed with nothing injected; 4 usage or set-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int nth_write(unsigned long n)
{
	char buf[32];
	int fd, len, ret;

	fd = open("/proc/self/fail-nth", O_WRONLY);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%lu", n);
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

static long nth_read(void)
{
	char buf[32] = "";
	int fd;
	ssize_t len;

	fd = open("/proc/self/fail-nth", O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	return strtol(buf, NULL, 10);
}

int main(int argc, char **argv)
{
	unsigned long n;
	const char *params;
	long ret, left;
	int fd, err;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: fail_load N MODULE.ko [PARAMS]\n");
		return 4;
	}
	n = strtoul(argv[1], NULL, 10);
	params = argc == 4 ? argv[3] : "";
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[2]);
		return 4;
	}
	if (n && nth_write(n)) {
		perror("/proc/self/fail-nth");
		return 4;
	}
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	left = n ? nth_read() : 0;
	if (left > 0)
		nth_write(0);
	close(fd);

	if (ret == 0)
		printf("loaded");
	else
		printf("failed (errno %d: %s)", err, strerror(err));
	if (!n)
		printf("\n");
	else if (left == 0)
		printf(", injected\n");
	else
		printf(", not reached (%ld left)\n", left);
	if (left < 0)
		return 4;
	if (ret == 0)
		return n && left == 0 ? 1 : 0;
	return n && left == 0 ? 2 : 3;
}
