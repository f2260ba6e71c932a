// SPDX-License-Identifier: GPL-2.0
//
// slots.cpp - the stack slot table behind kmt_slots.h. Freestanding C++17, no allocation.

#include "kmt_slots.h"

namespace {

// The bytes of @s that lie in [addr, addr + size), as a mask of @s's bytes.
uint8_t overlap(const kmt_stack_slot &s, uint64_t addr, uint64_t size)
{
	uint8_t m = 0;
	for (unsigned i = 0; i < s.size; i++) {
		const uint64_t a = s.addr + i;
		if (a >= addr && a - addr < size)
			m = static_cast<uint8_t>(m | (1u << i));
	}
	return m;
}

inline uint8_t byte_of(uint64_t v, unsigned i)
{
	return static_cast<uint8_t>(v >> (8 * i));
}

} // namespace

extern "C" {

void kmt_slots_store(struct kmt_stack_slots *t, uint64_t task, uint64_t addr, uint32_t size, uint64_t shadow,
		     const struct kmt_origin *origin, uint32_t window)
{
	if (!t || !task || size == 0 || size > 8)
		return;
	for (kmt_stack_slot &s : t->slot) {
		if (s.task != task)
			continue;
		const uint8_t o = overlap(s, addr, size);
		if (!o)
			continue;
		s.uninit = static_cast<uint8_t>(s.uninit & ~o);
		if (!s.uninit) {
			if (!s.settled && t->pending)
				t->pending--;
			s = kmt_stack_slot{};
		}
	}
	uint8_t uninit = 0;
	for (unsigned i = 0; i < size; i++)
		if (byte_of(shadow, i))
			uninit = static_cast<uint8_t>(uninit | (1u << i));
	if (!uninit)
		return;
	kmt_stack_slot &s = t->slot[t->next % KMT_STACK_SLOTS];
	t->next = (t->next + 1) % KMT_STACK_SLOTS;
	if (s.task) {
		t->dropped++;
		if (!s.settled && t->pending)
			t->pending--;
	}
	s = kmt_stack_slot{};
	s.task = task;
	s.addr = addr;
	s.size = static_cast<uint8_t>(size);
	s.uninit = uninit;
	s.origin = origin ? *origin : kmt_origin{};
	s.window = window;
	t->pending++;
	t->stored++;
}

void kmt_slots_settle(struct kmt_stack_slots *t, kmt_slots_read_fn read, void *ctx)
{
	if (!t || !t->pending)
		return;
	for (kmt_stack_slot &s : t->slot) {
		if (!s.task || s.settled)
			continue;
		uint64_t v = 0;
		if (!read || read(ctx, s.addr, &v, s.size) != 0) {
			s = kmt_stack_slot{};
			continue;
		}
		s.value = v;
		s.settled = 1;
	}
	t->pending = 0;
}

uint64_t kmt_slots_load(struct kmt_stack_slots *t, uint64_t task, uint32_t window, uint64_t addr, uint32_t size,
			uint64_t value, struct kmt_origin *origin)
{
	uint64_t shadow = 0;
	if (!t || !task || size == 0 || size > 8)
		return 0;
	for (unsigned i = 0; i < size; i++) {
		const uint64_t a = addr + i;
		for (const kmt_stack_slot &s : t->slot) {
			if (s.task != task || !s.settled || a < s.addr || a - s.addr >= s.size ||
			    (window && s.window != window))
				continue;
			const unsigned j = static_cast<unsigned>(a - s.addr);
			if (!(s.uninit & (1u << j)) || byte_of(s.value, j) != byte_of(value, i))
				continue;
			if (!shadow && origin)
				*origin = s.origin;
			shadow |= 0xffull << (8 * i);
			break;
		}
	}
	if (shadow)
		t->reloaded++;
	return shadow;
}

uint32_t kmt_slots_new_window(struct kmt_stack_slots *t)
{
	if (!t)
		return 0;
	if (++t->window_seq == 0)
		t->window_seq = 1;
	return t->window_seq;
}

uint32_t kmt_slots_live(struct kmt_stack_slots *t, uint64_t task, uint64_t sp, uint32_t window)
{
	uint32_t n = 0;
	if (!t || !task)
		return 0;
	for (kmt_stack_slot &s : t->slot) {
		if (s.task != task)
			continue;
		if (s.addr + s.size <= sp) {
			if (!s.settled && t->pending)
				t->pending--;
			s = kmt_stack_slot{};
			continue;
		}
		if (!window || s.window == window)
			n++;
	}
	return n;
}

void kmt_slots_forget(struct kmt_stack_slots *t, uint64_t task)
{
	if (!t)
		return;
	for (kmt_stack_slot &s : t->slot)
		if (!task || s.task == task)
			s = kmt_stack_slot{};
	t->pending = 0;
	for (const kmt_stack_slot &s : t->slot)
		if (s.task && !s.settled)
			t->pending++;
}

} // extern "C"
