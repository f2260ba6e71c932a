// Userspace implementation of the core's assertion hook: a broken invariant aborts the test.
#include <cstdio>
#include <cstdlib>

#include "kmt_base.h"

extern "C" void kmt_assert_failed(const char *file, int line, const char *expr)
{
	std::fprintf(stderr, "kmemtrap core assertion failed: %s at %s:%d\n", expr, file, line);
	std::abort();
}
