/*
 * test-filter.c: the golden table of the worker's seccomp filter (role:
 * tests).
 *
 * sandbox_filter_export() gives the exact BPF program that sandbox_enter()
 * loads.  A small classic-BPF interpreter runs it against every syscall
 * number of the x86_64 ABI, the x32 ABI (nr | 0x40000000) and the i386
 * ABI (AUDIT_ARCH_I386, as int 0x80 reports it), and against a foreign
 * architecture.  Every number that is not simply denied becomes a line
 *	ABI NR NAME VERDICT		(VERDICT: allow, args, errno-N)
 * where "args" means the filter looked at the arguments.  The lines must
 * equal tests/sandbox/filter-golden.txt, which is reviewed like code: a
 * change to the allowlist that does not change the golden file fails here.
 *
 *	test-filter --print	prints the table, to regenerate the file.
 *
 * Lines ending in " asan" are expected only in sanitizer builds (see
 * SAFELOAD_ASAN in common/asan.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <seccomp.h>

#include "asan.h"
#include "sandbox.h"
#include "tap.h"

#define NR_SPAN		1024u		/* numbers tried per ABI */
#define X32_BIT		0x40000000u
#define PROG_MAX	BPF_MAXINSNS
#define LINE_MAX_LEN	128
#define LINES_MAX	512
#define ARGS_OFF	offsetof(struct seccomp_data, args)


static struct sock_filter prog[PROG_MAX];
static size_t prog_len;

struct eval {
	uint32_t	ret;		/* SECCOMP_RET_* | data */
	int		read_args;	/* the program loaded an argument */
	int		bad;		/* an opcode we do not know */
};

/* Load a 32-bit word of seccomp_data at byte offset k. */
static int
bpf_load(const struct seccomp_data *d, uint32_t k, uint32_t *ret)
{
	if (k % 4 != 0 || k + 4 > sizeof(*d))
		return -1;
	memcpy(ret, (const uint8_t *)d + k, 4);
	return 0;
}

static uint32_t
bpf_alu(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_ADD: return a + v;
	case BPF_SUB: return a - v;
	case BPF_MUL: return a * v;
	case BPF_DIV: return v ? a / v : 0;
	case BPF_OR: return a | v;
	case BPF_AND: return a & v;
	case BPF_LSH: return v < 32 ? a << v : 0;
	case BPF_RSH: return v < 32 ? a >> v : 0;
	case BPF_NEG: return -a;
	case BPF_MOD: return v ? a % v : 0;
	case BPF_XOR: return a ^ v;
	default: return a;
	}
}

static int
bpf_jump(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ: return a == v;
	case BPF_JGT: return a > v;
	case BPF_JGE: return a >= v;
	case BPF_JSET: return (a & v) != 0;
	default: return -1;
	}
}

