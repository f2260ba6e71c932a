// kmt-tbcount.so - a QEMU TCG plugin that counts the guest kernel's executed translation blocks
// and instructions per block start address, between markers the guest executes.
//
// The marker is the instruction `movabs $0x31464f5250544d4b,%rax` ("KMTPROF1"), which
// kmt_bench.ko runs just before and just after each measurement (kb_profile_mark()). Every time
// it runs, the plugin appends to its output file a section "mark <n>" followed by one line per
// kernel block that ran since the previous mark: "<start address hex> <instructions> <runs>".
// tools/kmt-profile gives it the file (argument out=PATH) and reads it with kmemtrap-profile.
//
// Counts are exact per block (an inline add per block entry); a block left early by an exception
// (the faulting load itself) counts its instructions as if it ran to its end. REP string
// instructions run one block per element under TCG, so they count as many runs of one
// instruction.
//
// QEMU's plugin API is declared here (QEMU does not install its header on Debian): version 1, as
// QEMU 7.2 (Debian 12) has it; a QEMU that does not speak it refuses to load the plugin, with a
// message naming the versions.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

extern "C" {
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
					      uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) extern const int qemu_plugin_version;
__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
							       int argc, char **argv);
}

const int qemu_plugin_version = 1;

namespace {

// The marker: 48 b8 followed by "KMTPROF1".
const uint8_t k_marker[10] = {0x48, 0xb8, 'K', 'M', 'T', 'P', 'R', 'O', 'F', '1'};
constexpr uint64_t k_kernel_half = 0xffff800000000000ull;

struct Block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t runs;      // updated by the guest's inline add
	uint64_t last_runs; // at the previous mark
};

std::mutex g_lock;
std::vector<Block *> g_blocks; // never freed: the inline adds point into them
FILE *g_out;
unsigned g_marks;

void on_mark(unsigned int, void *)
{
	std::lock_guard<std::mutex> guard(g_lock);
	if (!g_out)
		return;
	std::fprintf(g_out, "mark %u\n", g_marks++);
	for (Block *b : g_blocks) {
		const uint64_t runs = __atomic_load_n(&b->runs, __ATOMIC_RELAXED);
		if (runs != b->last_runs)
			std::fprintf(g_out, "%llx %llu %llu\n", static_cast<unsigned long long>(b->vaddr),
				     static_cast<unsigned long long>(b->insns),
				     static_cast<unsigned long long>(runs - b->last_runs));
		b->last_runs = runs;
	}
	std::fflush(g_out);
}

void on_translate(qemu_plugin_id_t, struct qemu_plugin_tb *tb)
{
	const uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	if (vaddr < k_kernel_half)
		return;
	auto *b = new Block{vaddr, qemu_plugin_tb_n_insns(tb), 0, 0};
	{
		std::lock_guard<std::mutex> guard(g_lock);
		g_blocks.push_back(b);
	}
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
	for (size_t i = 0; i < b->insns; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		if (qemu_plugin_insn_size(insn) == sizeof(k_marker) &&
		    std::memcmp(qemu_plugin_insn_data(insn), k_marker, sizeof(k_marker)) == 0)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, nullptr);
	}
}

void on_exit(qemu_plugin_id_t, void *)
{
	std::lock_guard<std::mutex> guard(g_lock);
	if (g_out)
		std::fclose(g_out);
	g_out = nullptr;
}

} // namespace

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *, int argc, char **argv)
{
	const char *out = nullptr;
	for (int i = 0; i < argc; i++)
		if (std::strncmp(argv[i], "out=", 4) == 0)
			out = argv[i] + 4;
	if (!out) {
		std::fprintf(stderr, "kmt-tbcount: no out=PATH argument\n");
		return -1;
	}
	g_out = std::fopen(out, "w");
	if (!g_out) {
		std::fprintf(stderr, "kmt-tbcount: cannot write %s\n", out);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit, nullptr);
	return 0;
}
