// Parsing kmemtrap's dmesg reports (see module/report.c for the format the module prints) and
// grouping them by (kind, site). Kept apart from the command-line tool so the tests link it.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kmt_report {

// A file:line found by addr2line for one code address.
struct SourceLocation {
	std::string m_file;
	unsigned long m_line = 0;
	std::string m_function; // the innermost (possibly inlined) function at that address
};

// One "func+0xOFF/0xSIZE [module]" as %pS prints it, or a bare "0x..." address when the kernel
// could not name the code.
struct Frame {
	std::string m_text;     // as printed, without the "? " marker and surrounding blanks
	std::string m_function; // empty for a bare address
	uint64_t m_offset = 0;
	uint64_t m_size = 0;
	std::string m_module;   // empty for built-in code
	std::string m_build_id; // "[mod buildid]" when the kernel has CONFIG_STACKTRACE_BUILD_ID
	bool m_unreliable = false; // the kernel marked the frame with "? "
	std::optional<SourceLocation> m_source; // filled by the symbolizer
};

// One printed report. Fields the log did not contain (a truncated report) stay empty.
struct Report {
	std::string m_kind; // uninit-read, freed-read, unallocated-read, infoleak (or a newer kind)
	std::string m_site; // "func+0x5/0x20 [module]", exactly as on the first line
	Frame m_site_frame;
	std::optional<std::string> m_task;
	std::optional<long long> m_pid;
	std::optional<unsigned long> m_cpu;
	std::optional<unsigned long> m_access_size;
	std::optional<std::string> m_addr;
	std::optional<std::string> m_user_addr; // infoleak only: the destination in user space
	std::optional<std::string> m_bad_addr;
	std::optional<unsigned long long> m_bad_offset;
	std::optional<std::string> m_bad_state;
	std::optional<std::string> m_shadow_addr;
	std::optional<std::string> m_shadow; // one state letter per byte from m_shadow_addr
	std::optional<long> m_shadow_caret; // index of the "^" under m_shadow
	std::optional<std::string> m_object; // the "The buggy address is ..." line, verbatim
	std::vector<Frame> m_call_trace;
	std::optional<std::string> m_allocated_task;
	std::optional<long long> m_allocated_pid;
	std::vector<Frame> m_allocated_by;
	std::optional<std::string> m_freed_task;
	std::optional<long long> m_freed_pid;
	std::vector<Frame> m_freed_by;
	bool m_truncated = false; // no "kmemtrap: end of report" before the log (or the boot) ended
	size_t m_line = 0;        // 1-based line of the "BUG: kmemtrap:" line in the input
};

// The numbers of a "kmemtrap: unloaded: ..." line, in the order printed. Keys are the printed
// labels in snake_case ("faults_handled", "pages_still_tracked", ...), so that counters a later
// module version adds are kept without a change here.
struct UnloadCounters {
	std::vector<std::pair<std::string, long long>> m_values;
	std::vector<std::string> m_labels; // the printed labels, same order, for the table
	size_t m_line = 0;
};

// Feeds a log line by line. Lines may carry a "[    3.031055] " timestamp (and a "[  T87]" caller
// field), a "<3>" level, and a trailing "\r"; unrelated lines may be interleaved anywhere.
class LogParser {
public:
	void feed_line(std::string_view raw_line);
	// Ends the input: a report still open is kept and marked truncated.
	void finish();

	const std::vector<Report> &reports() const { return m_reports; }
	const std::optional<UnloadCounters> &counters() const { return m_counters; }

private:
	enum class Section { Header, ShadowRow, ShadowCaret, CallTrace, Allocated, Freed, Other };

	void start_report(std::string_view header);
	void close_report(bool truncated);
	void handle_report_line(std::string_view message);

	std::vector<Report> m_reports;
	std::optional<UnloadCounters> m_counters;
	bool m_in_report = false;
	Section m_section = Section::Header;
	size_t m_shadow_column = 0; // where the first state letter of the shadow row is
	size_t m_line_number = 0;
};

// Reads a whole stream and returns the parser's result.
LogParser parse_log(std::istream &in);

// What remains of a kernel log line once its timestamp, level and "\r" are removed.
std::string_view strip_log_prefix(std::string_view line);

// Parses one frame (already stripped of its leading blanks); false when the text is no frame.
bool parse_frame(std::string_view text, Frame &out);

// Parses a "kmemtrap: unloaded: ..." message (prefix stripped); false when it is none.
bool parse_unload_line(std::string_view message, UnloadCounters &out);

// All occurrences of one (kind, site).
struct ReportGroup {
	std::string m_kind;
	std::string m_site;
	size_t m_count = 0;
	size_t m_truncated_count = 0;
	// The first complete occurrence (the first occurrence if none is complete): the details the
	// table and the JSON show.
	Report m_first;
};

// Known kinds first, in the module's order, then newer kinds alphabetically.
int kind_rank(const std::string &kind);
const std::vector<std::string> &known_kinds();

// Groups by (kind, site), sorted by kind, then count descending, then first appearance.
std::vector<ReportGroup> group_reports(const std::vector<Report> &reports);

} // namespace kmt_report