/* One instruction; returns the next pc, or -1 when it returned. */
static long
bpf_step(const struct seccomp_data *d, size_t pc, uint32_t reg[2],
    uint32_t mem[BPF_MEMWORDS], struct eval *e)
{
	const struct sock_filter *f = &prog[pc];
	uint32_t src = BPF_SRC(f->code) == BPF_X ? reg[1] : f->k;
	int j;

	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		if (BPF_MODE(f->code) == BPF_ABS) {
			e->read_args |= f->k >= ARGS_OFF;
			if (bpf_load(d, f->k, &reg[0]) < 0)
				break;
		} else if (BPF_MODE(f->code) == BPF_IMM)
			reg[0] = f->k;
		else if (BPF_MODE(f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
			reg[0] = mem[f->k];
		else
			break;
		return (long)pc + 1;
	case BPF_LDX:
		if (BPF_MODE(f->code) == BPF_IMM)
			reg[1] = f->k;
		else if (BPF_MODE(f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
			reg[1] = mem[f->k];
		else
			break;
		return (long)pc + 1;
	case BPF_ST:
	case BPF_STX:
		if (f->k >= BPF_MEMWORDS)
			break;
		mem[f->k] = reg[BPF_CLASS(f->code) == BPF_STX];
		return (long)pc + 1;
	case BPF_ALU:
		reg[0] = bpf_alu(BPF_OP(f->code), reg[0], src);
		return (long)pc + 1;
	case BPF_JMP:
		if (BPF_OP(f->code) == BPF_JA)
			return (long)(pc + 1 + f->k);
		if ((j = bpf_jump(BPF_OP(f->code), reg[0], src)) < 0)
			break;
		return (long)(pc + 1 + (j ? f->jt : f->jf));
	case BPF_RET:
		e->ret = BPF_RVAL(f->code) == BPF_A ? reg[0] : f->k;
		return -1;
	case BPF_MISC:
		if (BPF_MISCOP(f->code) == BPF_TAX)
			reg[1] = reg[0];
		else
			reg[0] = reg[1];
		return (long)pc + 1;
	default:
		break;
	}
	e->bad = 1;
	return -1;
}

/* Run the program over d, as the kernel would. */
static struct eval
bpf_run(const struct seccomp_data *d)
{
	struct eval e = { .ret = SECCOMP_RET_KILL_PROCESS };
	uint32_t reg[2] = { 0, 0 }, mem[BPF_MEMWORDS];
	long pc = 0;

	memset(mem, 0, sizeof(mem));
	while (pc >= 0) {
		if ((size_t)pc >= prog_len) {
			e.bad = 1;
			break;
		}
		pc = bpf_step(d, (size_t)pc, reg, mem, &e);
	}
	return e;
}

/* A denial is any kill or trap: -Dseccomp_debug traps instead of kills. */
static int
is_denied(uint32_t ret)
{
	uint32_t act = ret & SECCOMP_RET_ACTION_FULL;

	return act == SECCOMP_RET_KILL_PROCESS ||
	    act == SECCOMP_RET_KILL_THREAD || act == SECCOMP_RET_TRAP;
}

static const struct abi {
	const char	*name;
	uint32_t	 audit_arch;
	uint32_t	 scmp_arch;
	uint32_t	 nr_bits;
} abis[] = {
	{ "x86_64", AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64, 0 },
	{ "x32", AUDIT_ARCH_X86_64, SCMP_ARCH_X32, X32_BIT },
	{ "i386", AUDIT_ARCH_I386, SCMP_ARCH_X86, 0 },
	{ "aarch64", AUDIT_ARCH_AARCH64, SCMP_ARCH_AARCH64, 0 },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char lines[LINES_MAX][LINE_MAX_LEN];
static size_t n_lines;
static int bad_opcode;
static unsigned denied[NELEM(abis)];

static void
add_line(const struct abi *a, uint32_t nr, const struct eval *e)
{
	char *name, verdict[24];

	if (e->read_args)
		(void)snprintf(verdict, sizeof(verdict), "args");
	else if ((e->ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW)
		(void)snprintf(verdict, sizeof(verdict), "allow");
	else if ((e->ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
		(void)snprintf(verdict, sizeof(verdict), "errno-%u",
		    e->ret & SECCOMP_RET_DATA);
	else
		(void)snprintf(verdict, sizeof(verdict), "action-%08x",
		    e->ret);
	name = seccomp_syscall_resolve_num_arch(a->scmp_arch, (int)nr);
	if (n_lines < LINES_MAX)
		(void)snprintf(lines[n_lines++], LINE_MAX_LEN, "%s %u %s %s",
		    a->name, nr, name != NULL ? name : "?", verdict);
	free(name);
}

/* Evaluate every number of every ABI; fill lines[] and denied[]. */
static void
evaluate(void)
{
	struct seccomp_data d;
	struct eval e;
	size_t i;
	uint32_t nr;

	for (i = 0; i < NELEM(abis); i++)
		for (nr = 0; nr < NR_SPAN; nr++) {
			memset(&d, 0, sizeof(d));
			d.arch = abis[i].audit_arch;
			d.nr = (int)(nr | abis[i].nr_bits);
			e = bpf_run(&d);
			bad_opcode |= e.bad;
			if (!e.read_args && is_denied(e.ret))
				denied[i]++;
			else
				add_line(&abis[i], nr, &e);
		}
}

static int
load_program(void)
{
	ssize_t n;
	int fd, r = -1;

	if ((fd = memfd_create("bpf", MFD_CLOEXEC)) < 0)
		return -1;
	if (sandbox_filter_export(fd) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	n = read(fd, prog, sizeof(prog));
	if (n <= 0 || (size_t)n % sizeof(prog[0]) != 0 ||
	    (size_t)n == sizeof(prog))
		goto out;
	prog_len = (size_t)n / sizeof(prog[0]);
	r = 0;
out:
	(void)close(fd);
	return r;
}

/* Is `want` (a golden line, tag stripped) in lines[]? */
static int
have_line(const char *want)
{
	size_t i;

	for (i = 0; i < n_lines; i++)
		if (strcmp(lines[i], want) == 0)
			return 1;
	return 0;
}

/* Compare the golden file with lines[]; each difference is one "not ok". */
static void
compare_golden(FILE *f)
{
	char buf[LINE_MAX_LEN], *tag;
	static char seen[LINES_MAX];
	size_t i, expected = 0;
	int drift = 0;

	while (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == '#' || buf[0] == '\0')
			continue;
		if ((tag = strstr(buf, " asan")) != NULL && tag[5] == '\0') {
			*tag = '\0';
			if (!SAFELOAD_ASAN)
				continue;
		}
		expected++;
		if (!have_line(buf)) {
			drift = 1;
			tap_diag("golden line missing from the filter: %s", buf);
		}
		for (i = 0; i < n_lines; i++)
			if (strcmp(lines[i], buf) == 0)
				seen[i] = 1;
	}
	for (i = 0; i < n_lines; i++)
		if (!seen[i]) {
			drift = 1;
			tap_diag("filter allows what the golden table does not: "
			    "%s", lines[i]);
		}
	ok(!drift && expected == n_lines, "filter equals the golden table "
	    "(%zu lines)", n_lines);
}

static FILE *
open_golden(void)
{
	const char *src = getenv("SAFELOAD_SOURCE_ROOT");
	char path[4096];

	if (src == NULL)
		src = ".";
	(void)snprintf(path, sizeof(path), "%s/tests/sandbox/filter-golden.txt",
	    src);
	return fopen(path, "re");
}

/* Nothing through x32, i386 or a foreign arch may be anything but denied. */
static void
check_foreign(void)
{
	size_t i;

	for (i = 1; i < NELEM(abis); i++)
		ok(denied[i] == NR_SPAN, "%s: all %u numbers denied",
		    abis[i].name, NR_SPAN);
	tap_diag("x86_64: %u of %u numbers denied outright", denied[0],
	    NR_SPAN);
}

/*
 * Argument rules, evaluated directly: the allowed values pass, and the
 * same values with a stray high word (the kernel may truncate to 32 bits,
 * CVE-2019-10063) or a forbidden bit are denied.
 */
static const struct {
	const char	*what;
	int		 nr;
	unsigned int	 argn;
	uint64_t	 val;
	int		 allow;
} arg_probes[] = {
	{ "mmap(PROT_READ|PROT_WRITE)", SCMP_SYS(mmap), 2, 3, 1 },
	{ "mmap(PROT_EXEC)", SCMP_SYS(mmap), 2, 4, 0 },
	{ "mprotect(PROT_READ)", SCMP_SYS(mprotect), 2, 1, 1 },
	{ "mprotect(PROT_READ|PROT_EXEC)", SCMP_SYS(mprotect), 2, 5, 0 },
	{ "fcntl(F_ADD_SEALS)", SCMP_SYS(fcntl), 1, 1033, 1 },
	{ "fcntl(F_ADD_SEALS | 1<<32)", SCMP_SYS(fcntl), 1,
	    1033 | (1ull << 32), 0 },
	{ "fcntl(F_DUPFD)", SCMP_SYS(fcntl), 1, 0, 0 },
	{ "memfd_create(CLOEXEC|ALLOW_SEALING)", SCMP_SYS(memfd_create), 1,
	    3, 1 },
	{ "memfd_create(... | MFD_EXEC)", SCMP_SYS(memfd_create), 1,
	    3 | 0x10, 0 },
	{ "clock_gettime(CLOCK_MONOTONIC)", SCMP_SYS(clock_gettime), 0, 1,
	    1 },
	{ "clock_gettime(CLOCK_MONOTONIC | 1<<32)", SCMP_SYS(clock_gettime),
	    0, 1 | (1ull << 32), 0 },
	{ "newfstatat(AT_EMPTY_PATH)", SCMP_SYS(newfstatat), 3, 0x1000, 1 },
	{ "newfstatat(0)", SCMP_SYS(newfstatat), 3, 0, 0 },
	{ "madvise(MADV_DONTNEED)", SCMP_SYS(madvise), 2, 4, 1 },
	{ "madvise(MADV_DONTFORK)", SCMP_SYS(madvise), 2, 10, 0 },
};

static void
check_args(void)
{
	struct seccomp_data d;
	struct eval e;
	size_t i;

	for (i = 0; i < NELEM(arg_probes); i++) {
		memset(&d, 0, sizeof(d));
		d.arch = AUDIT_ARCH_X86_64;
		d.nr = arg_probes[i].nr;
		d.args[arg_probes[i].argn] = arg_probes[i].val;
		e = bpf_run(&d);
		ok(!e.bad && is_denied(e.ret) != arg_probes[i].allow,
		    "%s %s", arg_probes[i].what,
		    arg_probes[i].allow ? "allowed" : "denied");
	}
}

int
main(int argc, char *argv[])
{
	FILE *f;
	size_t i;

	if (load_program() < 0)
		tap_skip_all("cannot export the filter: %s", strerror(errno));
	evaluate();
	if (argc > 1 && strcmp(argv[1], "--print") == 0) {
		for (i = 0; i < n_lines; i++)
			printf("%s\n", lines[i]);
		return bad_opcode;
	}
	ok(!bad_opcode, "interpreter knows every opcode of the %zu-insn "
	    "program", prog_len);
	check_foreign();
	check_args();
	if ((f = open_golden()) == NULL) {
		ok(0, "open tests/sandbox/filter-golden.txt: %s",
		    strerror(errno));
		return tap_done();
	}
	compare_golden(f);
	(void)fclose(f);
	return tap_done();
}
