// follow_cases.h - the kernel-pattern cases of follow_cases.c (C, shared with the C++ tests).
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kmt_bits {
	unsigned ready : 1;
	unsigned spare : 3;
	unsigned other : 4;
};

struct kmt_pair {
	long a;
	long b;
};

struct kmt_triple {
	long id;
	long secret;
	long flags;
};

int kmt_case_bitfield_set_read(struct kmt_bits *s);
int kmt_case_bitfield_unset_read(struct kmt_bits *s);
uint64_t kmt_case_word_hash(const char *name);
int kmt_case_word_compare(const char *a, const char *b, unsigned len);
void kmt_case_struct_copy(struct kmt_pair *dst, const struct kmt_pair *src);
uint64_t kmt_case_load_then_add(const uint64_t *p);
int kmt_case_use_a(const struct kmt_pair *p);
int kmt_case_use_b(const struct kmt_pair *p);
int kmt_case_partial_compare(const uint64_t *p, uint32_t x);
void kmt_case_copy_to_user(char *user, const struct kmt_pair *src);
int kmt_case_callee(long v);
int kmt_case_pass_to_callee(const struct kmt_pair *p);
uint64_t kmt_case_loop_count(const struct kmt_pair *p, const uint8_t *data);
void kmt_case_load_unused(const uint64_t *p);
int kmt_case_push_mem(const uint64_t *p);
void kmt_case_copy_out(char *user, const void *from, size_t n);
int kmt_case_word_hash_lookup(const char *name, uint64_t want);
void kmt_case_stack_copy_out(char *user, const struct kmt_triple *o);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
extern uint64_t kmt_follow_result;
void kmt_follow_drive(uint64_t (*fn)(uint64_t, uint64_t, uint64_t), uint64_t a, uint64_t b, uint64_t c);
#ifdef __cplusplus
}
#endif
