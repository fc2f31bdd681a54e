/* keyd_sandbox: what keyd gives up once its keys are loaded (keyd.h): core
 * dumps and ptrace by its own uid (PR_SET_DUMPABLE 0), and every syscall
 * outside a short allowlist (libseccomp, SCMP_ACT_KILL_PROCESS). Sanitizer
 * builds make syscalls of their own, so the filter is left out there
 * (decided at build time; keyd says so in its log). */
#include "config.h"

#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "keyd.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KEYD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define KEYD_SANITIZED 1
#endif
#endif

bool keyd_sandbox_seccomp_available(void)
{
#ifdef KEYD_SANITIZED
	return false;
#else
	return true;
#endif
}

int keyd_sandbox_nodump(void)
{
	struct rlimit rl = { 0, 0 };
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	(void)setrlimit(RLIMIT_CORE, &rl);   /* belt and braces (a unit may forbid it) */
	return 0;
}

#ifndef KEYD_SANITIZED
/* What the loop, malloc, libsodium and stdio need once keyd serves. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(close),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(accept4), SCMP_SYS(getsockopt), SCMP_SYS(sendto), SCMP_SYS(sendmsg),
	SCMP_SYS(recvfrom), SCMP_SYS(getrandom), SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(brk), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mlock), SCMP_SYS(munlock),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(restart_syscall),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(futex), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(lseek),
};
#endif

int keyd_sandbox_seccomp(int dir_fd)
{
#ifdef KEYD_SANITIZED
	(void)dir_fd;
	return -EOPNOTSUPP;
#else
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = ctx ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* memory, never executable */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* at exit: the socket and pid file, in the runtime directory only */
	if (r == 0 && dir_fd >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 1,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)dir_fd));
	if (r == 0)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	return r;
#endif
}
