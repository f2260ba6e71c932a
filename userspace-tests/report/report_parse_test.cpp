// Unit tests of kmemtrap-report's parser, grouping and output formats (tools/report). The logs
// are built from the exact lines module/report.c prints, in every shape a kernel log gives them.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "json_writer.h"
#include "report_output.h"
#include "report_parse.h"

using namespace kmt_report;

namespace {

LogParser parse_text(const std::string &text)
{
	std::istringstream in(text);
	return parse_log(in);
}

std::string join(const std::vector<std::string> &lines, const std::string &prefix = "",
		 const std::string &suffix = "\n")
{
	std::string out;
	for (const std::string &l : lines)
		out += prefix + l + suffix;
	return out;
}

// One complete uninit-read report as the module prints it, without any log prefix.
const std::vector<std::string> kUninitReport = {
	"BUG: kmemtrap: uninit-read in kmt_st_uninit_read+0x5/0x20 [kmemtrap_selftest]",
	"Read of size 8 at addr ff414252c2676080 by task sh/87 on CPU 0",
	"First bad byte at ff414252c2676080 (+0), state uninitialized",
	"Shadow at ff414252c2676080 (i=initialized u=uninitialized f=freed a=unallocated .=untracked):",
	" uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu",
	" ^",
	"Call Trace:",
	" kmt_st_uninit_read+0x5/0x20 [kmemtrap_selftest]",
	" st_uninit_read+0x24/0x70 [kmemtrap_selftest]",
	" full_proxy_write+0x53/0x80",
	" entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
	"kmemtrap: end of report",
};

// ---- Every kind ------------------------------------------------------------------------------

struct KindCase {
	const char *m_name;
	std::vector<std::string> m_lines;
	std::string m_kind;
	std::string m_site;
	std::string m_function;
	uint64_t m_offset;
	uint64_t m_size;
	std::string m_module;
	std::string m_task;
	long long m_pid;
	unsigned long m_cpu;
	unsigned long m_access_size;
	std::string m_addr;
	std::string m_bad_addr;
	unsigned long long m_bad_offset;
	std::string m_bad_state;
	std::string m_user_addr; // empty: none
	long m_caret;
};

const KindCase kKindCases[] = {
	{ "uninit_read", kUninitReport, "uninit-read", "kmt_st_uninit_read+0x5/0x20 [kmemtrap_selftest]",
	  "kmt_st_uninit_read", 5, 0x20, "kmemtrap_selftest", "sh", 87, 0, 8, "ff414252c2676080",
	  "ff414252c2676080", 0, "uninitialized", "", 0 },
	{ "freed_read",
	  { "BUG: kmemtrap: freed-read in kmt_st_freed_read.isra.0+0x5/0x10 [kmemtrap_selftest]",
	    "Read of size 4 at addr ff1ee5aedfee4300 by task sh/91 on CPU 1",
	    "First bad byte at ff1ee5aedfee4300 (+0), state freed",
	    "Shadow at ff1ee5aedfee4300 (i=initialized u=uninitialized f=freed a=unallocated .=untracked):",
	    " ffffffffffffffffffffffffffffffff", " ^", "Call Trace:",
	    " kmt_st_freed_read.isra.0+0x5/0x10 [kmemtrap_selftest]", "kmemtrap: end of report" },
	  "freed-read", "kmt_st_freed_read.isra.0+0x5/0x10 [kmemtrap_selftest]", "kmt_st_freed_read.isra.0", 5,
	  0x10, "kmemtrap_selftest", "sh", 91, 1, 4, "ff1ee5aedfee4300", "ff1ee5aedfee4300", 0, "freed", "", 0 },
	{ "unallocated_read",
	  { "BUG: kmemtrap: unallocated-read in kmt_bugs_slack_read+0x5/0x10 [kmt_bugs]",
	    "Read of size 8 at addr ff15836a9ff29c3c by task insmod/120 on CPU 3",
	    "First bad byte at ff15836a9ff29c40 (+4), state unallocated",
	    "Shadow at ff15836a9ff29c30 (i=initialized u=uninitialized f=freed a=unallocated .=untracked):",
	    " iiiiiiiiiiiiiiiiaaaaaaaaaaaaaaaa", "                 ^", "Call Trace:",
	    " kmt_bugs_slack_read+0x5/0x10 [kmt_bugs]", "kmemtrap: end of report" },
	  "unallocated-read", "kmt_bugs_slack_read+0x5/0x10 [kmt_bugs]", "kmt_bugs_slack_read", 5, 0x10,
	  "kmt_bugs", "insmod", 120, 3, 8, "ff15836a9ff29c3c", "ff15836a9ff29c40", 4, "unallocated", "", 16 },
	{ "infoleak_builtin",
	  { "BUG: kmemtrap: infoleak in copy_user_enhanced_fast_string+0xa/0x50",
	    "Copy of size 8 from addr ff15836a83117090 to user addr 00007ffd1234abcd by task sh/91 on CPU 0",
	    "First bad byte at ff15836a83117091 (+1), state uninitialized",
	    "Shadow at ff15836a83117080 (i=initialized u=uninitialized f=freed a=unallocated .=untracked):",
	    " iiiiiiiiiiiiiiiiiuuuuuuuiiiiiiii", "                  ^", "Call Trace:",
	    " copy_user_enhanced_fast_string+0xa/0x50", " _copy_to_user+0x21/0x30", "kmemtrap: end of report" },
	  "infoleak", "copy_user_enhanced_fast_string+0xa/0x50", "copy_user_enhanced_fast_string", 0xa, 0x50, "",
	  "sh", 91, 0, 8, "ff15836a83117090", "ff15836a83117091", 1, "uninitialized", "00007ffd1234abcd", 17 },
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const KindCase &c, std::ostream *os)
{
	*os << c.m_name;
}

class KindTest : public ::testing::TestWithParam<KindCase> {};

TEST_P(KindTest, ParsesEveryField)
{
	const KindCase &c = GetParam();
	LogParser p = parse_text(join(c.m_lines));
	ASSERT_EQ(p.reports().size(), 1u);
	const Report &r = p.reports()[0];
	EXPECT_EQ(r.m_kind, c.m_kind);
	EXPECT_EQ(r.m_site, c.m_site);
	EXPECT_EQ(r.m_site_frame.m_function, c.m_function);
	EXPECT_EQ(r.m_site_frame.m_offset, c.m_offset);
	EXPECT_EQ(r.m_site_frame.m_size, c.m_size);
	EXPECT_EQ(r.m_site_frame.m_module, c.m_module);
	EXPECT_EQ(r.m_task.value_or("?"), c.m_task);
	EXPECT_EQ(r.m_pid.value_or(-1), c.m_pid);
	EXPECT_EQ(r.m_cpu.value_or(999), c.m_cpu);
	EXPECT_EQ(r.m_access_size.value_or(0), c.m_access_size);
	EXPECT_EQ(r.m_addr.value_or("?"), c.m_addr);
	EXPECT_EQ(r.m_bad_addr.value_or("?"), c.m_bad_addr);
	EXPECT_EQ(r.m_bad_offset.value_or(999), c.m_bad_offset);
	EXPECT_EQ(r.m_bad_state.value_or("?"), c.m_bad_state);
	EXPECT_EQ(r.m_user_addr.value_or(""), c.m_user_addr);
	EXPECT_EQ(r.m_shadow_caret.value_or(-1), c.m_caret);
	EXPECT_EQ(r.m_shadow.value_or("").size(), 32u);
	EXPECT_FALSE(r.m_truncated);
	EXPECT_FALSE(r.m_call_trace.empty());
	EXPECT_EQ(r.m_call_trace[0].m_text, c.m_site);
}

INSTANTIATE_TEST_SUITE_P(Kinds, KindTest, ::testing::ValuesIn(kKindCases),
			 [](const ::testing::TestParamInfo<KindCase> &info) { return info.param.m_name; });

// ---- Log line shapes -------------------------------------------------------------------------

struct PrefixCase {
	const char *m_name;
	std::string m_prefix; // before each line; "%" is replaced by the line's index
	std::string m_suffix;
};

const PrefixCase kPrefixCases[] = {
	{ "no_timestamp", "", "\n" },
	{ "timestamp", "[    3.031055] ", "\n" },
	{ "timestamp_cr", "[    3.031055] ", "\r\n" },
	{ "no_timestamp_cr", "", "\r\n" },
	{ "big_timestamp", "[12345.678901] ", "\n" },
	{ "caller_id", "[    3.031055][   T87] ", "\n" },
	{ "level", "<3>", "\n" },
	{ "level_timestamp", "<3>[    3.031055] ", "\r\n" },
	{ "syslog", "Nov 23 10:16:02 guest kernel: ", "\n" },
	{ "syslog_timestamp", "Nov  3 10:16:02 guest kernel: [    3.031055] ", "\n" },
	{ "no_final_newline", "[    3.031055] ", "" },
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const PrefixCase &c, std::ostream *os)
{
	*os << c.m_name;
}

class PrefixTest : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(PrefixTest, SameReportWhateverTheLinePrefix)
{
	const PrefixCase &c = GetParam();
	std::string text;
	for (size_t i = 0; i < kUninitReport.size(); i++)
		text += c.m_prefix + kUninitReport[i] + (c.m_suffix.empty() && i + 1 < kUninitReport.size() ? "\n" : c.m_suffix);
	LogParser p = parse_text(text);
	ASSERT_EQ(p.reports().size(), 1u);
	const Report &r = p.reports()[0];
	EXPECT_EQ(r.m_site, "kmt_st_uninit_read+0x5/0x20 [kmemtrap_selftest]");
	EXPECT_EQ(r.m_task.value_or(""), "sh");
	EXPECT_EQ(r.m_cpu.value_or(9), 0u);
	EXPECT_EQ(r.m_bad_state.value_or(""), "uninitialized");
	EXPECT_EQ(r.m_shadow.value_or(""), "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu");
	EXPECT_EQ(r.m_shadow_caret.value_or(-1), 0);
	ASSERT_EQ(r.m_call_trace.size(), 4u);
	EXPECT_EQ(r.m_call_trace[3].m_text, "entry_SYSCALL_64_after_hwframe+0x6e/0xd8");
	EXPECT_EQ(r.m_call_trace[3].m_module, "");
	EXPECT_FALSE(r.m_truncated);
}

INSTANTIATE_TEST_SUITE_P(Prefixes, PrefixTest, ::testing::ValuesIn(kPrefixCases),
			 [](const ::testing::TestParamInfo<PrefixCase> &info) { return info.param.m_name; });

TEST(ReportStripPrefix, KeepsTheFramesIndentation)
{
	EXPECT_EQ(strip_log_prefix("[    3.033601]  kmt_st+0x5/0x20\r"), " kmt_st+0x5/0x20");
	EXPECT_EQ(strip_log_prefix(" kmt_st+0x5/0x20"), " kmt_st+0x5/0x20");
	// Brackets that are no printk prefix stay.
	EXPECT_EQ(strip_log_prefix("[OK] started"), "[OK] started");
	EXPECT_EQ(strip_log_prefix("<html>"), "<html>");
}

// ---- Interleaving, unknown lines, truncation ------------------------------------------------

TEST(ReportInterleaving, UnrelatedLinesAnywhereAreIgnored)
{
	std::vector<std::string> lines;
	lines.push_back("KMT-CASE: clean ok");
	for (const std::string &l : kUninitReport) {
		lines.push_back(l);
		lines.push_back("random: crng init done");
	}
	// Indented junk inside the call trace is no frame either.
	lines.insert(lines.begin() + 16, "   some indented console output");
	lines.push_back("[    3.1] kmt_bugs: done");
	LogParser p = parse_text(join(lines, "[    3.031055] ", "\r\n"));
	ASSERT_EQ(p.reports().size(), 1u);
	const Report &r = p.reports()[0];
	EXPECT_FALSE(r.m_truncated);
	EXPECT_EQ(r.m_shadow_caret.value_or(-1), 0);
	EXPECT_EQ(r.m_call_trace.size(), 4u);
	EXPECT_EQ(r.m_line, 2u);
}

TEST(ReportInterleaving, UnknownLinesInsideAReportAreIgnored)
{
	std::vector<std::string> lines = kUninitReport;
	lines.insert(lines.end() - 1, "Some future line: 42");
	lines.insert(lines.end() - 1, "The buggy address is 16 bytes inside a 64-byte object [a, b) of 64 allocated bytes (cache kmalloc-64)");
	lines.insert(lines.begin() + 3, "Another new header line");
	LogParser p = parse_text(join(lines));
	ASSERT_EQ(p.reports().size(), 1u);
	const Report &r = p.reports()[0];
	EXPECT_EQ(r.m_call_trace.size(), 4u);
	EXPECT_EQ(r.m_object.value_or(""),
		  "The buggy address is 16 bytes inside a 64-byte object [a, b) of 64 allocated bytes (cache kmalloc-64)");
	EXPECT_FALSE(r.m_truncated);
}

struct TruncationCase {
	const char *m_name;
	size_t m_keep;             // lines of kUninitReport kept
	std::string m_after;       // what follows the cut
	size_t m_reports;          // reports found in all
	size_t m_frames;           // frames of the first report
};

const TruncationCase kTruncationCases[] = {
	{ "end_of_log_in_header", 2, "", 1, 0 },
	{ "end_of_log_in_trace", 9, "", 1, 2 },
	{ "next_report", 9, join(kUninitReport), 2, 2 },
	{ "next_boot", 9, "Linux version 6.1.0-56-amd64 (gcc-12)\n  not_a_frame+0x1/0x2\n", 1, 2 },
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const TruncationCase &c, std::ostream *os)
{
	*os << c.m_name;
}

class TruncationTest : public ::testing::TestWithParam<TruncationCase> {};

TEST_P(TruncationTest, CountedAndMarked)
{
	const TruncationCase &c = GetParam();
	std::vector<std::string> kept(kUninitReport.begin(), kUninitReport.begin() + c.m_keep);
	LogParser p = parse_text(join(kept, "[    1.000000] ", "\r\n") + c.m_after);
	ASSERT_EQ(p.reports().size(), c.m_reports);
	EXPECT_TRUE(p.reports()[0].m_truncated);
	EXPECT_EQ(p.reports()[0].m_call_trace.size(), c.m_frames);
	if (c.m_reports > 1) {
		EXPECT_FALSE(p.reports()[1].m_truncated);
	}
	auto groups = group_reports(p.reports());
	ASSERT_EQ(groups.size(), 1u);
	EXPECT_EQ(groups[0].m_count, c.m_reports);
	EXPECT_EQ(groups[0].m_truncated_count, 1u);
	// The complete occurrence, when there is one, is the one shown.
	EXPECT_EQ(groups[0].m_first.m_truncated, c.m_reports == 1);
}

INSTANTIATE_TEST_SUITE_P(Truncation, TruncationTest, ::testing::ValuesIn(kTruncationCases),
			 [](const ::testing::TestParamInfo<TruncationCase> &info) { return info.param.m_name; });

// ---- Grouping --------------------------------------------------------------------------------

std::vector<std::string> header_only(const std::string &kind, const std::string &site, const std::string &task)
{
	return { "BUG: kmemtrap: " + kind + " in " + site, "Read of size 1 at addr ff00 by task " + task + " on CPU 0",
		 "kmemtrap: end of report" };
}

TEST(ReportGrouping, CountsPerKindAndSiteSortedByKindThenCount)
{
	std::string log;
	log += join(header_only("infoleak", "copy_user_generic_string+0x2c/0x50", "a/1"));
	log += join(header_only("uninit-read", "f+0x5/0x10 [m]", "b/2"));
	log += join(header_only("uninit-read", "g+0x5/0x10 [m]", "c/3"));
	log += "Linux version 6.1\n";
	log += join(header_only("uninit-read", "g+0x5/0x10 [m]", "d/4"));
	log += join(header_only("freed-read", "g+0x5/0x10 [m]", "e/5"));
	log += join(header_only("uninit-read", "g+0x5/0x10 [m]", "f/6"));
	log += join(header_only("use-after-scope", "h+0x1/0x2", "g/7")); // a kind a later module may add
	LogParser p = parse_text(log);
	ASSERT_EQ(p.reports().size(), 7u);
	auto groups = group_reports(p.reports());
	ASSERT_EQ(groups.size(), 5u);
	EXPECT_EQ(groups[0].m_kind, "uninit-read");
	EXPECT_EQ(groups[0].m_site, "g+0x5/0x10 [m]");
	EXPECT_EQ(groups[0].m_count, 3u);
	EXPECT_EQ(groups[0].m_first.m_task.value_or(""), "c"); // the first occurrence
	EXPECT_EQ(groups[1].m_site, "f+0x5/0x10 [m]");
	EXPECT_EQ(groups[1].m_count, 1u);
	EXPECT_EQ(groups[2].m_kind, "freed-read");
	EXPECT_EQ(groups[3].m_kind, "infoleak");
	EXPECT_EQ(groups[4].m_kind, "use-after-scope");
}

TEST(ReportGrouping, SameFunctionOtherOffsetOrModuleIsAnotherSite)
{
	std::string log;
	log += join(header_only("uninit-read", "d_same_name+0x40/0xb0", "a/1"));
	log += join(header_only("uninit-read", "d_same_name+0x3d/0xb0", "a/1"));
	log += join(header_only("uninit-read", "read_one+0x5/0x10 [mod_a]", "a/1"));
	log += join(header_only("uninit-read", "read_one+0x5/0x10 [mod_b]", "a/1"));
	log += join(header_only("uninit-read", "read_one+0x5/0x10", "a/1"));
	auto groups = group_reports(parse_text(log).reports());
	EXPECT_EQ(groups.size(), 5u);
}

TEST(ReportGrouping, TaskWithSlashesAndBlanks)
{
	std::string log = join(header_only("uninit-read", "f+0x5/0x10", "kworker/u8:2 x/1234"));
	LogParser p = parse_text(log);
	ASSERT_EQ(p.reports().size(), 1u);
	const Report &r = p.reports()[0];
	EXPECT_EQ(r.m_task.value_or(""), "kworker/u8:2 x");
	EXPECT_EQ(r.m_pid.value_or(0), 1234);
}

// ---- Frames: clone suffixes, built-in and module code ---------------------------------------

struct FrameCase {
	const char *m_name;
	std::string m_text;
	bool m_ok;
	std::string m_function;
	uint64_t m_offset;
	uint64_t m_size;
	std::string m_module;
	bool m_unreliable;
};

const FrameCase kFrameCases[] = {
	{ "module", "kmt_st_uninit_read+0x5/0x20 [kmemtrap_selftest]", true, "kmt_st_uninit_read", 5, 0x20,
	  "kmemtrap_selftest", false },
	{ "builtin", "full_proxy_write+0x53/0x80", true, "full_proxy_write", 0x53, 0x80, "", false },
	{ "isra", "kmt_st_read_second_half.isra.0+0x5/0x10 [kmemtrap_selftest]", true,
	  "kmt_st_read_second_half.isra.0", 5, 0x10, "kmemtrap_selftest", false },
	{ "constprop", "kmt_bugs_cache_read.constprop.0+0x5/0x10 [kmt_bugs]", true,
	  "kmt_bugs_cache_read.constprop.0", 5, 0x10, "kmt_bugs", false },
	{ "part_constprop", "link_path_walk.part.0.constprop.0+0x10d/0x3b0", true,
	  "link_path_walk.part.0.constprop.0", 0x10d, 0x3b0, "", false },
	{ "cold", "foo.cold+0x0/0x12 [m]", true, "foo.cold", 0, 0x12, "m", false },
	{ "unreliable", "? bar+0x1/0x2", true, "bar", 1, 2, "", true },
	{ "build_id", "baz+0x5/0x20 [mymod 0123456789abcdef]", true, "baz", 5, 0x20, "mymod", false },
	{ "bare_address", "0xffffffffc0a01234", true, "", 0, 0, "", false },
	{ "leading_blanks", "   f+0x1/0x2", true, "f", 1, 2, "", false },
	{ "not_hex_offset", "f+5/0x20", false, "", 0, 0, "", false },
	{ "no_size", "f+0x5", false, "", 0, 0, "", false },
	{ "words", "Call Trace:", false, "", 0, 0, "", false },
	{ "sentence", "random: crng init done", false, "", 0, 0, "", false },
	{ "empty", "", false, "", 0, 0, "", false },
	{ "junk_after", "f+0x1/0x2 junk", false, "", 0, 0, "", false },
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const FrameCase &c, std::ostream *os)
{
	*os << c.m_name;
}

class FrameTest : public ::testing::TestWithParam<FrameCase> {};

TEST_P(FrameTest, Parses)
{
	const FrameCase &c = GetParam();
	Frame f;
	ASSERT_EQ(parse_frame(c.m_text, f), c.m_ok);
	if (!c.m_ok)
		return;
	EXPECT_EQ(f.m_function, c.m_function);
	EXPECT_EQ(f.m_offset, c.m_offset);
	EXPECT_EQ(f.m_size, c.m_size);
	EXPECT_EQ(f.m_module, c.m_module);
	EXPECT_EQ(f.m_unreliable, c.m_unreliable);
}

INSTANTIATE_TEST_SUITE_P(Frames, FrameTest, ::testing::ValuesIn(kFrameCases),
			 [](const ::testing::TestParamInfo<FrameCase> &info) { return info.param.m_name; });

// ---- Allocation and free stacks --------------------------------------------------------------

TEST(ReportStacks, AllocatedAndFreedStacksAreKeptApart)
{
	std::vector<std::string> lines(kUninitReport.begin(), kUninitReport.end() - 1);
	lines.push_back("The buggy address is 16 bytes inside a 64-byte object [ff15836a9ff29440, ff15836a9ff29480) of 64 allocated bytes (cache kmalloc-64)");
	lines.push_back("Allocated by task insmod/77:");
	lines.push_back(" bugs_uninit_kmalloc+0x20/0x70 [kmt_bugs]");
	lines.push_back(" bugs_run+0xe1/0x100 [kmt_bugs]");
	lines.push_back("Freed by task kworker/0:1/12:");
	lines.push_back(" kfree+0x10/0x90");
	lines.push_back(" rcu_do_batch+0x1/0x2");
	lines.push_back(" process_one_work+0x1/0x2");
	lines.push_back("kmemtrap: end of report");
	LogParser p = parse_text(join(lines, "[    2.230709] ", "\r\n"));
	ASSERT_EQ(p.reports().size(), 1u);
	const Report &r = p.reports()[0];
	EXPECT_EQ(r.m_call_trace.size(), 4u);
	EXPECT_EQ(r.m_allocated_task.value_or(""), "insmod");
	EXPECT_EQ(r.m_allocated_pid.value_or(0), 77);
	ASSERT_EQ(r.m_allocated_by.size(), 2u);
	EXPECT_EQ(r.m_allocated_by[0].m_function, "bugs_uninit_kmalloc");
	EXPECT_EQ(r.m_freed_task.value_or(""), "kworker/0:1");
	EXPECT_EQ(r.m_freed_pid.value_or(0), 12);
	ASSERT_EQ(r.m_freed_by.size(), 3u);
	EXPECT_EQ(r.m_freed_by[2].m_function, "process_one_work");
	EXPECT_TRUE(r.m_object.has_value());

	std::string json = render_json(Summary{ group_reports(p.reports()), std::nullopt, false });
	EXPECT_NE(json.find("\"allocated_task\": \"insmod\""), std::string::npos);
	EXPECT_NE(json.find("\"frame\": \"kfree+0x10/0x90\""), std::string::npos);
}

// ---- Unload line -----------------------------------------------------------------------------

struct UnloadCase {
	const char *m_name;
	std::string m_line;
	std::vector<std::pair<std::string, long long>> m_values;
};

const UnloadCase kUnloadCases[] = {
	{ "brief",
	  "kmemtrap: unloaded: 2642 faults handled, 63142 single steps, 120662 REP elements, 7 reports (0 repeats, 0 dropped), 0 pages still tracked, 0 hidden",
	  { { "faults_handled", 2642 }, { "single_steps", 63142 }, { "rep_elements", 120662 }, { "reports", 7 },
	    { "repeats", 0 }, { "dropped", 0 }, { "pages_still_tracked", 0 }, { "hidden", 0 } } },
	{ "with_restored",
	  "[    3.429171] kmemtrap: unloaded: 49662 faults handled, 49751 single steps, 61497 REP elements, 7 reports (1 repeats, 2 dropped), 8 pages restored, 3 pages still tracked, 4 hidden\r",
	  { { "faults_handled", 49662 }, { "single_steps", 49751 }, { "rep_elements", 61497 }, { "reports", 7 },
	    { "repeats", 1 }, { "dropped", 2 }, { "pages_restored", 8 }, { "pages_still_tracked", 3 },
	    { "hidden", 4 } } },
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const UnloadCase &c, std::ostream *os)
{
	*os << c.m_name;
}

class UnloadTest : public ::testing::TestWithParam<UnloadCase> {};

TEST_P(UnloadTest, Parses)
{
	const UnloadCase &c = GetParam();
	LogParser p = parse_text(c.m_line + "\n");
	ASSERT_TRUE(p.counters().has_value());
	EXPECT_EQ(p.counters()->m_values, c.m_values);
	EXPECT_TRUE(p.reports().empty());
}

INSTANTIATE_TEST_SUITE_P(Unload, UnloadTest, ::testing::ValuesIn(kUnloadCases),
			 [](const ::testing::TestParamInfo<UnloadCase> &info) { return info.param.m_name; });

TEST(ReportUnload, TheLastLineWinsAndShowsInBothFormats)
{
	std::string log = "kmemtrap: unloaded: 1 faults handled, 0 hidden\n" + join(kUninitReport) +
			  "[    9.0] kmemtrap: unloaded: 5 faults handled, 2 reports (0 repeats, 0 dropped), 7 hidden\n"
			  "[    9.1] reboot: Power down\n";
	LogParser p = parse_text(log);
	ASSERT_TRUE(p.counters().has_value());
	EXPECT_EQ(p.counters()->m_values.front().second, 5);
	EXPECT_EQ(p.counters()->m_line, 14u);
	Summary s{ group_reports(p.reports()), p.counters(), false };
	std::string table = render_table(s);
	EXPECT_NE(table.find("  faults handled: 5\n"), std::string::npos) << table;
	EXPECT_NE(table.find("  hidden:         7\n"), std::string::npos) << table;
	std::string json = render_json(s);
	EXPECT_NE(json.find("\"counters\": {\n    \"faults_handled\": 5,\n    \"reports\": 2,"), std::string::npos)
		<< json;
}

TEST(ReportUnload, NoUnloadLineGivesNullCounters)
{
	LogParser p = parse_text(join(kUninitReport));
	EXPECT_FALSE(p.counters().has_value());
	std::string json = render_json(Summary{ group_reports(p.reports()), p.counters(), false });
	EXPECT_NE(json.find("\"counters\": null"), std::string::npos);
	EXPECT_EQ(render_table(Summary{ group_reports(p.reports()), p.counters(), false }).find("Unload"),
		  std::string::npos);
}

// ---- JSON ------------------------------------------------------------------------------------

struct QuoteCase {
	const char *m_name;
	std::string m_in;
	std::string m_out;
};

const QuoteCase kQuoteCases[] = {
	{ "plain", "sh", "\"sh\"" },
	{ "quote", "a\"b", "\"a\\\"b\"" },
	{ "backslash", "a\\b", "\"a\\\\b\"" },
	{ "newline_tab_cr", "a\nb\tc\r", "\"a\\nb\\tc\\r\"" },
	{ "backspace_formfeed", "\b\f", "\"\\b\\f\"" },
	{ "control", std::string("a\x01" "b\x1f", 4), "\"a\\u0001b\\u001f\"" },
	{ "nul", std::string("a\0b", 3), "\"a\\u0000b\"" },
	{ "escape_char", "\x1b[0m", "\"\\u001b[0m\"" },
	{ "delete", "\x7f", "\"\\u007f\"" },
	{ "slash_unescaped", "kworker/0:1", "\"kworker/0:1\"" },
	{ "utf8_two_bytes", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "utf8_four_bytes", "\xf0\x9f\x90\x9b", "\"\xf0\x9f\x90\x9b\"" },
	{ "invalid_byte", "a\xff" "b", "\"a\\ufffdb\"" },
	{ "truncated_sequence", "a\xc3", "\"a\\ufffd\"" },
	{ "overlong", "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
	{ "surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "above_max", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
};

// Test names show the case name, not the bytes of the struct.
void PrintTo(const QuoteCase &c, std::ostream *os)
{
	*os << c.m_name;
}

class QuoteTest : public ::testing::TestWithParam<QuoteCase> {};

TEST_P(QuoteTest, Escapes)
{
	EXPECT_EQ(json_quote(GetParam().m_in), GetParam().m_out);
}

INSTANTIATE_TEST_SUITE_P(Json, QuoteTest, ::testing::ValuesIn(kQuoteCases),
			 [](const ::testing::TestParamInfo<QuoteCase> &info) { return info.param.m_name; });

TEST(ReportJson, WriterNestsAndSeparates)
{
	JsonWriter w;
	w.begin_object();
	w.key("a");
	w.begin_array();
	w.end_array();
	w.key("b");
	w.begin_object();
	w.end_object();
	w.key("c");
	w.begin_array();
	w.value(1LL);
	w.value(true);
	w.null();
	w.value("x\"y");
	w.end_array();
	w.end_object();
	EXPECT_EQ(w.str(), "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    true,\n    null,\n    \"x\\\"y\"\n  ]\n}\n");
}

TEST(ReportJson, CommandNamesAreEscaped)
{
	// A comm is whatever the task set with prctl(PR_SET_NAME): quotes and control bytes included.
	std::string log = join(header_only("uninit-read", "f+0x5/0x10", "a\"b\\c\x01/5"));
	LogParser p = parse_text(log);
	std::string json = render_json(Summary{ group_reports(p.reports()), std::nullopt, false });
	EXPECT_NE(json.find("\"task\": \"a\\\"b\\\\c\\u0001\""), std::string::npos) << json;
}

TEST(ReportJson, FieldsOfAnInfoleak)
{
	LogParser p = parse_text(join(kKindCases[3].m_lines));
	std::string json = render_json(Summary{ group_reports(p.reports()), std::nullopt, false });
	for (const char *expected : { "\"kind\": \"infoleak\"", "\"site\": \"copy_user_enhanced_fast_string+0xa/0x50\"",
				      "\"module\": null", "\"offset\": 10", "\"size\": 80", "\"count\": 1",
				      "\"user_addr\": \"00007ffd1234abcd\"", "\"bad_offset\": 1", "\"truncated\": false",
				      "\"allocated_by\": []", "\"infoleak\": {\n      \"reports\": 1,\n      \"sites\": 1\n    }" })
		EXPECT_NE(json.find(expected), std::string::npos) << expected << "\n" << json;
	EXPECT_EQ(json.find("\"source\""), std::string::npos);
}

TEST(ReportTable, EmptyLog)
{
	LogParser p = parse_text("hello\nworld\n");
	std::string table = render_table(Summary{ group_reports(p.reports()), p.counters(), false });
	EXPECT_EQ(table.rfind("No kmemtrap reports found.\n", 0), 0u);
	EXPECT_NE(table.find("  total:                0 reports at 0 sites\n"), std::string::npos) << table;
}

} // namespace
