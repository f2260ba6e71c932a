#include "symbolize.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kmt_report {

namespace {

// Kernel module names use '_' where the file name may use '-' (the kernel converts them when it
// loads the module), so "[kmt_bugs]" must match --module kmt-bugs=... too.
std::string normalize_module_name(std::string name)
{
	for (char &c : name)
		if (c == '-')
			c = '_';
	return name;
}

std::string trim(const std::string &s)
{
	size_t b = s.find_first_not_of(" \t\r\n");
	if (b == std::string::npos)
		return "";
	size_t e = s.find_last_not_of(" \t\r\n");
	return s.substr(b, e - b + 1);
}

// What the symbolizer needs from the ELF header and section names, read directly: whether the
// file is relocatable (a .ko or .o, whose symbol values are offsets inside their section) and
// whether it carries DWARF line information at all.
struct ElfFacts {
	bool m_ok = false;
	bool m_relocatable = false;
	bool m_has_debug_info = false;
};

template <typename T> bool read_at(std::ifstream &in, unsigned long long offset, T &out)
{
	in.seekg(static_cast<std::streamoff>(offset));
	in.read(reinterpret_cast<char *>(&out), sizeof(out));
	return static_cast<bool>(in);
}

ElfFacts read_elf_facts(const std::string &path)
{
	ElfFacts facts;
	std::ifstream in(path, std::ios::binary);
	unsigned char ident[16];
	if (!in.read(reinterpret_cast<char *>(ident), sizeof(ident)) || std::memcmp(ident, "\177ELF", 4) != 0)
		return facts;
	// Only little-endian files are read here (x86 is the only target of kmemtrap); for others
	// the facts stay unknown and the tools are simply run.
	if (ident[5] != 1)
		return facts;
	bool is64 = ident[4] == 2;
	uint16_t type = 0, shentsize = 0, shnum = 0, shstrndx = 0;
	unsigned long long shoff = 0;
	if (!read_at(in, 16, type))
		return facts;
	if (is64) {
		uint64_t off64 = 0;
		if (!read_at(in, 0x28, off64) || !read_at(in, 0x3a, shentsize) || !read_at(in, 0x3c, shnum) ||
		    !read_at(in, 0x3e, shstrndx))
			return facts;
		shoff = off64;
	} else {
		uint32_t off32 = 0;
		if (!read_at(in, 0x20, off32) || !read_at(in, 0x2e, shentsize) || !read_at(in, 0x30, shnum) ||
		    !read_at(in, 0x32, shstrndx))
			return facts;
		shoff = off32;
	}
	facts.m_relocatable = type == 1; // ET_REL
	if (shnum == 0 || shstrndx >= shnum)
		return facts;
	// Section header fields: sh_name at 0; sh_offset at 0x18 (64-bit) or 0x10 (32-bit); sh_size
	// right after it.
	auto section_name_and_data = [&](unsigned idx, uint32_t &name, unsigned long long &off,
					 unsigned long long &size) {
		unsigned long long base = shoff + static_cast<unsigned long long>(idx) * shentsize;
		if (!read_at(in, base, name))
			return false;
		if (is64) {
			uint64_t o = 0, s = 0;
			if (!read_at(in, base + 0x18, o) || !read_at(in, base + 0x20, s))
				return false;
			off = o;
			size = s;
		} else {
			uint32_t o = 0, s = 0;
			if (!read_at(in, base + 0x10, o) || !read_at(in, base + 0x14, s))
				return false;
			off = o;
			size = s;
		}
		return true;
	};
	uint32_t unused = 0;
	unsigned long long strtab_off = 0, strtab_size = 0;
	if (!section_name_and_data(shstrndx, unused, strtab_off, strtab_size) || strtab_size > (64u << 20))
		return facts;
	std::string strtab(strtab_size, '\0');
	in.seekg(static_cast<std::streamoff>(strtab_off));
	if (!in.read(&strtab[0], static_cast<std::streamsize>(strtab_size)))
		return facts;
	facts.m_ok = true;
	for (unsigned i = 0; i < shnum; i++) {
		uint32_t name = 0;
		unsigned long long off = 0, size = 0;
		if (!section_name_and_data(i, name, off, size) || name >= strtab.size())
			continue;
		std::string section(strtab.c_str() + name);
		if (section == ".debug_info" || section == ".zdebug_info")
			facts.m_has_debug_info = true;
	}
	return facts;
}

std::string hex(unsigned long long v)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "0x%llx", v);
	return buf;
}

} // namespace

