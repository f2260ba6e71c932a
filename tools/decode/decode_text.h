// decode_text.h - host-side text helpers of kmemtrap-decode, shared with the decoder tests so
// that the golden cases go through exactly the code path of `kmemtrap-decode --hex`.
#ifndef KMT_DECODE_TEXT_H
#define KMT_DECODE_TEXT_H

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "kmt_decode.h"
}

namespace kmt {

// Parses hex bytes, with or without spaces between them ("f3 48 a5", "f348a5"). Stops at '#'
// (comment). Returns false on a non-hex character or an odd number of digits in a byte run.
bool parse_hex(const std::string &text, std::vector<uint8_t> *bytes);

// The --hex answer for one input line: "<length> <operands>" or "invalid" (see
// kmt_decode_format.h). A line that is not hex gives "invalid".
std::string summarize_hex_line(const std::string &line);

// The --sem answer for one input line: "<summary> | <semantics>" (kmt_format_semantics()), or
// "invalid" when the bytes do not decode. The golden file uses this form.
std::string semantics_hex_line(const std::string &line);

// A readable multi-field description of a decoded instruction, one line.
std::string describe(const std::vector<uint8_t> &bytes);

} // namespace kmt

#endif
