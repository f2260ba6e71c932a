// kmemtrap-emudiff: the emulator against the CPU. For random instructions of every form in
// forms.cpp, with random registers, flags and memory, kmt_emulate() on a copy of the arena must
// end exactly where the CPU does: the 16 GPRs, RIP, the flags the SDM defines, and every byte
// of the arena. Also injects memory faults (nothing may change) and racing stores before a
// compare-exchange (the loop must retry and end like the CPU on the raced value).
//
//   kmemtrap-emudiff [--cases N] [--seconds S] [--seed X] [--forms]
//
// --cases N: exactly N cases (deterministic for a seed); --seconds S: as many as fit in S
// seconds (at least one per form); --forms prints the cases per form and op.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "runner.h"

int main(int argc, char **argv)
{
	uint64_t cases = 0;
	double seconds = 0;
	uint64_t seed = 0x656d756c61746521ull; // "emulate!"
	bool by_form = false;
	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--cases") && i + 1 < argc)
			cases = std::strtoull(argv[++i], nullptr, 0);
		else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = std::atof(argv[++i]);
		else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = std::strtoull(argv[++i], nullptr, 0);
		else if (!std::strcmp(argv[i], "--forms"))
			by_form = true;
		else {
			std::fprintf(stderr, "usage: %s [--cases N] [--seconds S] [--seed X] [--forms]\n", argv[0]);
			return 2;
		}
	}
	if (!cases && !seconds)
		cases = 100000;
	emu::Runner runner(seed);
	const auto &forms = emu::forms();
	const auto t0 = std::chrono::steady_clock::now();
	const auto deadline = t0 + std::chrono::duration<double>(seconds);
	uint64_t n = 0;
	for (;; n++) {
		if (cases ? n >= cases
			  : (n >= forms.size() && (n & 1023) == 0 && std::chrono::steady_clock::now() >= deadline))
			break;
		// Every form in turn first, then at random.
		const emu::Form &f = n < forms.size() ? forms[n] : forms[runner.rng().below(forms.size())];
		runner.run_form(f);
	}
	const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	const emu::Stats &s = runner.stats();
	std::printf("emudiff: seed 0x%llx, %.1f s, %llu cases (%llu instructions generated: %llu not "
		    "decodable, %llu not aimable)\n",
		    (unsigned long long)seed, secs, (unsigned long long)n, (unsigned long long)s.m_generated,
		    (unsigned long long)s.m_not_decoded, (unsigned long long)s.m_unsolved);
	std::printf("emudiff: %llu compared with the CPU (%.0f/s), %llu exceptions both raise (#DE, "
		    "#GP), %llu declined by rule, %llu injected faults, %llu compare-exchange races, %llu "
		    "native runs that disagreed once and agreed when run again\n",
		    (unsigned long long)s.m_compared, s.m_compared / secs,
		    (unsigned long long)s.m_expected_exception, (unsigned long long)s.m_unsupported_by_rule,
		    (unsigned long long)s.m_fault_injected, (unsigned long long)s.m_races,
		    (unsigned long long)s.m_native_retried);
	if (!s.m_retry_text.empty())
		std::printf("emudiff: the first native run that did not repeat: %s\n", s.m_retry_text.c_str());
	std::printf("emudiff: %zu of %zu forms and %zu ops compared; undefined flags differed from the "
		    "CPU in %llu cases; %llu direct moves agreed with kmt_emulate()\n",
		    s.m_by_form.size(), forms.size(), s.m_by_op.size(), (unsigned long long)s.m_undefined_differ,
		    (unsigned long long)s.m_direct_compared);
	if (by_form) {
		for (const auto &kv : s.m_by_form)
			std::printf("  form %-28s %10llu\n", kv.first.c_str(), (unsigned long long)kv.second);
		for (const auto &kv : s.m_by_op) {
			auto u = s.m_undef_by_op.find(kv.first);
			std::printf("  op %-14s %10llu  undefined flags differ %llu\n", kv.first.c_str(),
				    (unsigned long long)kv.second,
				    (unsigned long long)(u == s.m_undef_by_op.end() ? 0 : u->second));
		}
	}
	for (const std::string &t : s.m_failure_text)
		std::printf("FAILURE %s\n", t.c_str());
	if (s.m_failures || s.m_by_form.size() != forms.size() || !s.m_direct_compared) {
		std::printf("emudiff: FAIL (%llu failures, %zu forms never compared)\n",
			    (unsigned long long)s.m_failures, forms.size() - s.m_by_form.size());
		return 1;
	}
	std::printf("emudiff: PASS\n");
	return 0;
}
