// kernel_image.cpp - see kernel_image.h.
#include "kernel_image.h"

#include <elf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace kmt {

std::string kernel_dir()
{
	if (const char *d = std::getenv("KMT_KERNEL_DIR"); d && *d)
		return d;
	std::string cache;
	if (const char *c = std::getenv("KMT_CACHE"); c && *c)
		cache = c;
	else if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x)
		cache = std::string(x) + "/kmemtrap";
	else
		cache = std::string(std::getenv("HOME") ? std::getenv("HOME") : "") + "/.cache/kmemtrap";
	return cache + "/current";
}

static bool read_file(const std::string &path, std::vector<uint8_t> *data)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		return false;
	data->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
	return true;
}

bool read_code_sections(const std::string &path, std::vector<CodeSection> *out, std::string *error)
{
	std::vector<uint8_t> d;
	if (!read_file(path, &d)) {
		*error = "cannot read " + path;
		return false;
	}
	if (d.size() < sizeof(Elf64_Ehdr) || std::memcmp(d.data(), ELFMAG, SELFMAG) != 0 ||
	    d[EI_CLASS] != ELFCLASS64) {
		*error = path + " is not an ELF64 file";
		return false;
	}
	Elf64_Ehdr eh;
	std::memcpy(&eh, d.data(), sizeof(eh));
	if (eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shoff + uint64_t(eh.e_shnum) * sizeof(Elf64_Shdr) > d.size()) {
		*error = path + ": bad section header table";
		return false;
	}
	std::vector<Elf64_Shdr> sh(eh.e_shnum);
	std::memcpy(sh.data(), d.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
	const Elf64_Shdr *strtab = eh.e_shstrndx < sh.size() ? &sh[eh.e_shstrndx] : nullptr;
	for (const Elf64_Shdr &s : sh) {
		if (s.sh_type != SHT_PROGBITS || !(s.sh_flags & SHF_EXECINSTR) || s.sh_size == 0)
			continue;
		if (s.sh_offset + s.sh_size > d.size())
			continue;
		CodeSection c;
		std::string name = "?";
		if (strtab && strtab->sh_offset + s.sh_name < d.size())
			name = reinterpret_cast<const char *>(d.data() + strtab->sh_offset + s.sh_name);
		c.m_name = path.substr(path.find_last_of('/') + 1) + ":" + name;
		c.m_address = s.sh_addr;
		c.m_bytes.assign(d.begin() + s.sh_offset, d.begin() + s.sh_offset + s.sh_size);
		out->push_back(std::move(c));
	}
	return true;
}

bool unpack_vmlinux(const std::string &dir, const std::string &out_path, std::string *error)
{
	std::string vmlinuz = dir + "/vmlinuz";
	struct stat in_st, out_st;
	if (stat(vmlinuz.c_str(), &in_st) != 0) {
		*error = "missing " + vmlinuz + " (run tools/setup.sh, or set KMT_KERNEL_DIR)";
		return false;
	}
	if (stat(out_path.c_str(), &out_st) == 0 && out_st.st_mtime >= in_st.st_mtime &&
	    out_st.st_size > 0)
		return true;
	std::vector<uint8_t> z;
	if (!read_file(vmlinuz, &z)) {
		*error = "cannot read " + vmlinuz;
		return false;
	}
	static const uint8_t magic[6] = { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 };
	auto it = std::search(z.begin(), z.end(), magic, magic + 6);
	if (it == z.end()) {
		*error = vmlinuz + ": no XZ payload found";
		return false;
	}
	std::string xz_path = out_path + ".xz";
	{
		std::ofstream f(xz_path, std::ios::binary);
		f.write(reinterpret_cast<const char *>(&*it), z.end() - it);
	}
	// The payload is followed by other data; --single-stream stops at the end of the stream.
	std::string tmp = out_path + ".tmp";
	std::string cmd = "xz -dc --single-stream '" + xz_path + "' > '" + tmp + "'";
	int rc = std::system(cmd.c_str());
	std::remove(xz_path.c_str());
	if (rc != 0) {
		*error = "'" + cmd + "' failed (is xz-utils installed?)";
		return false;
	}
	if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
		*error = "cannot rename " + tmp;
		return false;
	}
	return true;
}

std::vector<std::string> list_modules(const std::string &dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	std::string root = dir + "/modules/kernel";
	for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
	     !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
		if (it->is_regular_file() && it->path().extension() == ".ko")
			out.push_back(it->path().string());
	}
	std::sort(out.begin(), out.end());
	return out;
}

} // namespace kmt
