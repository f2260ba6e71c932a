// The two output formats of kmemtrap-report: a summary table for people and JSON for scripts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report_parse.h"

namespace kmt_report {

struct Summary {
	std::vector<ReportGroup> m_groups;
	std::optional<UnloadCounters> m_counters;
	bool m_symbolized = false; // --module was given: the table gets a SOURCE column
};

std::string render_table(const Summary &summary);
std::string render_json(const Summary &summary);

} // namespace kmt_report
