// kernel_image.h - the test kernel's executable bytes for the decoder's differential test and
// benchmark: vmlinux is unpacked from the bzImage's XZ payload (with `xz -dc`), modules are
// read as they are; executable ELF sections are returned as byte ranges.
#ifndef KMT_KERNEL_IMAGE_H
#define KMT_KERNEL_IMAGE_H

#include <cstdint>
#include <string>
#include <vector>

namespace kmt {

struct CodeSection {
	std::string m_name; // "<file>:<section>"
	uint64_t m_address; // sh_addr (0 for relocatable modules)
	std::vector<uint8_t> m_bytes;
};

// The kernel directory: $KMT_KERNEL_DIR, else ${KMT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmemtrap}/current.
std::string kernel_dir();

// Reads the executable sections (SHF_EXECINSTR, SHT_PROGBITS) of an ELF64 file. Returns false
// with *error set when the file is unreadable or not ELF64.
bool read_code_sections(const std::string &path, std::vector<CodeSection> *out, std::string *error);

// Unpacks <dir>/vmlinuz to @out_path (skipped if it exists and is newer). Returns false with
// *error set on failure.
bool unpack_vmlinux(const std::string &dir, const std::string &out_path, std::string *error);

// All *.ko files under <dir>/modules/kernel, sorted by path.
std::vector<std::string> list_modules(const std::string &dir);

} // namespace kmt

#endif