bool parse_module_argument(const std::string &arg, ModuleFile &out)
{
	size_t eq = arg.find('=');
	if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
		return false;
	out.m_name = arg.substr(0, eq);
	out.m_path = arg.substr(eq + 1);
	return true;
}

std::string run_program(const std::vector<std::string> &argv, int &exit_status)
{
	exit_status = -1;
	int fds[2];
	if (pipe(fds) != 0)
		return "";
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return "";
	}
	if (pid == 0) {
		// The child: stdout into the pipe, stderr silenced (addr2line and nm complain on their
		// own terms; the symbolizer reports problems once, in its own words).
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		std::vector<char *> args;
		for (const std::string &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		execvp(args[0], args.data());
		_exit(127);
	}
	close(fds[1]);
	std::string out;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.append(buf, static_cast<size_t>(n));
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (WIFEXITED(status))
		exit_status = WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
	return out;
}

Symbolizer::Symbolizer(std::vector<ModuleFile> modules, std::ostream &diag) : m_diag(diag)
{
	for (ModuleFile &f : modules) {
		Module m;
		m.m_file = std::move(f);
		m_modules.push_back(std::move(m));
	}
}

Symbolizer::Module *Symbolizer::find_module(const std::string &name)
{
	std::string wanted = normalize_module_name(name);
	for (Module &m : m_modules)
		if (normalize_module_name(m.m_file.m_name) == wanted)
			return &m;
	return nullptr;
}

void Symbolizer::load(Module &m)
{
	if (m.m_loaded)
		return;
	m.m_loaded = true;
	const std::string &path = m.m_file.m_path;
	ElfFacts facts = read_elf_facts(path);
	if (facts.m_ok && !facts.m_has_debug_info) {
		m_diag << "kmemtrap-report: " << path << " (module " << m.m_file.m_name
		       << ") has no debug info; its frames are not symbolized\n";
		return;
	}
	m.m_relocatable = facts.m_relocatable;
	// The System V format names each symbol's section, which a relocatable file needs: there
	// every section starts at 0, so the same value means different code in .text and .init.text.
	int status = 0;
	std::string out = run_program({ "nm", "--defined-only", "-f", "sysv", path }, status);
	if (status != 0) {
		m_diag << "kmemtrap-report: nm could not read " << path << " (module " << m.m_file.m_name
		       << "); its frames are not symbolized\n";
		return;
	}
	std::istringstream lines(out);
	std::string line;
	while (std::getline(lines, line)) {
		// name|value|class|type|size|line|section
		std::vector<std::string> fields;
		std::stringstream ss(line);
		std::string field;
		while (std::getline(ss, field, '|'))
			fields.push_back(trim(field));
		if (fields.size() < 7 || fields[3] != "FUNC")
			continue;
		Symbol s;
		s.m_value = std::strtoull(fields[1].c_str(), nullptr, 16);
		s.m_size = std::strtoull(fields[4].c_str(), nullptr, 16);
		s.m_section = fields[6];
		m.m_symbols.emplace(fields[0], s);
	}
	m.m_usable = true;
}

