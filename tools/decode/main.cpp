// kmemtrap-decode: decode x86-64 instructions given as hex, one per input line.
//
//   kmemtrap-decode --hex   < lines   ->  "<length> <memory operands>" or "invalid" per line
//   kmemtrap-decode --sem   < lines   ->  "<length> <memory operands> | <semantics>" per line
//   kmemtrap-decode         < lines   ->  a readable description per line
//   kmemtrap-decode [--hex|--sem] BYTES...  ->  the same for the bytes given as arguments
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "decode_text.h"

namespace {

enum class Mode { Describe, Hex, Semantics };

void usage()
{
	std::fprintf(stderr,
		     "usage: kmemtrap-decode [--hex|--sem] [HEX BYTES...]\n"
		     "Reads one instruction per line (hex bytes, spaces optional) from stdin, or\n"
		     "takes the bytes from the arguments. --hex prints \"<length> <operands>\"\n"
		     "(operands: '-' or sorted <r|w|rw><bytes>), or \"invalid\". --sem adds\n"
		     "\" | <op> <operands> ; gpr r:<regs> w:<regs> ; flags r:<f> w:<f> u:<f>\"\n"
		     "(see emulate/kmt_decode_format.h).\n");
}

void handle(const std::string &line, Mode mode)
{
	if (mode == Mode::Hex) {
		std::cout << kmt::summarize_hex_line(line) << '\n';
		return;
	}
	if (mode == Mode::Semantics) {
		std::cout << kmt::semantics_hex_line(line) << '\n';
		return;
	}
	std::vector<uint8_t> bytes;
	if (!kmt::parse_hex(line, &bytes) || bytes.empty()) {
		std::cout << line << ": not hex\n";
		return;
	}
	std::cout << line << ": " << kmt::describe(bytes) << '\n';
}

} // namespace

int main(int argc, char **argv)
{
	Mode mode = Mode::Describe;
	std::string args;
	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--hex")) {
			mode = Mode::Hex;
		} else if (!std::strcmp(argv[i], "--sem")) {
			mode = Mode::Semantics;
		} else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (argv[i][0] == '-') {
			usage();
			return 2;
		} else {
			args += args.empty() ? "" : " ";
			args += argv[i];
		}
	}
	if (!args.empty()) {
		handle(args, mode);
		return 0;
	}
	std::string line;
	while (std::getline(std::cin, line))
		handle(line, mode);
	return 0;
}
