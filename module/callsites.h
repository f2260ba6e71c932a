/* SPDX-License-Identifier: GPL-2.0 */
/*
 * callsites.h - direct calls to a kernel function sent to another one, by rewriting the call
 * instructions themselves (callsites.c), as static_call does: the calls that are not rewritten
 * pay nothing, unlike an ftrace callback on the function, which every call pays.
 *
 * The caller serializes every function here (isolate.c: its mutex) and runs in process context.
 */
#ifndef KMT_CALLSITES_H
#define KMT_CALLSITES_H

#include <linux/types.h>

/* A call or tail jump (@kinds) to @fn becomes one to @repl, which has the same arguments. */
#define KMT_CS_CALL 1u /* E8 rel32 */
#define KMT_CS_JMP 2u  /* E9 rel32 */
struct kmt_cs_target {
	unsigned long fn;
	unsigned long repl;
	unsigned int kinds;
};

/* Whose text a site is in: a module, or the kernel's own text (KMT_CS_CORE). */
#define KMT_CS_CORE ((const void *)1ul)

/*
 * Finds what the rewriting needs (text_poke_bp(), text_mutex). Returns 0, or -ENOENT if this
 * kernel lacks them: then nothing here may be called (isolate.c falls back to ftrace).
 */
int kmt_cs_init(void);

/*
 * Rewrites every direct CALL/JMP rel32 in [@start, @end) whose target is one of @t's functions
 * (of the kinds it names),
 * and remembers each under @owner (@init: the text is a module's init text, forgotten when
 * the module goes live). A candidate counts only if decoding its function from the start lands
 * on it (kallsyms gives the function; kmt_decode() the lengths). Returns how many were
 * rewritten, or a negative error (none was).
 */
int kmt_cs_redirect(unsigned long start, unsigned long end, const struct kmt_cs_target *t,
		    unsigned int nt, const void *owner, bool init);

/*
 * How many direct CALL/JMP rel32 in [@start, @end) go to one of @t's functions (of the kinds it
 * names; @t's repl is not used), counted as kmt_cs_redirect() would rewrite them. Rewrites
 * nothing; needs no kmt_cs_init().
 */
int kmt_cs_count(unsigned long start, unsigned long end, const struct kmt_cs_target *t, unsigned int nt);

/*
 * Whether the function at @fn ends in a tail jump (JMP rel32) to @target somewhere: a wrapper
 * that must pass a call on with the caller's return address checks that its compiler made it so.
 */
bool kmt_cs_jumps_to(unsigned long fn, unsigned long target);

/* Whether @owner has rewritten sites. */
bool kmt_cs_has(const void *owner);

/* Puts @owner's sites back as they were (NULL: every owner's). */
void kmt_cs_restore(const void *owner);

/* Forgets @owner's sites without touching them: their text is going away (@init_only: init text). */
void kmt_cs_forget(const void *owner, bool init_only);

/* Unload: every site restored, the records freed. */
void kmt_cs_exit(void);

#endif /* KMT_CALLSITES_H */