void Symbolizer::add_request(Frame &frame, bool return_address,
			     std::map<Module *, std::vector<Request>> &requests)
{
	if (frame.m_function.empty() || frame.m_module.empty())
		return;
	Module *m = find_module(frame.m_module);
	if (!m)
		return;
	load(*m);
	if (!m->m_usable)
		return;
	auto range = m->m_symbols.equal_range(frame.m_function);
	if (range.first == range.second)
		return;
	// Two static functions may share a name; the printed size tells them apart. The kernel's
	// size is the distance to the next symbol, so it includes the alignment padding that nm's
	// size leaves out: a file symbol fits when it is at most one 64-byte alignment shorter.
	const Symbol *symbol = &range.first->second;
	bool size_fits = false;
	for (auto it = range.first; it != range.second; ++it) {
		const Symbol &s = it->second;
		bool fits = s.m_size <= frame.m_size && frame.m_size - s.m_size < 64;
		if (fits && (!size_fits || s.m_size > symbol->m_size)) {
			symbol = &s;
			size_fits = true;
		}
	}
	if (!size_fits && !m->m_size_warned) {
		m->m_size_warned = true;
		m_diag << "kmemtrap-report: " << frame.m_function << " is 0x" << std::hex << symbol->m_size
		       << std::dec << " bytes in " << m->m_file.m_path << " but 0x" << std::hex << frame.m_size
		       << std::dec << " in the log: the file may not be the module that ran\n";
	}
	unsigned long long offset = frame.m_offset;
	// A return address points after the call; the call itself is the byte before it.
	if (return_address && offset > 0)
		offset--;
	Request r;
	r.m_frame = &frame;
	r.m_section = m->m_relocatable ? symbol->m_section : "";
	r.m_address = symbol->m_value + offset;
	requests[m].push_back(r);
}

void Symbolizer::resolve(Module &m, std::vector<Request> &requests)
{
	// One addr2line run per section: -j makes the addresses relative to that section.
	std::map<std::string, std::vector<Request *>> by_section;
	for (Request &r : requests)
		by_section[r.m_section].push_back(&r);
	for (auto &entry : by_section) {
		std::vector<std::string> argv = { "addr2line", "-e", m.m_file.m_path, "-a", "-f", "-i", "-C" };
		if (!entry.first.empty()) {
			argv.push_back("-j");
			argv.push_back(entry.first);
		}
		for (Request *r : entry.second)
			argv.push_back(hex(r->m_address));
		int status = 0;
		std::string out = run_program(argv, status);
		if (status != 0) {
			m_diag << "kmemtrap-report: addr2line failed on " << m.m_file.m_path << "\n";
			return;
		}
		// With -a every answer starts with the address, so inline chains of any length (-i)
		// can be told apart: address, then (function, file:line) pairs, innermost first.
		std::vector<std::string> lines;
		std::istringstream in(out);
		std::string line;
		while (std::getline(in, line))
			lines.push_back(line);
		size_t index = 0;
		for (size_t i = 0; i < lines.size();) {
			if (lines[i].rfind("0x", 0) != 0) {
				i++;
				continue;
			}
			Request *r = index < entry.second.size() ? entry.second[index] : nullptr;
			index++;
			i++;
			if (i + 2 > lines.size())
				break;
			std::string function = lines[i];
			std::string location = lines[i + 1];
			i += 2;
			// The outer frames of an inline chain; a function name never starts with "0x".
			while (i < lines.size() && lines[i].rfind("0x", 0) != 0)
				i += 2;
			if (!r)
				continue;
			// "file:line (discriminator N)"; "??:0" and "??:?" mean unknown.
			size_t paren = location.find(" (");
			if (paren != std::string::npos)
				location.erase(paren);
			size_t colon = location.rfind(':');
			if (colon == std::string::npos)
				continue;
			std::string file = location.substr(0, colon);
			unsigned long line_number = std::strtoul(location.c_str() + colon + 1, nullptr, 10);
			if (file == "??" || line_number == 0)
				continue;
			SourceLocation src;
			src.m_file = file;
			src.m_line = line_number;
			src.m_function = function == "??" ? "" : function;
			r->m_frame->m_source = src;
		}
	}
}

void Symbolizer::symbolize(std::vector<ReportGroup> &groups)
{
	std::map<Module *, std::vector<Request>> requests;
	for (ReportGroup &g : groups) {
		Report &r = g.m_first;
		// The site is the faulting instruction itself; so is the call trace frame that repeats
		// it. Every other frame is a return address.
		add_request(r.m_site_frame, false, requests);
		for (Frame &f : r.m_call_trace)
			add_request(f, f.m_text != r.m_site_frame.m_text, requests);
		for (Frame &f : r.m_allocated_by)
			add_request(f, true, requests);
		for (Frame &f : r.m_freed_by)
			add_request(f, true, requests);
	}
	for (auto &entry : requests)
		resolve(*entry.first, entry.second);
}

} // namespace kmt_report
