// kmemtrap-profile: per-operation guest instruction and block counts of kmt_bench measurements,
// from the counts of the kmt-tbcount.so QEMU plugin and the serial log of the same boot
// (tools/kmt-profile runs both). Deterministic and machine-independent, unlike times.
//
// Usage: kmemtrap-profile LOG COUNTS [TOP]
//   LOG     the serial log: KMT-PROFILE-CASE lines (one per measurement, in the order they ran:
//           "KMT-PROFILE-CASE: <name> ops=<n>") and the kernel's text symbols between
//           KMT-PROFILE-KALLSYMS-BEGIN and KMT-PROFILE-KALLSYMS-END (/proc/kallsyms lines).
//   COUNTS  the plugin's file: measurement k is its section "mark 2k+1".
//   TOP     functions listed per measurement (default 12).
// Prints, per measurement:
//   KMT-PROFILE: <name> instructions=<per op> blocks=<per op> ops=<n>
//   KMT-PROFILE-TOP: <name> <function> instructions=<per op> blocks=<per op>
// and, when they were measured, the ratios of a tracked access to the bare exceptions:
//   KMT-PROFILE-RATIO: <case>/(pf_fixup+db_step) instructions=<r> blocks=<r>
// Exit status 1 on unreadable or inconsistent input (a measurement without its counts).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Symbol {
	uint64_t addr;
	std::string name;
};

struct Case {
	std::string name;
	uint64_t ops = 0;
	double insns = 0, blocks = 0;
};

[[noreturn]] void die(const std::string &why)
{
	std::fprintf(stderr, "kmemtrap-profile: %s\n", why.c_str());
	std::exit(1);
}

bool parse_hex(const std::string &s, uint64_t *v)
{
	if (s.empty() || s.size() > 16)
		return false;
	char *end = nullptr;
	*v = std::strtoull(s.c_str(), &end, 16);
	return end && *end == 0;
}

std::string strip_cr(std::string line)
{
	while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
		line.pop_back();
	return line;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4)
		die("usage: kmemtrap-profile LOG COUNTS [TOP]");
	const unsigned top = argc == 4 ? static_cast<unsigned>(std::atoi(argv[3])) : 12;

	std::ifstream log(argv[1]);
	if (!log)
		die(std::string("cannot read ") + argv[1]);
	std::vector<Case> cases;
	std::vector<Symbol> syms;
	bool in_syms = false;
	for (std::string line; std::getline(log, line);) {
		line = strip_cr(line);
		if (line.find("KMT-PROFILE-KALLSYMS-BEGIN") != std::string::npos) {
			in_syms = true;
			continue;
		}
		if (line.find("KMT-PROFILE-KALLSYMS-END") != std::string::npos) {
			in_syms = false;
			continue;
		}
		const size_t at = line.find("KMT-PROFILE-CASE: ");
		if (at != std::string::npos) {
			std::istringstream in(line.substr(at + 18));
			Case c;
			std::string ops;
			in >> c.name >> ops;
			if (c.name.empty() || ops.rfind("ops=", 0) != 0 || (c.ops = std::strtoull(ops.c_str() + 4, nullptr, 10)) == 0)
				die("bad line: " + line);
			cases.push_back(c);
			continue;
		}
		if (!in_syms)
			continue;
		std::istringstream in(line);
		std::string addr, type, name, module;
		uint64_t a;
		if (!(in >> addr >> type >> name) || !parse_hex(addr, &a) || a == 0)
			continue;
		if (in >> module)
			name += " " + module;
		syms.push_back({a, name});
	}
	if (cases.empty())
		die("no KMT-PROFILE-CASE line in the log");
	if (syms.empty())
		die("no kernel symbols in the log");
	std::stable_sort(syms.begin(), syms.end(), [](const Symbol &x, const Symbol &y) { return x.addr < y.addr; });

	std::ifstream counts(argv[2]);
	if (!counts)
		die(std::string("cannot read ") + argv[2]);
	// Per measurement: function -> (instructions, blocks).
	std::vector<std::map<std::string, std::pair<double, double>>> per(cases.size());
	long mark = -1;
	for (std::string line; std::getline(counts, line);) {
		if (line.rfind("mark ", 0) == 0) {
			mark = std::atol(line.c_str() + 5);
			continue;
		}
		if (mark < 0 || mark % 2 == 0 || static_cast<size_t>(mark / 2) >= cases.size())
			continue;
		std::istringstream in(line);
		std::string addr;
		uint64_t a, insns, runs;
		if (!(in >> addr >> insns >> runs) || !parse_hex(addr, &a))
			die("bad counts line: " + line);
		auto it = std::upper_bound(syms.begin(), syms.end(), a, [](uint64_t v, const Symbol &s) { return v < s.addr; });
		const std::string fn = it == syms.begin() ? "?" : std::prev(it)->name;
		auto &slot = per[mark / 2][fn];
		slot.first += static_cast<double>(insns * runs);
		slot.second += static_cast<double>(runs);
	}
	if (mark < static_cast<long>(2 * cases.size() - 1))
		die("the counts end before the last measurement (mark " + std::to_string(mark) + ")");

	std::map<std::string, const Case *> by_name;
	for (size_t i = 0; i < cases.size(); i++) {
		Case &c = cases[i];
		std::vector<std::pair<std::string, std::pair<double, double>>> fns(per[i].begin(), per[i].end());
		for (const auto &f : fns) {
			c.insns += f.second.first;
			c.blocks += f.second.second;
		}
		const double ops = static_cast<double>(c.ops);
		c.insns /= ops;
		c.blocks /= ops;
		std::printf("KMT-PROFILE: %s instructions=%.1f blocks=%.1f ops=%llu\n", c.name.c_str(), c.insns, c.blocks,
			    static_cast<unsigned long long>(c.ops));
		std::sort(fns.begin(), fns.end(), [](const auto &x, const auto &y) { return x.second.first > y.second.first; });
		for (size_t j = 0; j < fns.size() && j < top; j++)
			std::printf("KMT-PROFILE-TOP: %s %s instructions=%.1f blocks=%.1f\n", c.name.c_str(), fns[j].first.c_str(),
				    fns[j].second.first / ops, fns[j].second.second / ops);
		by_name[c.name] = &c;
	}
	if (by_name.count("pf_fixup") && by_name.count("db_step")) {
		const Case &pf = *by_name["pf_fixup"], &db = *by_name["db_step"];
		for (const char *name : {"tracked_load", "tracked_store", "neighbour_load"}) {
			if (!by_name.count(name))
				continue;
			const Case &c = *by_name[name];
			std::printf("KMT-PROFILE-RATIO: %s/(pf_fixup+db_step) instructions=%.3f blocks=%.3f\n", name,
				    c.insns / (pf.insns + db.insns), c.blocks / (pf.blocks + db.blocks));
		}
	}
	return 0;
}
