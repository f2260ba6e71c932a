// A small pretty-printing JSON writer: enough for kmemtrap-report's output, with correct string
// escaping (kernel logs from a serial console may hold control bytes and broken UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kmt_report {

class JsonWriter {
public:
	void begin_object();
	void end_object();
	void begin_array();
	void end_array();
	// Names the next value inside an object.
	void key(std::string_view name);
	void value(std::string_view s);
	void value(const char *s) { value(std::string_view(s)); }
	void value(long long v);
	void value(unsigned long long v);
	void value(bool v);
	void null();

	// The document so far, with a final newline once the top-level value is closed.
	const std::string &str() const { return m_out; }

private:
	struct Level {
		bool m_is_object = false;
		size_t m_items = 0;
	};

	// Emits the separator and indentation due before a new value (or key).
	void before_value();
	void newline_and_indent(size_t depth);

	std::string m_out;
	std::vector<Level> m_stack;
	bool m_after_key = false;
};

// The JSON string literal for s, quotes included. Control characters are escaped, and bytes that
// are not valid UTF-8 become U+FFFD so that the output is always valid JSON text.
std::string json_quote(std::string_view s);

} // namespace kmt_report
