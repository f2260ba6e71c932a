// follow_cases.c - real kernel code patterns for following uninitialized bits to their use
// (shadow/kmt_regshadow.h), run in the userspace twin. Compiled as C with the kernel's code
// generation limits (no SSE, no red zone: kmemtrap's rules cover the integer instructions the
// kernel itself is made of). Each case names, in follow_test.cpp, the reports it must produce.
//
// The cases get tracked memory whose shadow the test has set; what they return is checked too.
#include <stddef.h>
#include <stdint.h>

#include "follow_cases.h"

#define noinline __attribute__((noinline))
#define unlikely(x) __builtin_expect(!!(x), 0)

// A sink the compiler cannot see through: the value is "used" only if the code branches on it.
volatile uint64_t kmt_follow_sink;

// ---- bit-fields ------------------------------------------------------------------------------

// s->ready = 1; then a branch on s->ready: the byte is partly initialized, the bit is known.
noinline int kmt_case_bitfield_set_read(struct kmt_bits *s)
{
	s->ready = 1;
	if (s->ready)
		return 10;
	return 20;
}

// s->ready = 1; then a branch on s->spare, never written: reported at the branch.
noinline int kmt_case_bitfield_unset_read(struct kmt_bits *s)
{
	s->ready = 1;
	if (s->spare)
		return 1;
	return 2;
}

// ---- word-at-a-time names (fs/namei.c, include/asm-generic/word-at-a-time.h) ---------------

#define ONE_BITS 0x0101010101010101ul
#define HIGH_BITS 0x8080808080808080ul

static inline unsigned long has_zero(unsigned long a)
{
	return ((a - ONE_BITS) & ~a) & HIGH_BITS;
}

static inline unsigned long zero_bytemask(unsigned long mask)
{
	return ((mask - 1) & ~mask) >> 7;
}

static inline unsigned long find_zero(unsigned long mask)
{
	return (unsigned long)__builtin_ctzl(mask) >> 3;
}

// full_name_hash()-like: hash a NUL-terminated name a word at a time, reading past the NUL
// (the bytes after it are uninitialized), as hash_name() does.
noinline uint64_t kmt_case_word_hash(const char *name)
{
	uint64_t hash = 0, a, mask;
	const unsigned long *p = (const unsigned long *)name;

	for (;;) {
		a = *p++;
		mask = has_zero(a);
		if (mask)
			break;
		hash = (hash + a) * 9;
	}
	mask = zero_bytemask(mask);
	hash = (hash + (a & mask)) * 9;
	return hash ^ (find_zero(has_zero(a)) + ((const char *)p - name));
}

// dentry_string_cmp()-like: compare a name word by word; the tail is masked by the length.
noinline int kmt_case_word_compare(const char *a, const char *b, unsigned len)
{
	const unsigned long *wa = (const unsigned long *)a, *wb = (const unsigned long *)b;
	unsigned long x, y;

	for (;;) {
		x = *wa++;
		y = *wb++;
		if (len < sizeof(unsigned long))
			break;
		if (x != y)
			return 1;
		len -= sizeof(unsigned long);
		if (!len)
			return 0;
	}
	// bytemask_from_count(len): the bytes that belong to the name.
	return !!((x ^ y) & ((1ul << (len * 8)) - 1));
}

// ---- struct copies through registers ---------------------------------------------------------

noinline void kmt_case_struct_copy(struct kmt_pair *dst, const struct kmt_pair *src)
{
	*dst = *src;
}

// A load and then arithmetic on it (no second access): the engine's run-ahead stops at once.
noinline uint64_t kmt_case_load_then_add(const uint64_t *p)
{
	return *p * 3 + 1;
}

