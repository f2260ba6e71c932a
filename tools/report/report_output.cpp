#include "report_output.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "json_writer.h"

namespace kmt_report {

namespace {

struct KindTotal {
	std::string m_kind;
	size_t m_sites = 0;
	size_t m_reports = 0;
};

// Every known kind (so that a clean run shows explicit zeros), then any newer kind seen.
std::vector<KindTotal> totals_by_kind(const std::vector<ReportGroup> &groups)
{
	std::vector<KindTotal> totals;
	for (const std::string &kind : known_kinds())
		totals.push_back(KindTotal{ kind, 0, 0 });
	for (const ReportGroup &g : groups) {
		auto it = std::find_if(totals.begin(), totals.end(),
				       [&](const KindTotal &t) { return t.m_kind == g.m_kind; });
		if (it == totals.end()) {
			totals.push_back(KindTotal{ g.m_kind, 0, 0 });
			it = totals.end() - 1;
		}
		it->m_sites++;
		it->m_reports += g.m_count;
	}
	return totals;
}

std::string source_text(const std::optional<SourceLocation> &src)
{
	if (!src)
		return "-";
	return src->m_file + ":" + std::to_string(src->m_line);
}

// The site without its "[module]" part, which the table shows in a column of its own.
std::string site_without_module(const ReportGroup &g)
{
	const Frame &f = g.m_first.m_site_frame;
	if (f.m_function.empty())
		return g.m_site.empty() ? "-" : g.m_site;
	char buf[64];
	std::snprintf(buf, sizeof(buf), "+0x%llx/0x%llx", static_cast<unsigned long long>(f.m_offset),
		      static_cast<unsigned long long>(f.m_size));
	return f.m_function + buf;
}

std::string right_trim(std::string s)
{
	while (!s.empty() && s.back() == ' ')
		s.pop_back();
	return s;
}

void write_frames(JsonWriter &w, const std::vector<Frame> &frames);

void write_source(JsonWriter &w, const std::optional<SourceLocation> &src)
{
	w.begin_object();
	w.key("file");
	w.value(src->m_file);
	w.key("line");
	w.value(static_cast<unsigned long long>(src->m_line));
	if (!src->m_function.empty()) {
		w.key("function");
		w.value(src->m_function);
	}
	w.end_object();
}

void write_frame(JsonWriter &w, const Frame &f)
{
	w.begin_object();
	w.key("frame");
	w.value(f.m_text);
	w.key("function");
	if (f.m_function.empty())
		w.null();
	else
		w.value(f.m_function);
	if (!f.m_function.empty()) {
		w.key("offset");
		w.value(static_cast<unsigned long long>(f.m_offset));
		w.key("size");
		w.value(static_cast<unsigned long long>(f.m_size));
	}
	w.key("module");
	if (f.m_module.empty())
		w.null();
	else
		w.value(f.m_module);
	if (f.m_unreliable) {
		w.key("unreliable");
		w.value(true);
	}
	if (f.m_source) {
		w.key("source");
		write_source(w, f.m_source);
	}
	w.end_object();
}

void write_frames(JsonWriter &w, const std::vector<Frame> &frames)
{
	w.begin_array();
	for (const Frame &f : frames)
		write_frame(w, f);
	w.end_array();
}

template <typename T> void write_optional_number(JsonWriter &w, const char *name, const std::optional<T> &v)
{
	w.key(name);
	if (!v)
		w.null();
	else if constexpr (std::is_signed_v<T>)
		w.value(static_cast<long long>(*v));
	else
		w.value(static_cast<unsigned long long>(*v));
}

void write_optional_string(JsonWriter &w, const char *name, const std::optional<std::string> &v)
{
	w.key(name);
	if (v)
		w.value(*v);
	else
		w.null();
}

} // namespace

std::string render_table(const Summary &summary)
{
	std::string out;
	const auto &groups = summary.m_groups;
	if (groups.empty()) {
		out += "No kmemtrap reports found.\n";
	} else {
		std::vector<std::vector<std::string>> rows;
		std::vector<std::string> header = { "KIND", "COUNT", "SITE", "MODULE", "TASK", "SIZE", "OFFSET" };
		if (summary.m_symbolized)
			header.push_back("SOURCE");
		rows.push_back(header);
		for (const ReportGroup &g : groups) {
			const Report &r = g.m_first;
			std::vector<std::string> row;
			row.push_back(g.m_kind);
			row.push_back(std::to_string(g.m_count));
			row.push_back(site_without_module(g));
			const Frame &f = r.m_site_frame;
			row.push_back(f.m_module.empty() ? "-" : "[" + f.m_module + "]");
			row.push_back(r.m_task && r.m_pid ? *r.m_task + "/" + std::to_string(*r.m_pid) : "-");
			row.push_back(r.m_access_size ? std::to_string(*r.m_access_size) : "-");
			row.push_back(r.m_bad_offset ? "+" + std::to_string(*r.m_bad_offset) : "-");
			if (summary.m_symbolized)
				row.push_back(source_text(f.m_source));
			rows.push_back(row);
		}
		std::vector<size_t> widths(header.size(), 0);
		for (const auto &row : rows)
			for (size_t i = 0; i < row.size(); i++)
				widths[i] = std::max(widths[i], row[i].size());
		for (size_t n = 0; n < rows.size(); n++) {
			std::string line;
			for (size_t i = 0; i < rows[n].size(); i++) {
				const std::string &cell = rows[n][i];
				// Numbers are right-aligned so that counts line up by digit.
				bool numeric = i == 1 || i == 5;
				if (numeric)
					line.append(widths[i] - cell.size(), ' ');
				line += cell;
				if (!numeric)
					line.append(widths[i] - cell.size(), ' ');
				line += "  ";
			}
			if (n > 0) {
				const ReportGroup &g = groups[n - 1];
				if (g.m_truncated_count == g.m_count)
					line += "(truncated)";
				else if (g.m_truncated_count > 0)
					line += "(" + std::to_string(g.m_truncated_count) + " truncated)";
			}
			out += right_trim(line) + "\n";
		}
	}

	out += "\nTotals:\n";
	size_t all_sites = 0, all_reports = 0;
	auto totals = totals_by_kind(groups);
	size_t kind_width = 5;
	for (const KindTotal &t : totals)
		kind_width = std::max(kind_width, t.m_kind.size());
	auto total_line = [&](const std::string &kind, size_t reports, size_t sites) {
		std::string line = "  " + kind + ":";
		line.append(kind_width + 1 - kind.size(), ' ');
		std::string n = std::to_string(reports);
		line.append(n.size() < 5 ? 5 - n.size() : 0, ' ');
		line += n + (reports == 1 ? " report  " : " reports ") + "at " + std::to_string(sites) +
			(sites == 1 ? " site" : " sites");
		out += line + "\n";
	};
	for (const KindTotal &t : totals) {
		total_line(t.m_kind, t.m_reports, t.m_sites);
		all_sites += t.m_sites;
		all_reports += t.m_reports;
	}
	total_line("total", all_reports, all_sites);

	if (summary.m_counters) {
		out += "\nUnload counters (last \"kmemtrap: unloaded:\" line, input line " +
		       std::to_string(summary.m_counters->m_line) + "):\n";
		size_t label_width = 0;
		for (const std::string &label : summary.m_counters->m_labels)
			label_width = std::max(label_width, label.size());
		for (size_t i = 0; i < summary.m_counters->m_values.size(); i++) {
			const std::string &label = summary.m_counters->m_labels[i];
			std::string line = "  " + label + ":";
			line.append(label_width + 1 - label.size(), ' ');
			out += line + std::to_string(summary.m_counters->m_values[i].second) + "\n";
		}
	}
	return out;
}

std::string render_json(const Summary &summary)
{
	JsonWriter w;
	w.begin_object();
	w.key("reports");
	w.begin_array();
	for (const ReportGroup &g : summary.m_groups) {
		const Report &r = g.m_first;
		const Frame &f = r.m_site_frame;
		w.begin_object();
		w.key("kind");
		w.value(g.m_kind);
		w.key("site");
		w.value(g.m_site);
		w.key("function");
		if (f.m_function.empty())
			w.null();
		else
			w.value(f.m_function);
		w.key("offset");
		if (f.m_function.empty())
			w.null();
		else
			w.value(static_cast<unsigned long long>(f.m_offset));
		w.key("size");
		if (f.m_function.empty())
			w.null();
		else
			w.value(static_cast<unsigned long long>(f.m_size));
		w.key("module");
		if (f.m_module.empty())
			w.null();
		else
			w.value(f.m_module);
		w.key("count");
		w.value(static_cast<unsigned long long>(g.m_count));
		write_optional_string(w, "task", r.m_task);
		write_optional_number(w, "pid", r.m_pid);
		write_optional_number(w, "cpu", r.m_cpu);
		write_optional_number(w, "access_size", r.m_access_size);
		write_optional_string(w, "addr", r.m_addr);
		write_optional_string(w, "bad_addr", r.m_bad_addr);
		write_optional_number(w, "bad_offset", r.m_bad_offset);
		write_optional_string(w, "bad_state", r.m_bad_state);
		write_optional_string(w, "user_addr", r.m_user_addr);
		write_optional_string(w, "shadow_addr", r.m_shadow_addr);
		write_optional_string(w, "shadow", r.m_shadow);
		write_optional_number(w, "shadow_caret", r.m_shadow_caret);
		write_optional_string(w, "object", r.m_object);
		w.key("call_trace");
		write_frames(w, r.m_call_trace);
		write_optional_string(w, "allocated_task", r.m_allocated_task);
		write_optional_number(w, "allocated_pid", r.m_allocated_pid);
		w.key("allocated_by");
		write_frames(w, r.m_allocated_by);
		write_optional_string(w, "freed_task", r.m_freed_task);
		write_optional_number(w, "freed_pid", r.m_freed_pid);
		w.key("freed_by");
		write_frames(w, r.m_freed_by);
		w.key("truncated");
		w.value(r.m_truncated);
		w.key("truncated_count");
		w.value(static_cast<unsigned long long>(g.m_truncated_count));
		w.key("first_line");
		w.value(static_cast<unsigned long long>(r.m_line));
		if (f.m_source) {
			w.key("source");
			write_source(w, f.m_source);
		}
		w.end_object();
	}
	w.end_array();

	w.key("totals");
	w.begin_object();
	for (const KindTotal &t : totals_by_kind(summary.m_groups)) {
		w.key(t.m_kind);
		w.begin_object();
		w.key("reports");
		w.value(static_cast<unsigned long long>(t.m_reports));
		w.key("sites");
		w.value(static_cast<unsigned long long>(t.m_sites));
		w.end_object();
	}
	w.end_object();

	w.key("counters");
	if (!summary.m_counters) {
		w.null();
	} else {
		w.begin_object();
		for (const auto &kv : summary.m_counters->m_values) {
			w.key(kv.first);
			w.value(kv.second);
		}
		w.end_object();
	}
	w.end_object();
	return w.str();
}

} // namespace kmt_report
