/* peer_reuse: the processes of hostroles_reuse.sh (a connection whose
 * process is gone, and a pid that comes back as another process).
 *
 *   peer_reuse hold
 *       A process C connects to iamd ($IAMD_SOCKET, Hello done) and forks
 *       a holder H that inherits the connection; C exits and is reaped
 *       here, so its pid is free again. Prints "conn_pid C" and returns;
 *       H stays, reading stdin: on each line "get" it calls
 *       iamd:GetCredentials over C's connection and prints
 *       "arn ASSUMED-ROLE-ARN" or "error CODE MESSAGE"; at EOF it exits.
 *   peer_reuse hold asked
 *       The same, but C calls GetCredentials once itself before it forks
 *       H (iamd then keeps C's identity with the connection) and prints
 *       its answer first, as H does.
 *   peer_reuse stay
 *       Connects and stays, reading stdin: "get" asks GetCredentials over
 *       its one connection (printing as hold's H does), "move DIR" moves
 *       this process into cgroup DIR (prints "moved" or "error move
 *       ERRNO"); at EOF it exits.
 *   peer_reuse exec-ask PROG [ARG...]
 *       Connects, asks GetCredentials (printing as above), then execs
 *       PROG ARG... FD with its connection's descriptor FD kept open: the
 *       program it becomes holds the same connection.
 *   peer_reuse spawn-at PID CGROUP-DIR|- UID -- CMD [ARG...]
 *       Starts CMD as pid PID in this PID namespace (writes PID-1 to
 *       /proc/sys/kernel/ns_last_pid and forks; retries when another fork
 *       came in between), moved into cgroup CGROUP-DIR first ("-": stays),
 *       running as uid and gid UID. Prints "spawned PID" once it runs there
 *       (exit 0, CMD keeps running), or exits 1 saying why. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iam.h"

/* The value of the first "Arn" member of a JSON text (AssumedRoleUser's). */
static void print_arn(const char *json)
{
	const char *k = strstr(json, "\"Arn\"");
	const char *q = k ? strchr(k + 5, '"') : NULL;
	const char *e = q ? strchr(q + 1, '"') : NULL;
	if (e)
		printf("arn %.*s\n", (int)(e - q - 1), q + 1);
	else
		printf("arn none\n");
}

static void ask(iam_client *c)
{
	char *out = NULL;
	iam_error *e = NULL;
	int r = iam_call_json(c, "GetCredentials", "{}", &out, &e);
	if (r == 0)
		print_arn(out);
	else
		printf("error %s %s\n", e ? iam_error_code(e) : "none",
		       e ? iam_error_message(e) : strerror(-r));
	fflush(stdout);
	free(out);
	iam_error_free(e);
}

static int stay(void)
{
	iam_client *c;
	char line[4200], path[4300];
	if (iam_client_new(NULL, &c) < 0)
		return 3;
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "get") == 0) {
			ask(c);
		} else if (strncmp(line, "move ", 5) == 0) {
			snprintf(path, sizeof(path), "%s/cgroup.procs", line + 5);
			int fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, "0\n", 2) != 2)
				printf("error move %d\n", errno);
			else
				printf("moved\n");
			if (fd >= 0)
				close(fd);
			fflush(stdout);
		}
	}
	iam_client_free(c);
	return 0;
}

/* The descriptor of libiam's connection: this process's one connected
 * AF_UNIX stream socket. */
static int conn_fd(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		struct sockaddr_un sa;
		socklen_t len = sizeof(sa);
		int type;
		socklen_t tlen = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 && type == SOCK_STREAM &&
		    getpeername(fd, (struct sockaddr *)&sa, &len) == 0 && sa.sun_family == AF_UNIX)
			return fd;
	}
	return -1;
}

static int exec_ask(char **cmd, int n)
{
	iam_client *c;
	char num[16], *argv[64];
	if (n < 1 || n > 60 || iam_client_new(NULL, &c) < 0)
		return 3;
	ask(c);
	int fd = conn_fd();
	if (fd < 0 || fcntl(fd, F_SETFD, 0) < 0) {
		fprintf(stderr, "peer_reuse: no connection descriptor\n");
		return 1;
	}
	snprintf(num, sizeof(num), "%d", fd);
	for (int i = 0; i < n; i++)
		argv[i] = cmd[i];
	argv[n] = num;
	argv[n + 1] = NULL;
	fflush(stdout);
	execvp(argv[0], argv);
	fprintf(stderr, "peer_reuse: exec %s: %s\n", argv[0], strerror(errno));
	return 1;
}

