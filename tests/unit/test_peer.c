/* test_peer: daemon/peer.c against real processes and a real AF_UNIX
 * socket: the peer's pid, uid, gid, pidfd, exe and unit as the kernel says;
 * a peer that has exited is refused (its pid cannot pass for anyone), and
 * the cgroup-to-unit rule (a user's own units never pass for system units). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"
#include "../tap.h"

static void unit_is(const char *cg, const char *want)
{
	char u[PEER_UNIT_MAX];
	int r = peer_cgroup_unit(cg, u, sizeof(u));
	tap_ok(r == 0 && strcmp(u, want) == 0, "unit of %s is \"%s\" (got \"%s\")", cg, want,
	       r == 0 ? u : "error");
}

int main(void)
{
	unit_is("/system.slice/nginx.service", "nginx.service");
	unit_is("/system.slice/nginx.service/worker", "nginx.service");
	unit_is("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service");
	unit_is("/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service",
		"user@1000.service");
	unit_is("/user.slice/user-1000.slice/session-3.scope", "session-3.scope");
	unit_is("/system.slice/run-r1234.scope", "run-r1234.scope");
	unit_is("/", "");
	unit_is("", "");
	unit_is("/lxc/box/nginx.service", "");
	unit_is("/init.scope", "init.scope");
	char tiny[4];
	TAP_IS_INT(peer_cgroup_unit("/a.service", tiny, sizeof(tiny)), -ENAMETOOLONG,
		   "a unit that does not fit");

	char dir[] = "/tmp/test_peer.XXXXXX", path[64];
	if (!mkdtemp(dir))
		return 99;
	snprintf(path, sizeof(path), "%s/s", dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4) < 0)
		return 99;
	int go[2];
	if (pipe(go) < 0)
		return 99;
	pid_t child = fork();
	if (child == 0) {
		char b;
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(1);
		close(go[1]);
		(void)!read(go[0], &b, 1);   /* until the parent says */
		_exit(0);
	}
	close(go[0]);
	int a = accept(l, NULL, NULL);
	struct peer_ident p;
	/* at accept: the pidfd the server keeps with the connection */
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int kept = -1;
	if (getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		return 99;
	TAP_IS_INT(peer_pidfd_take(a, cred.pid, cred.uid, &kept), 0, "a pidfd taken at accept");
	struct peer_ident viafd;
	int rf = peer_ident_from_pidfd(kept, cred.pid, cred.uid, cred.gid, &viafd);
	TAP_IS_INT(rf, 0, "identified through the pidfd taken at accept");
	if (rf == 0) {
		TAP_IS_INT(viafd.pid, child, "its pid");
		TAP_IS_INT(viafd.pidfd, -1, "the pidfd stays the server's");
		tap_ok(viafd.exe[0] == '/', "its executable (%s)", viafd.exe);
	}
	TAP_IS_INT(peer_ident_from_pidfd(kept, cred.pid + 1, cred.uid, cred.gid, &viafd),
		   -ESRCH, "a pidfd that is not the pid's: refused");
	TAP_IS_INT(peer_ident_from_pidfd(-1, cred.pid, cred.uid, cred.gid, &viafd), -ESRCH,
		   "no pidfd: refused");
	int r = peer_ident_from_socket(a, &p);
	TAP_IS_INT(r, 0, "the peer is identified");
	if (r == 0) {
		char exe[PEER_PATH_MAX], cg[PEER_PATH_MAX] = "", unit[PEER_UNIT_MAX] = "";
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		TAP_IS_INT(p.pid, child, "its pid");
		TAP_IS_INT(p.uid, geteuid(), "its uid");
		TAP_IS_INT(p.gid, getegid(), "its gid");
		tap_ok(p.pidfd >= 0, "a pidfd (%s)",
		       p.pidfd_from_kernel ? "SO_PEERPIDFD" : "pidfd_open after accept");
		tap_ok(p.start_time > 0, "its start time");
		TAP_IS_STR(p.exe, exe, "its executable");
		FILE *f = fopen("/proc/self/cgroup", "r");
		char line[PEER_PATH_MAX];
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "0::", 3) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(cg, sizeof(cg), "%s", line + 3);
			}
		if (f)
			fclose(f);
		peer_cgroup_unit(cg, unit, sizeof(unit));
		TAP_IS_STR(p.unit, unit, "its unit (the parent's: a forked child stays in it)");
		TAP_IS_INT(peer_ident_alive(&p), 0, "alive while it runs");
	}
	/* the identity kept with the connection (GetCredentials' path) */
	struct peer_cache *pc = NULL;
	const struct peer_ident *ci = NULL, *ci2 = NULL;
	TAP_IS_INT(peer_cache_ident(&pc, kept, cred.pid, cred.uid, cred.gid, &ci), 0,
		   "the identity read for the connection");
	if (ci && rf == 0) {
		TAP_IS_STR(ci->exe, viafd.exe, "its executable, as through the pidfd");
		TAP_IS_STR(ci->unit, viafd.unit, "its unit, as through the pidfd");
		TAP_IS_STR(ci->cgroup, viafd.cgroup, "its cgroup, as through the pidfd");
		TAP_IS_INT(ci->pidfd, -1, "the pidfd stays the server's");
	}
	TAP_IS_INT(peer_cache_ident(&pc, kept, cred.pid, cred.uid, cred.gid, &ci2), 0,
		   "asked again while it lives");
	tap_ok(ci2 && ci && strcmp(ci2->exe, ci->exe) == 0 && ci2->pid == child,
	       "the same identity");
	TAP_IS_INT(peer_cache_ident(&pc, -1, cred.pid, cred.uid, cred.gid, &ci2), -ESRCH,
		   "no pidfd: refused");
	/* the peer exits: its identity no longer holds, and a new look fails */
	close(go[1]);
	int st;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT);   /* exited, not reaped */
	TAP_IS_INT(peer_cache_ident(&pc, kept, cred.pid, cred.uid, cred.gid, &ci2), -ESRCH,
		   "the kept identity: refused once the process has exited (a zombie still)");
	waitpid(child, &st, 0);
	TAP_IS_INT(peer_cache_ident(&pc, kept, cred.pid, cred.uid, cred.gid, &ci2), -ESRCH,
		   "and once it is reaped");
	peer_cache_free(pc);
	peer_cache_free(NULL);
	TAP_IS_INT(r == 0 ? peer_ident_alive(&p) : -ESRCH, -ESRCH,
		   "a peer that has exited is no longer alive");
	TAP_IS_INT(peer_ident_from_pidfd(kept, cred.pid, cred.uid, cred.gid, &viafd), -ESRCH,
		   "through the pidfd taken at accept: the process that connected is gone");
	close(kept);
	struct peer_ident q;
	r = peer_ident_from_socket(a, &q);
	tap_ok(r < 0, "a connection whose process is gone is refused (%d)", r);
	if (r == 0)
		peer_ident_close(&q);
	peer_ident_close(&p);
	peer_ident_close(&p);   /* twice is fine */
	close(a);
	close(l);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
