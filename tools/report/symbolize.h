// Turning "func+0xOFF/0xSIZE [module]" frames into file:line with the module's own debug info,
// by running binutils' nm (for func's address) and addr2line (for the line) on the .ko.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "report_parse.h"

namespace kmt_report {

struct ModuleFile {
	std::string m_name; // the module name as the kernel prints it in "[name]"
	std::string m_path; // its .ko (or any ELF object with the same code)
};

// Parses "NAME=PATH" as given to --module; false if either part is empty.
bool parse_module_argument(const std::string &arg, ModuleFile &out);

// Runs argv (no shell) and returns its standard output; exit_status gets the exit code, or -1
// when the program could not be run.
std::string run_program(const std::vector<std::string> &argv, int &exit_status);

class Symbolizer {
public:
	// Diagnostics (missing debug info, tools failing) go to diag, each at most once per module.
	Symbolizer(std::vector<ModuleFile> modules, std::ostream &diag);

	// Fills m_source of every frame of a known module: the sites, the call traces and the
	// allocation and free stacks.
	void symbolize(std::vector<ReportGroup> &groups);

private:
	struct Symbol {
		std::string m_section;
		unsigned long long m_value = 0;
		unsigned long long m_size = 0;
	};

	struct Module {
		ModuleFile m_file;
		bool m_loaded = false; // load() ran
		bool m_usable = false; // nm worked and the file has debug info
		bool m_relocatable = false;
		bool m_size_warned = false;
		std::multimap<std::string, Symbol> m_symbols; // functions by name
	};

	// A frame to symbolize, at a section-relative (relocatable) or absolute address.
	struct Request {
		Frame *m_frame = nullptr;
		std::string m_section;
		unsigned long long m_address = 0;
	};

	Module *find_module(const std::string &name);
	void load(Module &m);
	void add_request(Frame &frame, bool return_address, std::map<Module *, std::vector<Request>> &requests);
	void resolve(Module &m, std::vector<Request> &requests);

	std::vector<Module> m_modules;
	std::ostream &m_diag;
};

} // namespace kmt_report
