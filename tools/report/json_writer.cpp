#include "json_writer.h"

#include <cstdio>

namespace kmt_report {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are rejected, as RFC 3629 requires).
size_t utf8_sequence_length(std::string_view s, size_t i)
{
	auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
	unsigned char c = byte(i);
	size_t n;
	unsigned long cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (i + n > s.size())
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((byte(i + k) & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (byte(i + k) & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

} // namespace

std::string json_quote(std::string_view s)
{
	std::string out = "\"";
	for (size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		switch (c) {
		case '"': out += "\\\""; i++; continue;
		case '\\': out += "\\\\"; i++; continue;
		case '\b': out += "\\b"; i++; continue;
		case '\f': out += "\\f"; i++; continue;
		case '\n': out += "\\n"; i++; continue;
		case '\r': out += "\\r"; i++; continue;
		case '\t': out += "\\t"; i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\u%04x", c);
			out += buf;
			i++;
			continue;
		}
		size_t n = utf8_sequence_length(s, i);
		if (n == 0) {
			out += "\\ufffd";
			i++;
			continue;
		}
		out.append(s.substr(i, n));
		i += n;
	}
	out += '"';
	return out;
}

void JsonWriter::newline_and_indent(size_t depth)
{
	m_out += '\n';
	m_out.append(depth * 2, ' ');
}

void JsonWriter::before_value()
{
	if (m_after_key) {
		m_after_key = false;
		return;
	}
	if (m_stack.empty())
		return;
	Level &level = m_stack.back();
	if (level.m_items++ > 0)
		m_out += ',';
	newline_and_indent(m_stack.size());
}

void JsonWriter::begin_object()
{
	before_value();
	m_out += '{';
	m_stack.push_back(Level{ true, 0 });
}

void JsonWriter::end_object()
{
	size_t items = m_stack.back().m_items;
	m_stack.pop_back();
	if (items > 0)
		newline_and_indent(m_stack.size());
	m_out += '}';
	if (m_stack.empty())
		m_out += '\n';
}

void JsonWriter::begin_array()
{
	before_value();
	m_out += '[';
	m_stack.push_back(Level{ false, 0 });
}

void JsonWriter::end_array()
{
	size_t items = m_stack.back().m_items;
	m_stack.pop_back();
	if (items > 0)
		newline_and_indent(m_stack.size());
	m_out += ']';
	if (m_stack.empty())
		m_out += '\n';
}

void JsonWriter::key(std::string_view name)
{
	before_value();
	m_out += json_quote(name);
	m_out += ": ";
	m_after_key = true;
}

void JsonWriter::value(std::string_view s)
{
	before_value();
	m_out += json_quote(s);
}

void JsonWriter::value(long long v)
{
	before_value();
	m_out += std::to_string(v);
}

void JsonWriter::value(unsigned long long v)
{
	before_value();
	m_out += std::to_string(v);
}

void JsonWriter::value(bool v)
{
	before_value();
	m_out += v ? "true" : "false";
}

void JsonWriter::null()
{
	before_value();
	m_out += "null";
}

} // namespace kmt_report
