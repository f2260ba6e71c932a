/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt_decode_format.h - one-line summaries of decoded instructions.
 *
 * The summary is the `kmemtrap-decode --hex` output format, shared by that tool, the golden
 * tests and the differential test so that all three check the same text:
 *   "<length> <memory operands>"  where the operands are "-" or a sorted, comma-separated
 *   list of "<r|w|rw><size in bytes>" (explicit and string operands; address-only forms and
 *   implicit stack accesses are never listed), or "invalid" when the bytes do not decode.
 */
#ifndef KMT_DECODE_FORMAT_H
#define KMT_DECODE_FORMAT_H

#include "kmt_decode.h"

KMT_EXTERN_C_BEGIN

/* Longest summary: "15 " + two operands of "rw" + 10 digits + ",", plus NUL. */
#define KMT_SUMMARY_MAX 48

/*
 * kmt_format_summary - write the summary of @insn (decoded with @status) into @buf.
 * @cap: bytes available at @buf; KMT_SUMMARY_MAX always suffices.
 * Any status other than KMT_DECODE_OK gives "invalid". Returns the string length, or 0 if
 * @cap was too small (then @buf holds an empty string when @cap > 0).
 */
size_t kmt_format_summary(int status, const struct kmt_insn *insn, char *buf, size_t cap);

/*
 * The instruction semantics in one line (`kmemtrap-decode --sem`, the golden file after " | "):
 *   "<op> <operands> ; gpr r:<regs> w:<regs>[ implicit <n>] ; flags r:<f> w:<f> u:<f>[ cond]"
 * op: kmt_op_str(), with the condition for Jcc/SETcc/CMOVcc ("jne", "setb", "cmovg").
 * operands: "<r|w|rw|->:<register name>" (al, ah, r8w, eax, rdi...), "<access>:m<size>" (with
 * "#1" for mem[1]), "addr" (AGEN), "i<size>:0x<value>", "rel<size>:+0x<disp>". regs: GPR names
 * or "-". flags: letters of o d s z a p c, or "-". " a32" marks KMT_SEM_ADDR32; KMT_OP_OTHER
 * without KMT_SEM_GPRS ends with " ; gprs not described" and has no flags part.
 * Returns the string length, or 0 if @cap was too small (then @buf holds an empty string when
 * @cap > 0). KMT_SEMANTICS_MAX always suffices: the longest possible line (four 8-byte
 * immediates, all 16 GPRs in both sets, every flag) is under 300 bytes.
 */
#define KMT_SEMANTICS_MAX 320
size_t kmt_format_semantics(const struct kmt_insn *insn, char *buf, size_t cap);

KMT_EXTERN_C_END

#endif /* KMT_DECODE_FORMAT_H */
