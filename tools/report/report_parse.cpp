// Parsing kmemtrap's reports out of a kernel log. The parser is a small line-driven state machine
// rather than one big regular expression because report lines can be separated by unrelated
// kernel or console output, and a report can be cut off anywhere.
#include "report_parse.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <regex>

namespace kmt_report {

namespace {

constexpr std::string_view kBugPrefix = "BUG: kmemtrap: ";
constexpr std::string_view kEndOfReport = "kmemtrap: end of report";
constexpr std::string_view kUnloaded = "kmemtrap: unloaded: ";

bool starts_with(std::string_view s, std::string_view prefix)
{
	return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(std::string_view s, std::string_view suffix)
{
	return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n'))
		s.remove_prefix(1);
	while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n'))
		s.remove_suffix(1);
	return s;
}

// Parses the whole of s as an unsigned number in the given base (16 accepts a "0x" prefix).
std::optional<unsigned long long> parse_unsigned(std::string_view s, int base)
{
	if (base == 16 && (starts_with(s, "0x") || starts_with(s, "0X")))
		s.remove_prefix(2);
	if (s.empty() || s.size() > 20)
		return std::nullopt;
	std::string copy(s);
	if (!std::isxdigit(static_cast<unsigned char>(copy[0])))
		return std::nullopt;
	char *end = nullptr;
	unsigned long long value = std::strtoull(copy.c_str(), &end, base);
	if (end != copy.c_str() + copy.size())
		return std::nullopt;
	return value;
}

std::optional<long long> parse_signed(std::string_view s)
{
	bool negative = starts_with(s, "-");
	if (negative)
		s.remove_prefix(1);
	auto value = parse_unsigned(s, 10);
	if (!value)
		return std::nullopt;
	return negative ? -static_cast<long long>(*value) : static_cast<long long>(*value);
}

bool is_hex_address(std::string_view s)
{
	return !s.empty() && s.size() <= 18 && parse_unsigned(s, 16).has_value();
}

// Splits "comm/pid" at the last slash: the comm itself may contain slashes ("kworker/0:1").
bool split_task(std::string_view task, std::string &comm, long long &pid)
{
	size_t slash = task.rfind('/');
	if (slash == std::string_view::npos || slash == 0)
		return false;
	auto value = parse_signed(task.substr(slash + 1));
	if (!value)
		return false;
	comm = std::string(task.substr(0, slash));
	pid = *value;
	return true;
}

// "... by task T/pid on CPU c" at the end of the access line. The comm is taken up to the last
// " on CPU " so that a comm with blanks in it survives.
void parse_task_and_cpu(std::string_view tail, Report &r)
{
	constexpr std::string_view kByTask = " by task ";
	constexpr std::string_view kOnCpu = " on CPU ";
	size_t by = tail.find(kByTask);
	size_t on = tail.rfind(kOnCpu);
	if (by == std::string_view::npos || on == std::string_view::npos || on < by + kByTask.size())
		return;
	std::string comm;
	long long pid = 0;
	if (split_task(tail.substr(by + kByTask.size(), on - by - kByTask.size()), comm, pid)) {
		r.m_task = comm;
		r.m_pid = pid;
	}
	if (auto cpu = parse_unsigned(trim(tail.substr(on + kOnCpu.size())), 10))
		r.m_cpu = static_cast<unsigned long>(*cpu);
}

// "Read of size 8 at addr A by task T/pid on CPU c"
void parse_read_line(std::string_view m, Report &r)
{
	constexpr std::string_view kAtAddr = " at addr ";
	m.remove_prefix(std::string_view("Read of size ").size());
	size_t at = m.find(kAtAddr);
	if (at == std::string_view::npos)
		return;
	if (auto size = parse_unsigned(m.substr(0, at), 10))
		r.m_access_size = static_cast<unsigned long>(*size);
	std::string_view rest = m.substr(at + kAtAddr.size());
	size_t space = rest.find(' ');
	r.m_addr = std::string(rest.substr(0, space));
	if (space != std::string_view::npos)
		parse_task_and_cpu(rest.substr(space), r);
}

// "Copy of size N from addr A to user addr U by task T/pid on CPU c"
void parse_copy_line(std::string_view m, Report &r)
{
	constexpr std::string_view kFromAddr = " from addr ";
	constexpr std::string_view kToUser = " to user addr ";
	m.remove_prefix(std::string_view("Copy of size ").size());
	size_t from = m.find(kFromAddr);
	if (from == std::string_view::npos)
		return;
	if (auto size = parse_unsigned(m.substr(0, from), 10))
		r.m_access_size = static_cast<unsigned long>(*size);
	std::string_view rest = m.substr(from + kFromAddr.size());
	size_t to = rest.find(kToUser);
	if (to == std::string_view::npos) {
		r.m_addr = std::string(rest.substr(0, rest.find(' ')));
		return;
	}
	r.m_addr = std::string(rest.substr(0, to));
	rest = rest.substr(to + kToUser.size());
	size_t space = rest.find(' ');
	r.m_user_addr = std::string(rest.substr(0, space));
	if (space != std::string_view::npos)
		parse_task_and_cpu(rest.substr(space), r);
}

// "First bad byte at A (+N), state S"
void parse_first_bad_line(std::string_view m, Report &r)
{
	m.remove_prefix(std::string_view("First bad byte at ").size());
	size_t space = m.find(' ');
	r.m_bad_addr = std::string(m.substr(0, space));
	if (space == std::string_view::npos)
		return;
	std::string_view rest = m.substr(space + 1);
	if (starts_with(rest, "(+")) {
		size_t close = rest.find(')');
		if (close != std::string_view::npos) {
			if (auto off = parse_unsigned(rest.substr(2, close - 2), 10))
				r.m_bad_offset = *off;
			rest = rest.substr(close + 1);
		}
	}
	constexpr std::string_view kState = ", state ";
	if (starts_with(rest, kState))
		r.m_bad_state = std::string(trim(rest.substr(kState.size())));
}

// "Allocated by task T/pid:" and "Freed by task T/pid:"
void parse_stack_owner(std::string_view m, std::string_view prefix, std::optional<std::string> &task,
		       std::optional<long long> &pid)
{
	m.remove_prefix(prefix.size());
	if (ends_with(m, ":"))
		m.remove_suffix(1);
	std::string comm;
	long long value = 0;
	if (split_task(m, comm, value)) {
		task = comm;
		pid = value;
	}
}

bool is_shadow_row(std::string_view m, size_t &column)
{
	size_t first = 0;
	while (first < m.size() && is_blank(m[first]))
		first++;
	std::string_view row = trim(m);
	if (row.empty())
		return false;
	for (char c : row)
		if (std::string_view("iufa.").find(c) == std::string_view::npos)
			return false;
	column = first;
	return true;
}

// Syslog and journal lines ("Nov 23 10:16:02 host kernel: ...") carry the kernel message after
// " kernel: ". Only that exact shape is recognised, so that ordinary messages mentioning
// "kernel:" are not cut.
std::string_view strip_syslog_prefix(std::string_view line)
{
	size_t pos = line.find(" kernel: ");
	if (pos == std::string_view::npos || pos > 80)
		return line;
	static const std::regex kSyslog(R"(^[A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} \S+$)");
	std::string head(line.substr(0, pos));
	if (!std::regex_match(head, kSyslog))
		return line;
	return line.substr(pos + std::string_view(" kernel: ").size());
}

// A "[ ... ]" printk prefix: the timestamp "[    3.031055]" or a caller field "[  T87]"/"[ C1]".
bool is_printk_bracket(std::string_view inside)
{
	inside = trim(inside);
	if (inside.empty())
		return false;
	if (inside[0] == 'T' || inside[0] == 'C')
		return inside.size() > 1 && parse_unsigned(inside.substr(1), 10).has_value();
	size_t dot = inside.find('.');
	if (dot == std::string_view::npos)
		return false;
	return parse_unsigned(inside.substr(0, dot), 10).has_value() &&
	       parse_unsigned(inside.substr(dot + 1), 10).has_value();
}

} // namespace

std::string_view strip_log_prefix(std::string_view line)
{
	while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
		line.remove_suffix(1);
	line = strip_syslog_prefix(line);
	// "<3>" as /dev/kmsg readers and some consoles print the level.
	if (line.size() >= 3 && line[0] == '<') {
		size_t close = line.find('>');
		if (close != std::string_view::npos && close <= 4 && close > 1 &&
		    parse_unsigned(line.substr(1, close - 1), 10))
			line.remove_prefix(close + 1);
	}
	bool had_bracket = false;
	while (!line.empty() && line[0] == '[') {
		size_t close = line.find(']');
		if (close == std::string_view::npos || close > 40 || !is_printk_bracket(line.substr(1, close - 1)))
			break;
		line.remove_prefix(close + 1);
		had_bracket = true;
	}
	// printk puts exactly one blank between the timestamp and the message; the message's own
	// leading blanks (the frames' indentation) follow it.
	if (had_bracket && !line.empty() && line[0] == ' ')
		line.remove_prefix(1);
	return line;
}

bool parse_frame(std::string_view text, Frame &out)
{
	text = trim(text);
	Frame f;
	if (starts_with(text, "? ")) {
		f.m_unreliable = true;
		text = trim(text.substr(2));
	}
	if (text.empty())
		return false;
	f.m_text = std::string(text);
	size_t space = text.find(' ');
	std::string_view symbol = text.substr(0, space);
	std::string_view rest = space == std::string_view::npos ? std::string_view() : trim(text.substr(space));
	if (starts_with(symbol, "0x") && rest.empty() && is_hex_address(symbol)) {
		out = f;
		return true;
	}
	size_t plus = symbol.rfind('+');
	size_t slash = symbol.rfind('/');
	if (plus == std::string_view::npos || plus == 0 || slash == std::string_view::npos || slash < plus)
		return false;
	auto offset = parse_unsigned(symbol.substr(plus + 1, slash - plus - 1), 16);
	auto size = parse_unsigned(symbol.substr(slash + 1), 16);
	if (!offset || !size || !starts_with(symbol.substr(plus + 1), "0x") ||
	    !starts_with(symbol.substr(slash + 1), "0x"))
		return false;
	f.m_function = std::string(symbol.substr(0, plus));
	f.m_offset = *offset;
	f.m_size = *size;
	if (!rest.empty()) {
		if (rest.front() != '[' || rest.back() != ']')
			return false;
		std::string_view inside = trim(rest.substr(1, rest.size() - 2));
		size_t blank = inside.find(' ');
		f.m_module = std::string(inside.substr(0, blank));
		if (blank != std::string_view::npos)
			f.m_build_id = std::string(trim(inside.substr(blank)));
		if (f.m_module.empty())
			return false;
	}
	out = f;
	return true;
}

bool parse_unload_line(std::string_view message, UnloadCounters &out)
{
	size_t pos = message.find(kUnloaded);
	if (pos == std::string_view::npos)
		return false;
	std::string_view rest = message.substr(pos + kUnloaded.size());
	UnloadCounters counters;
	// The line is a list of "<number> <label>" items separated by ", " with one parenthesised
	// sub-list; splitting at ',', '(' and ')' keeps it independent of the exact set of counters.
	size_t i = 0;
	while (i < rest.size()) {
		size_t end = rest.find_first_of(",()", i);
		std::string_view item = trim(rest.substr(i, end == std::string_view::npos ? end : end - i));
		i = end == std::string_view::npos ? rest.size() : end + 1;
		if (item.empty())
			continue;
		size_t blank = item.find(' ');
		if (blank == std::string_view::npos)
			continue;
		auto value = parse_signed(item.substr(0, blank));
		std::string_view label = trim(item.substr(blank));
		if (!value || label.empty())
			continue;
		std::string key;
		for (char c : label)
			key += is_blank(c) ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		counters.m_values.emplace_back(key, *value);
		counters.m_labels.emplace_back(label);
	}
	if (counters.m_values.empty())
		return false;
	out = std::move(counters);
	return true;
}

void LogParser::start_report(std::string_view header)
{
	Report r;
	r.m_line = m_line_number;
	std::string_view rest = header.substr(kBugPrefix.size());
	size_t in = rest.find(" in ");
	if (in == std::string_view::npos) {
		r.m_kind = std::string(trim(rest));
	} else {
		r.m_kind = std::string(trim(rest.substr(0, in)));
		r.m_site = std::string(trim(rest.substr(in + 4)));
		Frame f;
		if (parse_frame(r.m_site, f))
			r.m_site_frame = f;
		else
			r.m_site_frame.m_text = r.m_site;
	}
	m_reports.push_back(std::move(r));
	m_in_report = true;
	m_section = Section::Header;
}

void LogParser::close_report(bool truncated)
{
	if (!m_in_report)
		return;
	m_reports.back().m_truncated = truncated;
	m_in_report = false;
}

void LogParser::handle_report_line(std::string_view m)
{
	Report &r = m_reports.back();
	if (starts_with(m, "Read of size ")) {
		parse_read_line(m, r);
		m_section = Section::Header;
	} else if (starts_with(m, "Copy of size ")) {
		parse_copy_line(m, r);
		m_section = Section::Header;
	} else if (starts_with(m, "Use of uninitialized value at ")) {
		// "Use of uninitialized value at SITE: HOW, by task T/pid on CPU c" (uninit-use)
		parse_task_and_cpu(m, r);
		m_section = Section::Header;
	} else if (starts_with(m, "First bad byte at ")) {
		parse_first_bad_line(m, r);
		m_section = Section::Header;
	} else if (starts_with(m, "Shadow at ")) {
		std::string_view rest = m.substr(std::string_view("Shadow at ").size());
		r.m_shadow_addr = std::string(rest.substr(0, rest.find(' ')));
		m_section = Section::ShadowRow;
	} else if (m_section == Section::ShadowRow && is_shadow_row(m, m_shadow_column)) {
		r.m_shadow = std::string(trim(m));
		m_section = Section::ShadowCaret;
	} else if (m_section == Section::ShadowCaret && trim(m) == "^") {
		r.m_shadow_caret = static_cast<long>(m.find('^')) - static_cast<long>(m_shadow_column);
		m_section = Section::Header;
	} else if (trim(m) == "Call Trace:") {
		m_section = Section::CallTrace;
	} else if (starts_with(m, "The buggy address is ")) {
		r.m_object = std::string(trim(m));
		m_section = Section::Other;
	} else if (starts_with(m, "Allocated by task ")) {
		parse_stack_owner(m, "Allocated by task ", r.m_allocated_task, r.m_allocated_pid);
		m_section = Section::Allocated;
	} else if (starts_with(m, "Freed by task ")) {
		parse_stack_owner(m, "Freed by task ", r.m_freed_task, r.m_freed_pid);
		m_section = Section::Freed;
	} else if (!m.empty() && is_blank(m[0])) {
		// Frames are indented; anything else indented (or any frame outside a stack) is ignored.
		Frame f;
		if (!parse_frame(m, f))
			return;
		if (m_section == Section::CallTrace)
			r.m_call_trace.push_back(f);
		else if (m_section == Section::Allocated)
			r.m_allocated_by.push_back(f);
		else if (m_section == Section::Freed)
			r.m_freed_by.push_back(f);
	}
	// Any other line is either interleaved output or a line a later module version added.
}

void LogParser::feed_line(std::string_view raw_line)
{
	m_line_number++;
	std::string_view m = strip_log_prefix(raw_line);

	size_t bug = m.find(kBugPrefix);
	if (bug != std::string_view::npos) {
		// A new report while one is open: the rest of the previous one was lost.
		close_report(true);
		start_report(m.substr(bug));
		return;
	}
	if (m.find(kUnloaded) != std::string_view::npos) {
		UnloadCounters counters;
		if (parse_unload_line(m, counters)) {
			counters.m_line = m_line_number;
			m_counters = std::move(counters);
		}
		return;
	}
	if (!m_in_report)
		return;
	if (m.find(kEndOfReport) != std::string_view::npos) {
		close_report(false);
		return;
	}
	// A new boot in the same log (QEMU serial logs of several runs): the report cannot go on.
	if (starts_with(m, "Linux version ")) {
		close_report(true);
		return;
	}
	handle_report_line(m);
}

void LogParser::finish()
{
	close_report(true);
}

LogParser parse_log(std::istream &in)
{
	LogParser parser;
	std::string line;
	while (std::getline(in, line))
		parser.feed_line(line);
	parser.finish();
	return parser;
}

const std::vector<std::string> &known_kinds()
{
	static const std::vector<std::string> kinds = { "uninit-use", "uninit-read", "freed-read",
							"unallocated-read", "infoleak" };
	return kinds;
}

int kind_rank(const std::string &kind)
{
	const auto &kinds = known_kinds();
	auto it = std::find(kinds.begin(), kinds.end(), kind);
	return it == kinds.end() ? static_cast<int>(kinds.size()) : static_cast<int>(it - kinds.begin());
}

std::vector<ReportGroup> group_reports(const std::vector<Report> &reports)
{
	std::vector<ReportGroup> groups;
	std::map<std::pair<std::string, std::string>, size_t> index;
	for (const Report &r : reports) {
		auto key = std::make_pair(r.m_kind, r.m_site);
		auto it = index.find(key);
		if (it == index.end()) {
			index.emplace(key, groups.size());
			ReportGroup g;
			g.m_kind = r.m_kind;
			g.m_site = r.m_site;
			g.m_first = r;
			groups.push_back(std::move(g));
			it = index.find(key);
		}
		ReportGroup &g = groups[it->second];
		// A complete occurrence says more than a truncated one printed before it.
		if (g.m_count > 0 && g.m_first.m_truncated && !r.m_truncated)
			g.m_first = r;
		g.m_count++;
		if (r.m_truncated)
			g.m_truncated_count++;
	}
	std::stable_sort(groups.begin(), groups.end(), [](const ReportGroup &a, const ReportGroup &b) {
		int ra = kind_rank(a.m_kind), rb = kind_rank(b.m_kind);
		if (ra != rb)
			return ra < rb;
		if (a.m_kind != b.m_kind)
			return a.m_kind < b.m_kind;
		return a.m_count > b.m_count;
	});
	return groups;
}

} // namespace kmt_report