static int hold(bool asked)
{
	int ready[2];
	if (pipe(ready) < 0)
		return 2;
	fflush(stdout);
	pid_t conn = fork();
	if (conn < 0)
		return 2;
	if (conn == 0) {
		iam_client *c;
		close(ready[0]);
		if (iam_client_new(NULL, &c) < 0)
			_exit(3);
		if (asked)
			ask(c);   /* C itself, first */
		pid_t holder = fork();
		if (holder < 0)
			_exit(4);
		if (holder > 0)
			_exit(0);   /* C: gone, its connection lives on in H */
		/* H */
		char b = 'r', line[64];
		(void)!write(ready[1], &b, 1);
		close(ready[1]);
		while (fgets(line, sizeof(line), stdin)) {
			if (strncmp(line, "get", 3) == 0)
				ask(c);
		}
		iam_client_free(c);
		_exit(0);
	}
	close(ready[1]);
	int st;
	if (waitpid(conn, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "peer_reuse: the connecting process failed (%d)\n",
			WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return 1;
	}
	char b;
	if (read(ready[0], &b, 1) != 1) {
		fprintf(stderr, "peer_reuse: the holder did not start\n");
		return 1;
	}
	printf("conn_pid %d\n", (int)conn);
	return 0;
}

static int spawn_at(pid_t want, const char *cgroup, unsigned uid, char **cmd)
{
	char path[4096];
	for (int attempt = 0; attempt < 50; attempt++) {
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "peer_reuse: ns_last_pid: %s\n", strerror(errno));
			return 1;
		}
		char num[32];
		int n = snprintf(num, sizeof(num), "%d", (int)want - 1);
		if (write(fd, num, (size_t)n) != n) {
			fprintf(stderr, "peer_reuse: ns_last_pid: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		close(fd);
		int sync[2];
		if (pipe(sync) < 0)
			return 1;
		fflush(stdout);
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p == 0) {
			close(sync[0]);
			if (getpid() != want)
				_exit(3);
			if (strcmp(cgroup, "-") != 0) {
				snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
				int c = open(path, O_WRONLY | O_CLOEXEC);
				if (c < 0 || write(c, "0\n", 2) != 2)
					_exit(4);
				close(c);
			}
			if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
				_exit(5);
			(void)!write(sync[1], "x", 1);
			close(sync[1]);
			execvp(cmd[0], cmd);
			_exit(6);
		}
		close(sync[1]);
		char b;
		ssize_t got = read(sync[0], &b, 1);
		close(sync[0]);
		if (p == want && got == 1) {
			printf("spawned %d\n", (int)p);
			return 0;
		}
		int st;
		waitpid(p, &st, 0);
		if (p == want) {
			fprintf(stderr, "peer_reuse: the process under pid %d failed (%d)\n",
				(int)p, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			return 1;
		}
	}
	fprintf(stderr, "peer_reuse: pid %d could not be had\n", (int)want);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "hold") == 0)
		return hold(false);
	if (argc == 3 && strcmp(argv[1], "hold") == 0 && strcmp(argv[2], "asked") == 0)
		return hold(true);
	if (argc == 2 && strcmp(argv[1], "stay") == 0)
		return stay();
	if (argc >= 3 && strcmp(argv[1], "exec-ask") == 0)
		return exec_ask(argv + 2, argc - 2);
	if (argc >= 7 && strcmp(argv[1], "spawn-at") == 0 && strcmp(argv[5], "--") == 0)
		return spawn_at((pid_t)atoi(argv[2]), argv[3], (unsigned)atoi(argv[4]), argv + 6);
	fprintf(stderr, "usage: peer_reuse hold [asked] | stay | exec-ask PROG... | spawn-at PID CGROUP|- UID -- CMD...\n");
	return 2;
}