// PUSH of a word of memory, POP into a register, then a branch on it: how 6.1's mprotect_fixup()
// passes vma fields to vma_merge() on the stack. In assembly, so that the push is exactly that
// (and no red zone is in use below RSP).
__asm__(".text\n"
	".globl kmt_case_push_mem\n"
	".type kmt_case_push_mem, @function\n"
	"kmt_case_push_mem:\n"
	"	pushq (%rdi)\n"
	"	popq %rax\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	mov $1, %eax\n"
	"	ret\n"
	"1:	xor %eax, %eax\n"
	"	ret\n"
	".size kmt_case_push_mem, . - kmt_case_push_mem\n");

// A branch on the copied field that was initialized (a) and on the one that was not (b).
noinline int kmt_case_use_a(const struct kmt_pair *p)
{
	return p->a > 5 ? 1 : 0;
}

noinline int kmt_case_use_b(const struct kmt_pair *p)
{
	if (p->b > 5)
		return 1;
	return 0;
}

// ---- a partial-word compare ----------------------------------------------------------------

// Only the low four bytes of the word are initialized, and only they are compared.
noinline int kmt_case_partial_compare(const uint64_t *p, uint32_t x)
{
	if ((uint32_t)*p == x)
		return 1;
	return 0;
}

// ---- a struct copied to a local, then to a "user" buffer -------------------------------------

noinline void kmt_case_copy_to_user(char *user, const struct kmt_pair *src)
{
	struct kmt_pair local = *src;
	const volatile char *from = (const volatile char *)&local;
	size_t i;

	for (i = 0; i < sizeof(local); i++)
		user[i] = from[i];
}

// ---- a value passed in a register to a callee that branches on it ----------------------------

noinline int kmt_case_callee(long v)
{
	if (v > 3)
		return 7;
	return 8;
}

noinline int kmt_case_pass_to_callee(const struct kmt_pair *p)
{
	return kmt_case_callee(p->b) + 1;
}

// ---- a loop whose counter comes from uninitialized memory ------------------------------------

noinline uint64_t kmt_case_loop_count(const struct kmt_pair *p, const uint8_t *data)
{
	uint64_t sum = 0;
	long i;

	for (i = 0; i < p->b; i++)
		sum += data[i & 63];
	return sum;
}

// ---- uninitialized bytes loaded and never used -----------------------------------------------

// Loads a word with an uninitialized half and stores it to a global: nothing uses it.
noinline void kmt_case_load_unused(const uint64_t *p)
{
	kmt_follow_sink = *p;
}

// ---- the driver ---------------------------------------------------------------------------

uint64_t kmt_follow_result;

// Calls a case (its arguments as the ABI passes them) and then overwrites every register a
// case may leave uninitialized bits in, as a caller's next instructions would, so that
// following ends here and not in the test framework's code.
noinline void kmt_follow_drive(uint64_t (*fn)(uint64_t, uint64_t, uint64_t), uint64_t a, uint64_t b, uint64_t c)
{
	kmt_follow_result = fn(a, b, c);
	asm volatile("xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\txor %%esi, %%esi\n\t"
		     "xor %%edi, %%edi\n\txor %%r8d, %%r8d\n\txor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\t"
		     "xor %%r11d, %%r11d"
		     ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory");
}

// ---- a struct read field by field into a local, then copied out by another function ----------

noinline void kmt_case_copy_out(char *user, const void *from, size_t n)
{
	const volatile uint64_t *s = (const volatile uint64_t *)from;
	uint64_t *d = (uint64_t *)user;
	size_t i;

	for (i = 0; i < n / 8; i++)
		d[i] = s[i];
}

noinline void kmt_case_stack_copy_out(char *user, const struct kmt_triple *o)
{
	struct kmt_triple local;

	local.id = *(const volatile long *)&o->id;
	local.secret = *(const volatile long *)&o->secret;
	local.flags = *(const volatile long *)&o->flags;
	asm volatile("" ::: "memory");
	kmt_case_copy_out(user, &local, sizeof(local));
}

// ---- a word-at-a-time hash whose result is used (hash_name() then a dentry compare) -----------

noinline int kmt_case_word_hash_lookup(const char *name, uint64_t want)
{
	if (kmt_case_word_hash(name) == want) // the lookup compares the hash: a use
		return 1;
	return 2;
}
