/* bench_keyd_relay: what the benchmarks that start their own iam-keyd
 * share: starting it, a Hello'd connection to it, frames read whole, and the
 * floor of a keyd hop - a raw relay that turns every frame into a keyd Echo
 * (bench_sts, bench_hostroles, bench_gateway). */
#include "config.h"
#include "bench_keyd_relay.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "keyd.pb-c.h"
#include "rpc/rpc.h"

pid_t bench_keyd_start(const char *bin, const char *dir, const char *runtime)
{
	pid_t pid;
	char state[PATH_MAX], pidf[PATH_MAX], log[PATH_MAX];
	snprintf(state, sizeof(state), "%s/keyd-state", dir);
	snprintf(pidf, sizeof(pidf), "%s/iam-keyd.pid", runtime);
	snprintf(log, sizeof(log), "%s/keyd.log", dir);
	pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		const char *cpu = getenv("BENCH_KEYD_CPU");
		if (cpu && *cpu)
			bench_pin(atoi(cpu));
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execl(bin, bin, "--foreground", "--state-dir", state, "--runtime-dir", runtime,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400; i++) {
		char buf[32] = "";
		FILE *f = fopen(pidf, "r");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
		}
		if (atoi(buf) == pid)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			bench_die("iam-keyd exited before it was ready (see %s)", log);
		usleep(25000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	bench_die("iam-keyd did not become ready (see %s)", log);
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One frame: 4-byte length and body into buf (cap bytes); its length. */
ssize_t bench_read_frame(int fd, uint8_t *buf, size_t cap)
{
	if (read_full(fd, buf, 4) < 0)
		return -1;
	size_t n = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
	if (n + 4 > cap || read_full(fd, buf + 4, n) < 0)
		return -1;
	return (ssize_t)(n + 4);
}

int bench_keyd_connect(const char *path)
{
	int fd;
	uint8_t buf[1024];
	if (rpc_connect_unix(path, &fd) < 0)
		return -1;
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__Hello h = KEYD__HELLO__INIT;
	h.has_version = 1;
	h.version = 1;
	req.op_case = KEYD__REQUEST__OP_HELLO;
	req.hello = &h;
	if (rpc_fd_send(fd, &req.base) < 0 || bench_read_frame(fd, buf, sizeof(buf)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Serves one client at a time: every frame in becomes a 64-byte keyd
 * Echo, and keyd's answer goes back (iamd answers AssumeRole with about
 * 1 KiB; the floor answers with keyd's frame). */
void bench_relay_serve(const char *path, const char *keyd_sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (strlen(path) >= sizeof(sa.sun_path))
		_exit(1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0)
		_exit(1);
	int kfd = bench_keyd_connect(keyd_sock);
	if (kfd < 0)
		_exit(1);
	static uint8_t data[64];
	uint8_t echo[256], in[65536], out[1024];
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__EchoRequest e = KEYD__ECHO_REQUEST__INIT;
	e.has_data = 1;
	e.data.data = data;
	e.data.len = sizeof(data);
	req.has_id = 1;
	req.id = 9;
	req.op_case = KEYD__REQUEST__OP_ECHO;
	req.echo = &e;
	size_t n = keyd__request__get_packed_size(&req);
	echo[0] = (uint8_t)(n >> 24);
	echo[1] = (uint8_t)(n >> 16);
	echo[2] = (uint8_t)(n >> 8);
	echo[3] = (uint8_t)n;
	keyd__request__pack(&req, echo + 4);
	for (;;) {
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		for (;;) {
			ssize_t k;
			if (bench_read_frame(cfd, in, sizeof(in)) < 0 ||
			    write(kfd, echo, n + 4) != (ssize_t)(n + 4) ||
			    (k = bench_read_frame(kfd, out, sizeof(out))) < 0 ||
			    write(cfd, out, (size_t)k) != k)
				break;
		}
		close(cfd);
	}
}
