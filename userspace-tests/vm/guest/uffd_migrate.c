// SPDX-License-Identifier: GPL-2.0
/*
 * uffd_migrate - a guest program for the SMP migration case (userspace-tests/vm/scenarios/
 * migrate.sh): read(FILE) into a page registered with userfaultfd, so that the kernel's
 * copy_to_user() faults on it and sleeps; meanwhile a second thread moves the reading thread to
 * another CPU (sched_setaffinity) and only then fills the page. The copy resumes, and finishes,
 * on that other CPU. Prints what it read and where.
 *
 * Usage: uffd_migrate FILE LEN FROM_CPU TO_CPU [POKE_FILE]
 * With POKE_FILE, the second thread also writes "1" to it while the reader sleeps (before it
 * fills the page): shown_window.sh's writes to a page kmemtrap shows for the sleeping step.
 * Output: "UFFD-MIGRATE: read N bytes, started on CPU A, finished on CPU B, faults 1" and the
 *         bytes as hex on a second line ("UFFD-DATA: ...").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int uffd;
static pid_t reader_tid;
static int to_cpu;
static long page_size;
static int faults;
static const char *poke_file;

static void die(const char *what)
{
	fprintf(stderr, "uffd_migrate: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(tid, sizeof(set), &set))
		die("sched_setaffinity");
}

static void *handler(void *arg)
{
	struct uffd_msg msg;
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	char *src = aligned_alloc(page_size, page_size);

	(void)arg;
	memset(src, 0, page_size);
	if (poll(&p, 1, 10000) != 1)
		die("poll (no fault came)");
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		die("read uffd");
	faults++;
	/* The reader sleeps in the kernel now, in the middle of its copy: move it, then wake it. */
	usleep(100000);
	pin(reader_tid, to_cpu);
	if (poke_file) {
		int fd = open(poke_file, O_WRONLY);

		if (fd < 0 || write(fd, "1", 1) != 1)
			die("write POKE_FILE");
		close(fd);
	}
	struct uffdio_copy copy = {
		.dst = msg.arg.pagefault.address & ~(uint64_t)(page_size - 1),
		.src = (uint64_t)(uintptr_t)src,
		.len = page_size,
	};
	if (ioctl(uffd, UFFDIO_COPY, &copy))
		die("UFFDIO_COPY");
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: uffd_migrate FILE LEN FROM_CPU TO_CPU [POKE_FILE]\n");
		return 2;
	}
	size_t len = strtoul(argv[2], NULL, 0);
	int from_cpu = atoi(argv[3]);
	to_cpu = atoi(argv[4]);
	poke_file = argc == 6 ? argv[5] : NULL;
	page_size = sysconf(_SC_PAGESIZE);
	if (len == 0 || len > (size_t)page_size)
		die("LEN must be 1..page size");
	reader_tid = syscall(SYS_gettid);
	pin(0, from_cpu);

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd");
	struct uffdio_api api = { .api = UFFD_API };
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	unsigned char *buf = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	struct uffdio_register reg = {
		.range = { .start = (uint64_t)(uintptr_t)buf, .len = page_size },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");

	pthread_t t;
	if (pthread_create(&t, NULL, handler, NULL))
		die("pthread_create");
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		die("open FILE");
	int started = sched_getcpu();
	ssize_t n = read(fd, buf, len);
	int finished = sched_getcpu();
	if (n < 0)
		die("read FILE");
	pthread_join(t, NULL);
	printf("UFFD-MIGRATE: read %zd bytes, started on CPU %d, finished on CPU %d, faults %d\n", n, started,
	       finished, faults);
	printf("UFFD-DATA:");
	for (ssize_t i = 0; i < n; i++)
		printf(" %02x", buf[i]);
	printf("\n");
	return 0;
}
