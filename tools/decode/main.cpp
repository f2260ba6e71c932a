// kmemtrap-decode: decode x86-64 instructions given as hex, one per input line.
//
//   kmemtrap-decode --hex   < lines   ->  "<length> <memory operands>" or "invalid" per line
//   kmemtrap-decode         < lines   ->  a readable description per line
//   kmemtrap-decode [--hex] BYTES...  ->  the same for the bytes given as arguments
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "decode_text.h"

static void usage()
{
	std::fprintf(stderr,
		     "usage: kmemtrap-decode [--hex] [HEX BYTES...]\n"
		     "Reads one instruction per line (hex bytes, spaces optional) from stdin, or\n"
		     "takes the bytes from the arguments. --hex prints \"<length> <operands>\"\n"
		     "(operands: '-' or sorted <r|w|rw><bytes>), or \"invalid\".\n");
}

static void handle(const std::string &line, bool hex)
{
	if (hex) {
		std::cout << kmt::summarize_hex_line(line) << '\n';
		return;
	}
	std::vector<uint8_t> bytes;
	if (!kmt::parse_hex(line, &bytes) || bytes.empty()) {
		std::cout << line << ": not hex\n";
		return;
	}
	std::cout << line << ": " << kmt::describe(bytes) << '\n';
}

int main(int argc, char **argv)
{
	bool hex = false;
	std::string args;
	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--hex")) {
			hex = true;
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
		handle(args, hex);
		return 0;
	}
	std::string line;
	while (std::getline(std::cin, line))
		handle(line, hex);
	return 0;
}
