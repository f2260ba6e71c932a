// End-to-end tests of the kmemtrap-report binary: golden outputs on a real log, exit statuses,
// and symbolization with an object compiled at build time (see CMakeLists.txt).
//
// data/sample.log is three QEMU serial logs of the VM tests (build/vm-logs) put together:
// alloc_track-max (complete, with allocation and free stacks, an infoleak and the unload line;
// one unrelated "random: crng init done" line was inserted inside a call trace), then the start of
// alloc_track-qemu64 cut inside its infoleak report (so the next "Linux version" line truncates it),
// then the start of selftest-max cut inside its cmpxchg report (truncated by the end of the log).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct RunResult {
	int m_status = -1;
	std::string m_out;
	std::string m_err;
};

std::string read_file(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

void write_file(const std::string &path, const std::string &text)
{
	std::ofstream out(path, std::ios::binary);
	out << text;
}

std::string shell_quote(const std::string &s)
{
	std::string out = "'";
	for (char c : s)
		out += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return out + "'";
}

// Runs the tool through the shell, which gives the redirections (stdin from a file) for free.
RunResult run_tool(const std::string &args, const std::string &stdin_file = "")
{
	// CTest runs each test as its own process, several at once: the pid keeps their files apart.
	static int counter = 0;
	std::string base = ::testing::TempDir() + "kmt_report_cli_" + std::to_string(getpid()) + "_" +
			   std::to_string(counter++);
	std::string cmd = shell_quote(KMT_REPORT_BIN) + " " + args + " >" + shell_quote(base + ".out") + " 2>" +
			  shell_quote(base + ".err");
	if (!stdin_file.empty())
		cmd += " <" + shell_quote(stdin_file);
	int raw = std::system(cmd.c_str());
	RunResult r;
	r.m_status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
	r.m_out = read_file(base + ".out");
	r.m_err = read_file(base + ".err");
	return r;
}

std::string data(const std::string &name)
{
	return std::string(KMT_REPORT_DATA_DIR) + "/" + name;
}

// The 1-based line of the first line of tiny.c containing needle.
unsigned line_of(const std::string &needle)
{
	std::istringstream in(read_file(KMT_TINY_SOURCE));
	std::string line;
	for (unsigned n = 1; std::getline(in, line); n++)
		if (line.find(needle) != std::string::npos)
			return n;
	return 0;
}

TEST(ReportCli, GoldenTable)
{
	RunResult r = run_tool(shell_quote(data("sample.log")));
	EXPECT_EQ(r.m_status, 0);
	EXPECT_EQ(r.m_err, "");
	EXPECT_EQ(r.m_out, read_file(data("sample.expected.txt")));
}

TEST(ReportCli, GoldenJson)
{
	RunResult r = run_tool("--json " + shell_quote(data("sample.log")));
	EXPECT_EQ(r.m_status, 0);
	EXPECT_EQ(r.m_err, "");
	EXPECT_EQ(r.m_out, read_file(data("sample.expected.json")));
}

TEST(ReportCli, ReadsStandardInput)
{
	RunResult dash = run_tool("-", data("sample.log"));
	RunResult none = run_tool("", data("sample.log"));
	EXPECT_EQ(dash.m_status, 0);
	EXPECT_EQ(none.m_status, 0);
	EXPECT_EQ(dash.m_out, read_file(data("sample.expected.txt")));
	EXPECT_EQ(none.m_out, dash.m_out);
}

TEST(ReportCli, FailOnReports)
{
	EXPECT_EQ(run_tool("--fail-on-reports " + shell_quote(data("sample.log"))).m_status, 1);
	EXPECT_EQ(run_tool("--json --fail-on-reports " + shell_quote(data("sample.log"))).m_status, 1);
	std::string clean = ::testing::TempDir() + "kmt_report_clean_" + std::to_string(getpid()) + ".log";
	write_file(clean, "[    0.000000] Linux version 6.1.0\r\n[    3.1] kmemtrap: unloaded: 1 faults handled, 0 hidden\r\n");
	RunResult r = run_tool("--fail-on-reports " + shell_quote(clean));
	EXPECT_EQ(r.m_status, 0);
	EXPECT_EQ(r.m_out.rfind("No kmemtrap reports found.\n", 0), 0u) << r.m_out;
	EXPECT_NE(r.m_out.find("  faults handled: 1\n"), std::string::npos) << r.m_out;
}

struct UsageCase {
	const char *m_name;
	std::string m_args;
	int m_status;
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const UsageCase &c, std::ostream *os)
{
	*os << c.m_name;
}

class UsageTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(UsageTest, ExitStatus)
{
	RunResult r = run_tool(GetParam().m_args);
	EXPECT_EQ(r.m_status, GetParam().m_status) << r.m_err;
	if (GetParam().m_status == 2) {
		EXPECT_NE(r.m_err.find("kmemtrap-report: "), std::string::npos);
		EXPECT_EQ(r.m_out, "");
	}
}

const UsageCase kUsageCases[] = {
	{ "help", "--help", 0 },
	{ "unknown_option", "--frobnicate", 2 },
	{ "missing_file", "/nonexistent/kmemtrap.log", 2 },
	{ "directory", shell_quote(KMT_REPORT_DATA_DIR), 2 },
	{ "two_logs", shell_quote(data("sample.log")) + " " + shell_quote(data("sample.log")), 2 },
	{ "module_without_path", "--module tiny " + shell_quote(data("sample.log")), 2 },
	{ "module_missing_argument", "--module", 2 },
	{ "module_unreadable", "--module tiny=/nonexistent.ko " + shell_quote(data("sample.log")), 2 },
	{ "double_dash", "-- " + shell_quote(data("sample.log")), 0 },
};

INSTANTIATE_TEST_SUITE_P(ReportCli, UsageTest, ::testing::ValuesIn(kUsageCases),
			 [](const ::testing::TestParamInfo<UsageCase> &info) { return info.param.m_name; });

// A log whose frames are in the "tiny" module, i.e. tiny.c compiled to an object. The sizes are
// what kallsyms would print (rounded up to the 16-byte alignment), not nm's.
std::string tiny_log()
{
	// Per process: CTest runs these tests at once, and a file being rewritten reads empty.
	std::string path = ::testing::TempDir() + "kmt_report_tiny_" + std::to_string(getpid()) + ".log";
	write_file(path,
		   "[    1.000000] BUG: kmemtrap: uninit-read in tiny_first+0x0/0x10 [tiny]\r\n"
		   "[    1.000001] Read of size 4 at addr ffff888000001000 by task sh/1 on CPU 0\r\n"
		   "[    1.000002] Call Trace:\r\n"
		   "[    1.000003]  tiny_first+0x0/0x10 [tiny]\r\n"
		   "[    1.000004]  tiny_other+0x0/0x20 [tiny]\r\n"
		   "[    1.000005]  tiny_second+0x0/0x20 [tiny]\r\n"
		   "[    1.000006]  do_syscall_64+0x5d/0xb0\r\n"
		   "[    1.000007] kmemtrap: end of report\r\n"
		   "[    2.000000] BUG: kmemtrap: freed-read in tiny_second+0x0/0x20 [tiny]\r\n"
		   "[    2.000001] kmemtrap: end of report\r\n"
		   "[    3.000000] BUG: kmemtrap: freed-read in tiny_other+0x0/0x20 [tiny]\r\n"
		   "[    3.000001] kmemtrap: end of report\r\n");
	return path;
}

TEST(ReportCliSymbolize, TableShowsFileAndLine)
{
	RunResult r = run_tool("--module tiny=" + shell_quote(KMT_TINY_OBJECT) + " " + shell_quote(tiny_log()));
	EXPECT_EQ(r.m_status, 0);
	EXPECT_EQ(r.m_err, "");
	std::string first = "tiny.c:" + std::to_string(line_of("int tiny_first("));
	std::string second = "tiny.c:" + std::to_string(line_of("int tiny_second("));
	std::string other = "tiny.c:" + std::to_string(line_of("int tiny_other("));
	ASSERT_NE(line_of("int tiny_first("), 0u);
	EXPECT_NE(r.m_out.find("SOURCE"), std::string::npos) << r.m_out;
	std::istringstream lines(r.m_out);
	std::string line;
	int rows = 0;
	while (std::getline(lines, line)) {
		if (line.find("tiny_first+0x0/0x10") != std::string::npos) {
			EXPECT_NE(line.find(first), std::string::npos) << line;
			rows++;
		} else if (line.find("tiny_second+0x0/0x20") != std::string::npos) {
			EXPECT_NE(line.find(second), std::string::npos) << line;
			rows++;
		} else if (line.find("tiny_other+0x0/0x20") != std::string::npos) {
			EXPECT_NE(line.find(other), std::string::npos) << line;
			rows++;
		}
	}
	EXPECT_EQ(rows, 3) << r.m_out;
}

TEST(ReportCliSymbolize, JsonHasSourceForSiteAndFrames)
{
	RunResult r = run_tool("--json --module tiny=" + shell_quote(KMT_TINY_OBJECT) + " " + shell_quote(tiny_log()));
	EXPECT_EQ(r.m_status, 0);
	std::string first = "tiny.c\",\n        \"line\": " + std::to_string(line_of("int tiny_first(")) +
			    ",\n        \"function\": \"tiny_first\"";
	EXPECT_NE(r.m_out.find(first), std::string::npos) << r.m_out;
	// Frames of the call trace, each with its own file:line; the built-in one has none.
	std::string other_frame = "\"frame\": \"tiny_other+0x0/0x20 [tiny]\"";
	size_t at = r.m_out.find(other_frame);
	ASSERT_NE(at, std::string::npos);
	std::string expected = "\"line\": " + std::to_string(line_of("int tiny_other(")) + ",";
	EXPECT_NE(r.m_out.find(expected, at), std::string::npos);
	size_t builtin = r.m_out.find("\"frame\": \"do_syscall_64+0x5d/0xb0\"");
	ASSERT_NE(builtin, std::string::npos);
	EXPECT_EQ(r.m_out.substr(builtin, r.m_out.find('}', builtin) - builtin).find("source"), std::string::npos);
}

TEST(ReportCliSymbolize, ModuleNamesMatchWithDashes)
{
	RunResult r = run_tool("--module=tiny=" + shell_quote(KMT_TINY_OBJECT) + " " + shell_quote(tiny_log()));
	EXPECT_NE(r.m_out.find("tiny.c:"), std::string::npos) << r.m_out;
}

TEST(ReportCliSymbolize, NoDebugInfoIsSaidOnceAndTheRestGoesOn)
{
	RunResult r = run_tool("--module tiny=" + shell_quote(KMT_TINY_NODEBUG_OBJECT) + " " + shell_quote(tiny_log()));
	EXPECT_EQ(r.m_status, 0);
	size_t first = r.m_err.find("has no debug info");
	ASSERT_NE(first, std::string::npos) << r.m_err;
	EXPECT_EQ(r.m_err.find("has no debug info", first + 1), std::string::npos) << r.m_err;
	EXPECT_EQ(r.m_out.find("tiny.c:"), std::string::npos);
	EXPECT_NE(r.m_out.find("tiny_first+0x0/0x10"), std::string::npos);
}

TEST(ReportCliSymbolize, OtherModulesAreLeftAlone)
{
	RunResult r = run_tool("--module other=" + shell_quote(KMT_TINY_OBJECT) + " " + shell_quote(tiny_log()));
	EXPECT_EQ(r.m_status, 0);
	EXPECT_EQ(r.m_out.find("tiny.c:"), std::string::npos);
}

} // namespace
