/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_base.h - fixed-width types and the assertion hook shared by kmemtrap's core.
 *
 * Included by C (kernel glue) and by freestanding C++17 (emulate/, shadow/). In the kernel
 * the types come from <linux/types.h>; everywhere else from the compiler's own freestanding
 * <stdint.h>/<stddef.h>, which exist even with -nostdinc++ -ffreestanding.
 */
#ifndef KMT_BASE_H
#define KMT_BASE_H

#if defined(__KERNEL__) && !defined(__cplusplus)
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
#define KMT_EXTERN_C_BEGIN extern "C" {
#define KMT_EXTERN_C_END }
#else
#define KMT_EXTERN_C_BEGIN
#define KMT_EXTERN_C_END
#endif

/*
 * On a local that is written whole before it is read, in the trap path: the kernel builds with
 * -ftrivial-auto-var-init=zero (Debian: CONFIG_INIT_STACK_ALL_ZERO), which clears every local
 * first, and a cleared struct is a REP STOS, one QEMU TCG block per 8 bytes. Only for locals that
 * a constructor or a filling function writes entirely, so that no byte is ever read unset.
 */
#if defined(__has_attribute)
#if __has_attribute(uninitialized)
#define KMT_UNINITIALIZED __attribute__((uninitialized))
#endif
#endif
#ifndef KMT_UNINITIALIZED
#define KMT_UNINITIALIZED
#endif

KMT_EXTERN_C_BEGIN

/*
 * Called by the core when one of its own invariants is broken. The kernel glue implements it
 * with WARN_ON_ONCE (the core then returns an error); the userspace tests abort. The core never
 * continues past a failed assertion with the broken state.
 */
void kmt_assert_failed(const char *file, int line, const char *expr);

KMT_EXTERN_C_END

#define KMT_ASSERT(expr) \
	((expr) ? (void)0 : kmt_assert_failed(__FILE__, __LINE__, #expr))

#endif /* KMT_BASE_H */
