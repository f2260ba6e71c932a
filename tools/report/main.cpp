// kmemtrap-report: summarizes kmemtrap's reports in a QEMU serial log or dmesg output.
// See docs/report-tool.md.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "report_output.h"
#include "report_parse.h"
#include "symbolize.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitReports = 1;
constexpr int kExitUsage = 2;

void print_usage(std::ostream &out)
{
	out << "usage: kmemtrap-report [--json] [--module NAME=PATH.ko]... [--fail-on-reports] [LOG|-]\n"
	       "\n"
	       "Reads a QEMU serial log or dmesg output (a file, or standard input when LOG is\n"
	       "absent or '-'), finds kmemtrap's reports and prints them grouped by (kind, site).\n"
	       "\n"
	       "  --json               print JSON instead of the summary table\n"
	       "  --module NAME=PATH   symbolize frames of module NAME to file:line with PATH's\n"
	       "                       debug info (nm and addr2line); repeatable\n"
	       "  --fail-on-reports    exit with status 1 if any report was found\n"
	       "  -h, --help           show this help\n"
	       "\n"
	       "Exit status: 0 when the log was read, 1 with --fail-on-reports and reports found,\n"
	       "2 on a usage error or unreadable input.\n";
}

int usage_error(const std::string &message)
{
	std::cerr << "kmemtrap-report: " << message << "\n";
	std::cerr << "Try 'kmemtrap-report --help'.\n";
	return kExitUsage;
}

bool readable_regular_or_stream(const std::string &path, std::string &why)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0) {
		why = "cannot read " + path;
		return false;
	}
	// An ifstream opens a directory without complaint and then reads nothing.
	if (S_ISDIR(st.st_mode)) {
		why = path + " is a directory";
		return false;
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	bool json = false;
	bool fail_on_reports = false;
	std::vector<kmt_report::ModuleFile> modules;
	std::string input;
	bool have_input = false;
	bool options_done = false;

	for (int i = 1; i < argc; i++) {
		std::string arg = argv[i];
		if (!options_done && (arg == "-h" || arg == "--help")) {
			print_usage(std::cout);
			return kExitOk;
		} else if (!options_done && arg == "--json") {
			json = true;
		} else if (!options_done && arg == "--fail-on-reports") {
			fail_on_reports = true;
		} else if (!options_done && (arg == "--module" || arg.rfind("--module=", 0) == 0)) {
			std::string value;
			if (arg == "--module") {
				if (i + 1 >= argc)
					return usage_error("--module needs NAME=PATH");
				value = argv[++i];
			} else {
				value = arg.substr(std::string("--module=").size());
			}
			kmt_report::ModuleFile m;
			if (!kmt_report::parse_module_argument(value, m))
				return usage_error("--module needs NAME=PATH, got '" + value + "'");
			std::ifstream probe(m.m_path, std::ios::binary);
			if (!probe)
				return usage_error("cannot read module file " + m.m_path);
			modules.push_back(m);
		} else if (!options_done && arg == "--") {
			options_done = true;
		} else if (!options_done && arg.size() > 1 && arg[0] == '-') {
			return usage_error("unknown option " + arg);
		} else {
			if (have_input)
				return usage_error("only one log can be read at a time");
			input = arg;
			have_input = true;
		}
	}

	kmt_report::LogParser parser;
	if (!have_input || input == "-") {
		parser = kmt_report::parse_log(std::cin);
		if (std::cin.bad()) {
			std::cerr << "kmemtrap-report: error reading standard input\n";
			return kExitUsage;
		}
	} else {
		std::string why;
		if (!readable_regular_or_stream(input, why)) {
			std::cerr << "kmemtrap-report: " << why << "\n";
			return kExitUsage;
		}
		std::ifstream in(input, std::ios::binary);
		if (!in) {
			std::cerr << "kmemtrap-report: cannot read " << input << "\n";
			return kExitUsage;
		}
		parser = kmt_report::parse_log(in);
		if (in.bad()) {
			std::cerr << "kmemtrap-report: error reading " << input << "\n";
			return kExitUsage;
		}
	}

	kmt_report::Summary summary;
	summary.m_groups = kmt_report::group_reports(parser.reports());
	summary.m_counters = parser.counters();
	if (!modules.empty()) {
		summary.m_symbolized = true;
		kmt_report::Symbolizer symbolizer(modules, std::cerr);
		symbolizer.symbolize(summary.m_groups);
	}

	std::cout << (json ? kmt_report::render_json(summary) : kmt_report::render_table(summary));
	std::cout.flush();
	if (!std::cout) {
		std::cerr << "kmemtrap-report: error writing the output\n";
		return kExitUsage;
	}
	if (fail_on_reports && !summary.m_groups.empty())
		return kExitReports;
	return kExitOk;
}
