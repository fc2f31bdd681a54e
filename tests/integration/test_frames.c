/* test_frames: a real iamd against hostile and demanding peers. Starts
 * $top_builddir/daemon/iamd (or $IAMD) in a temp dir with short limits and
 * checks that every protocol violation closes only that connection while
 * another client keeps being served; slow, idle and excess connections are
 * cut; pipelined calls are answered in order; SIGTERM answers the calls in
 * flight and exits 0; a uid that is not root is refused with AccessDenied. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "rpc/rpc.h"
#include "../tap.h"

#define ACCOUNT "111122223333"
#define FRAME_TIMEOUT_MS 400
#define IDLE_TIMEOUT_MS 1500
#define MAX_CONNS 8
#define MAX_FRAME (64 * 1024)

static char tmpdir[64], sock_path[256], pid_path[256], log_path[256];
static pid_t iamd_pid = -1;
static int notify_fd = -1;   /* NOTIFY_SOCKET given to iamd, as systemd would */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int iamd_start(void)
{
	const char *bin = getenv("IAMD");
	char binbuf[512];
	if (!bin) {
		const char *top = getenv("top_builddir");
		snprintf(binbuf, sizeof(binbuf), "%s/daemon/iamd", top ? top : ".");
		bin = binbuf;
	}
	char state[256], run[256];
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	snprintf(run, sizeof(run), "%s/run", tmpdir);
	char notify_path[100];
	snprintf(notify_path, sizeof(notify_path), "%s/notify.sock", tmpdir);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", notify_path);
	if (notify_fd < 0 || bind(notify_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", notify_path, 1);
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		char ft[32], it[32], mc[32], mf[32];
		snprintf(ft, sizeof(ft), "%ums", FRAME_TIMEOUT_MS);
		snprintf(it, sizeof(it), "%ums", IDLE_TIMEOUT_MS);
		snprintf(mc, sizeof(mc), "%u", MAX_CONNS);
		snprintf(mf, sizeof(mf), "%u", MAX_FRAME);
		execl(bin, "iamd", "--foreground", "--state-dir", state,
		      "--runtime-dir", run, "--account-id", ACCOUNT,
		      "--frame-timeout", ft, "--idle-timeout", it,
		      "--max-connections", mc, "--max-frame", mf,
		      "--max-inflight", "16", (char *)NULL);
		_exit(127);
	}
	iamd_pid = pid;
	for (int i = 0; i < 600; i++) {   /* 30 s: sanitizers are slow */
		char buf[32] = { 0 };
		int fd = open(pid_path, O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0 && atoi(buf) == pid)
				return 0;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			iamd_pid = -1;
			return -1;
		}
		sleep_ms(50);
	}
	return -1;
}

/* The sd_notify() messages iamd sent so far, concatenated. */
static void notify_read(char *out, size_t size, unsigned wait_ms)
{
	size_t len = strlen(out);
	uint64_t end = now_ms() + wait_ms;
	for (;;) {
		struct pollfd p = { .fd = notify_fd, .events = POLLIN };
		uint64_t now = now_ms();
		if (poll(&p, 1, now < end ? (int)(end - now) : 0) <= 0)
			return;
		ssize_t n = recv(notify_fd, out + len, size - len - 2, 0);
		if (n <= 0)
			return;
		len += (size_t)n;
		out[len++] = '\n';
		out[len] = '\0';
		wait_ms = 50;   /* more may follow at once */
		end = now_ms() + wait_ms;
	}
}

static int conn_open(void)
{
	int fd;
	if (rpc_connect_unix(sock_path, &fd) < 0)
		return -1;
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int send_req(int fd, Iam__Request *req)
{
	return rpc_fd_send(fd, &req->base);
}

static Iam__Response *recv_resp(int fd)
{
	uint8_t *body;
	size_t len;
	if (rpc_fd_recv(fd, 16u << 20, &body, &len) < 0)
		return NULL;
	Iam__Response *r = iam__response__unpack(NULL, len, body);
	free(body);
	return r;
}

static Iam__Response *call(int fd, Iam__Request *req)
{
	if (send_req(fd, req) < 0)
		return NULL;
	return recv_resp(fd);
}

static int hello(int fd)
{
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello h = IAM__HELLO__INIT;
	h.has_version = true;
	h.version = 1;
	h.client = "test_frames";
	req.has_id = true;
	req.id = 1;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &h;
	Iam__Response *r = call(fd, &req);
	int ok = r && r->result_case == IAM__RESPONSE__RESULT_HELLO &&
		 r->hello->version == 1;
	if (r)
		iam__response__free_unpacked(r, NULL);
	return ok ? 0 : -1;
}

static void gci_request(Iam__Request *req, Iam__GetCallerIdentityRequest *g,
			uint64_t id)
{
	iam__request__init(req);
	iam__get_caller_identity_request__init(g);
	req->has_id = true;
	req->id = id;
	req->op_case = IAM__REQUEST__OP_GET_CALLER_IDENTITY;
	req->get_caller_identity = g;
}

/* One GetCallerIdentity answered with the root's identity. */
static int served(int fd)
{
	Iam__Request req;
	Iam__GetCallerIdentityRequest g;
	gci_request(&req, &g, 7);
	Iam__Response *r = call(fd, &req);
	int ok = r && r->id == 7 && (!r->status || !r->status->code) &&
		 r->result_case == IAM__RESPONSE__RESULT_GET_CALLER_IDENTITY &&
		 r->get_caller_identity->arn &&
		 strcmp(r->get_caller_identity->arn, "arn:aws:iam::" ACCOUNT ":root") == 0;
	if (r)
		iam__response__free_unpacked(r, NULL);
	return ok;
}

/* The server closed fd within timeout_ms (EOF or reset, after discarding
 * any answers). */
static int closed_within(int fd, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	for (;;) {
		uint64_t now = now_ms();
		if (now >= end)
			return 0;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)(end - now));
		if (n <= 0)
			return 0;
		char buf[4096];
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return 1;
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return 0;
	}
}

static int write_raw(int fd, const void *p, size_t n)
{
	return rpc_fd_write_all(fd, p, n);
}

/* A hostile sender on a fresh connection (after Hello when `greet`): the
 * server must close it, and `other` must still be served. */
static void hostile(int other, bool greet, const void *bytes, size_t n,
		    bool shut_wr, const char *what)
{
	int fd = conn_open();
	if (fd < 0) {
		tap_ok(0, "%s: connect", what);
		return;
	}
	if (greet && hello(fd) < 0)
		tap_ok(0, "%s: hello", what);
	write_raw(fd, bytes, n);
	if (shut_wr)
		shutdown(fd, SHUT_WR);
	tap_ok(closed_within(fd, 3000), "%s: that connection is closed", what);
	close(fd);
	tap_ok(served(other), "%s: another client is still served", what);
}

static void test_hostile(int b)
{
	/* bytes that do not decode: a varint that never ends */
	static const uint8_t garbage[] = { 0, 0, 0, 12, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	hostile(b, true, garbage, sizeof(garbage), false, "garbage frame");
	static const uint8_t huge[] = { 0x7f, 0xff, 0xff, 0xff };
	hostile(b, true, huge, sizeof(huge), false, "length 2^31-1");
	/* just above --max-frame: closed without waiting for the body */
	uint8_t over[4] = { 0, (MAX_FRAME + 1) >> 16, ((MAX_FRAME + 1) >> 8) & 0xff,
			    (MAX_FRAME + 1) & 0xff };
	hostile(b, true, over, sizeof(over), false, "length max-frame+1");
	static const uint8_t zero[] = { 0, 0, 0, 0 };
	hostile(b, true, zero, sizeof(zero), false, "zero-length frame");
	static const uint8_t trunc[] = { 0, 0, 0, 100, 8, 1, 0x12, 0 };
	hostile(b, true, trunc, sizeof(trunc), true, "truncated frame, then close");
	static const uint8_t half_hdr[] = { 0, 0 };
	hostile(b, true, half_hdr, sizeof(half_hdr), true, "half a length, then close");

	/* a valid GetCallerIdentity before Hello */
	Iam__Request req;
	Iam__GetCallerIdentityRequest g;
	gci_request(&req, &g, 3);
	uint8_t buf[256];
	size_t n = iam__request__pack(&req, buf + 4);
	buf[0] = buf[1] = buf[2] = 0;
	buf[3] = (uint8_t)n;
	hostile(b, false, buf, n + 4, false, "first request is not Hello");

	/* Hello twice */
	Iam__Request hr = IAM__REQUEST__INIT;
	Iam__Hello h = IAM__HELLO__INIT;
	hr.op_case = IAM__REQUEST__OP_HELLO;
	hr.hello = &h;
	n = iam__request__pack(&hr, buf + 4);
	buf[3] = (uint8_t)n;
	hostile(b, true, buf, n + 4, false, "second Hello");

	/* GetUser above its own cap (8 KiB) but under --max-frame */
	{
		static char name[20000];
		memset(name, 'a', sizeof(name) - 1);
		Iam__Request gr = IAM__REQUEST__INIT;
		Iam__GetUserRequest gu = IAM__GET_USER_REQUEST__INIT;
		gu.user_name = name;
		gr.op_case = IAM__REQUEST__OP_GET_USER;
		gr.get_user = &gu;
		struct rpc_buf big;
		rpc_buf_init(&big);
		rpc_frame_pack(&big, &gr.base);
		hostile(b, true, rpc_buf_head(&big), rpc_buf_len(&big), false,
			"GetUser frame above the op's cap");
		rpc_buf_release(&big);
	}

	/* an op number the server does not know: id=5, field 999 (empty) */
	static const uint8_t unknown[] = { 0, 0, 0, 5, 0x08, 0x05, 0xba, 0x3e, 0x00 };
	hostile(b, true, unknown, sizeof(unknown), false, "unknown op");
	/* a Request with no op at all */
	static const uint8_t no_op[] = { 0, 0, 0, 2, 0x08, 0x05 };
	hostile(b, true, no_op, sizeof(no_op), false, "request without op");
}

/* A client that stalls inside a frame is cut after the frame deadline,
 * while another client is served meanwhile. */
static void test_stall(int b)
{
	int fd = conn_open();
	tap_ok(fd >= 0 && hello(fd) == 0, "stall: hello");
	static const uint8_t part[] = { 0, 0, 0, 40, 0x08, 0x01 };
	uint64_t t0 = now_ms();
	write_raw(fd, part, sizeof(part));
	int all_served = 1;
	for (int i = 0; i < 5; i++)
		all_served &= served(b);
	tap_ok(all_served, "stall: another client is served during the stall");
	int closed = closed_within(fd, FRAME_TIMEOUT_MS * 10);
	uint64_t dt = now_ms() - t0;
	tap_ok(closed, "stall: the stalled client is cut");
	if (!tap_ok(dt >= FRAME_TIMEOUT_MS - 50 && dt < FRAME_TIMEOUT_MS * 5,
		    "stall: cut after the frame deadline (%u ms)", FRAME_TIMEOUT_MS))
		printf("#   cut after %llu ms\n", (unsigned long long)dt);
	close(fd);
	/* dribbling bytes does not extend the deadline */
	fd = conn_open();
	hello(fd);
	t0 = now_ms();
	uint8_t hdr[4] = { 0, 0, 0, 100 };
	write_raw(fd, hdr, 4);
	int cut = 0;
	for (int i = 0; i < 40 && !cut; i++) {
		uint8_t x = 0x08;
		if (rpc_fd_write_all(fd, &x, 1) < 0)
			cut = 1;
		cut |= closed_within(fd, 100);
	}
	dt = now_ms() - t0;
	if (!tap_ok(cut && dt < FRAME_TIMEOUT_MS * 5,
		    "stall: a byte at a time does not extend the deadline"))
		printf("#   cut=%d after %llu ms\n", cut, (unsigned long long)dt);
	close(fd);
}

/* n requests in one write, answered in order with their ids. */
static int pipelined(int fd, int count, uint64_t first_id)
{
	struct rpc_buf out;
	rpc_buf_init(&out);
	for (int i = 0; i < count; i++) {
		Iam__Request req;
		Iam__GetCallerIdentityRequest g;
		gci_request(&req, &g, first_id + (uint64_t)i);
		if (rpc_frame_pack(&out, &req.base) < 0)
			return -1;
	}
	/* interleave writing and reading: the server stops reading while its
	 * answers wait, so a writer that never reads would block forever */
	size_t off = 0;
	int got = 0, in_order = 1;
	struct rpc_buf in;
	rpc_buf_init(&in);
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	uint64_t end = now_ms() + 20000;
	while (got < count && now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (off < rpc_buf_len(&out))
			p.events |= POLLOUT;
		if (poll(&p, 1, 1000) < 0)
			break;
		if (p.revents & POLLOUT) {
			ssize_t w = send(fd, rpc_buf_head(&out) + off,
					 rpc_buf_len(&out) - off, MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			uint8_t *tail;
			rpc_buf_reserve(&in, 65536, &tail);
			ssize_t r = read(fd, tail, 65536);
			if (r <= 0)
				break;
			rpc_buf_commit(&in, (size_t)r);
			const uint8_t *body;
			uint32_t len;
			while (rpc_frame_next(&in, 1u << 20, &body, &len) == 1) {
				Iam__Response *resp = iam__response__unpack(NULL, len, body);
				if (!resp || resp->id != first_id + (uint64_t)got ||
				    resp->result_case != IAM__RESPONSE__RESULT_GET_CALLER_IDENTITY)
					in_order = 0;
				if (resp)
					iam__response__free_unpacked(resp, NULL);
				got++;
			}
		}
	}
	fcntl(fd, F_SETFL, fl);
	rpc_buf_release(&in);
	rpc_buf_release(&out);
	return got == count && in_order ? 0 : -1 - got;
}

static void test_pipeline(int b)
{
	int r = pipelined(b, 100, 1000);
	if (!tap_ok(r == 0, "pipeline: 100 requests in one write, 100 answers in order"))
		printf("#   got %d answers\n", -1 - r);
	r = pipelined(b, 20000, 100000);
	if (!tap_ok(r == 0, "pipeline: 20000 requests with back-pressure, all in order"))
		printf("#   got %d answers\n", -1 - r);
	tap_ok(served(b), "pipeline: the connection is still usable");

	/* requests, then a half-close: the answers still come, then EOF */
	int fd = conn_open();
	tap_ok(fd >= 0 && hello(fd) == 0, "half-close: hello");
	struct rpc_buf out;
	rpc_buf_init(&out);
	for (int i = 0; i < 3; i++) {
		Iam__Request req;
		Iam__GetCallerIdentityRequest g;
		gci_request(&req, &g, 70 + (uint64_t)i);
		rpc_frame_pack(&out, &req.base);
	}
	write_raw(fd, rpc_buf_head(&out), rpc_buf_len(&out));
	rpc_buf_release(&out);
	shutdown(fd, SHUT_WR);
	int got = 0;
	Iam__Response *resp;
	while (got < 3 && (resp = recv_resp(fd)) != NULL) {
		got += resp->id == 70 + (uint64_t)got;
		iam__response__free_unpacked(resp, NULL);
	}
	TAP_IS_INT(got, 3, "half-close: the 3 requests sent before it are answered");
	tap_ok(closed_within(fd, 3000), "half-close: then iamd closes");
	close(fd);
}

static void test_idle(int b)
{
	int fd = conn_open();
	tap_ok(fd >= 0 && hello(fd) == 0, "idle: hello");
	uint64_t t0 = now_ms();
	/* b stays busy meanwhile and must not be cut */
	int busy_ok = 1;
	while (now_ms() - t0 < IDLE_TIMEOUT_MS + 300) {
		busy_ok &= served(b);
		sleep_ms(100);
	}
	tap_ok(busy_ok, "idle: a busy client is never cut");
	int closed = closed_within(fd, IDLE_TIMEOUT_MS * 3);
	uint64_t dt = now_ms() - t0;
	tap_ok(closed, "idle: an idle client is cut");
	if (!tap_ok(dt >= IDLE_TIMEOUT_MS - 50, "idle: not before the idle timeout"))
		printf("#   cut after %llu ms\n", (unsigned long long)dt);
	close(fd);
}

/* `b` is open: MAX_CONNS - 1 more fit, the next one is refused. */
static void test_max_conns(int b)
{
	int fds[MAX_CONNS];
	int all = 1;
	for (int i = 0; i < MAX_CONNS - 1; i++) {
		fds[i] = conn_open();
		all &= fds[i] >= 0 && hello(fds[i]) == 0;
	}
	tap_ok(all, "max-connections: %d connections served", MAX_CONNS);
	int extra = conn_open();
	tap_ok(extra < 0 || closed_within(extra, 3000),
	       "max-connections: one more is refused");
	if (extra >= 0)
		close(extra);
	tap_ok(served(b), "max-connections: the others are still served");
	close(fds[0]);
	sleep_ms(200);
	extra = conn_open();
	tap_ok(extra >= 0 && hello(extra) == 0,
	       "max-connections: a freed slot can be taken again");
	if (extra >= 0)
		close(extra);
	for (int i = 1; i < MAX_CONNS - 1; i++)
		close(fds[i]);
	sleep_ms(100);
}

/* A uid that is neither root nor the state directory's owner: anonymous,
 * refused with AccessDenied. The child reports through its exit status. */
static void test_anonymous(void)
{
	if (getuid() != 0) {
		printf("ok %d - anonymous caller refused # SKIP not root: cannot switch uid\n",
		       ++tap_n);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(77);
		int fd = conn_open();
		if (fd < 0 || hello(fd) < 0)
			_exit(2);
		Iam__Request req = IAM__REQUEST__INIT;
		Iam__GetUserRequest gu = IAM__GET_USER_REQUEST__INIT;
		gu.user_name = "alice";
		req.has_id = true;
		req.id = 9;
		req.op_case = IAM__REQUEST__OP_GET_USER;
		req.get_user = &gu;
		Iam__Response *r = call(fd, &req);
		if (!r)
			_exit(3);
		if (r->status)
			printf("#   anonymous got %s: %s\n",
			       r->status->code ? r->status->code : "(no code)",
			       r->status->message ? r->status->message : "");
		fflush(stdout);
		if (!r->status || !r->status->code ||
		    strcmp(r->status->code, "AccessDenied") != 0)
			_exit(4);
		static const char want[] =
			"User: anonymous is not authorized to perform: iam:GetUser"
			" on resource: arn:aws:iam::" ACCOUNT ":user/alice";
		if (!r->status->message || strcmp(r->status->message, want) != 0)
			_exit(5);
		if (r->status->http_status != 403 || !r->status->sender_fault)
			_exit(6);
		if (r->result_case != IAM__RESPONSE__RESULT__NOT_SET || r->id != 9)
			_exit(7);
		iam__response__free_unpacked(r, NULL);
		_exit(served(fd) ? 8 : 0);   /* GetCallerIdentity refused too */
	}
	int st = 0;
	waitpid(pid, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 100;
	if (code == 77) {
		printf("ok %d - anonymous caller refused # SKIP cannot switch uid\n", ++tap_n);
		return;
	}
	if (!tap_ok(code == 0, "anonymous caller (uid 65534) refused with AccessDenied, 403"))
		printf("#   child check %d failed\n", code);
}

/* SIGTERM with calls in flight: each is answered, then iamd exits 0. */
static void test_sigterm(void)
{
	int fd = conn_open();
	tap_ok(fd >= 0 && hello(fd) == 0, "sigterm: hello");
	struct rpc_buf out;
	rpc_buf_init(&out);
	for (int i = 0; i < 50; i++) {
		Iam__Request req;
		Iam__GetCallerIdentityRequest g;
		gci_request(&req, &g, 500 + (uint64_t)i);
		rpc_frame_pack(&out, &req.base);
	}
	write_raw(fd, rpc_buf_head(&out), rpc_buf_len(&out));
	rpc_buf_release(&out);
	kill(iamd_pid, SIGTERM);
	int got = 0, in_order = 1;
	Iam__Response *r;
	while (got < 50 && (r = recv_resp(fd)) != NULL) {
		in_order &= r->id == 500 + (uint64_t)got;
		iam__response__free_unpacked(r, NULL);
		got++;
	}
	if (!tap_ok(got == 50 && in_order, "sigterm: the 50 calls in flight are answered"))
		printf("#   got %d\n", got);
	tap_ok(closed_within(fd, 5000), "sigterm: then the connection is closed");
	close(fd);
	int st = 0;
	pid_t w = 0;
	for (int i = 0; i < 200 && w == 0; i++) {
		w = waitpid(iamd_pid, &st, WNOHANG);
		if (w == 0)
			sleep_ms(50);
	}
	if (!tap_ok(w == iamd_pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "sigterm: iamd exits 0")) {
		if (w == 0)
			kill(iamd_pid, SIGKILL), waitpid(iamd_pid, &st, 0);
		printf("#   status 0x%x\n", st);
	}
	iamd_pid = -1;
	char notes[2048] = "";
	notify_read(notes, sizeof(notes), 500);
	tap_ok(strstr(notes, "STOPPING=1") != NULL, "sigterm: sd_notify STOPPING=1");
	struct stat sb;
	tap_ok(stat(pid_path, &sb) < 0 && stat(sock_path, &sb) < 0,
	       "sigterm: pid file and socket removed");
}

static void cleanup(void)
{
	if (iamd_pid > 0) {
		kill(iamd_pid, SIGKILL);
		waitpid(iamd_pid, NULL, 0);
	}
	if (tmpdir[0] && !getenv("KEEP_TMP")) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		(void)!system(cmd);
	}
}

/* the iamd log must hold no sanitizer report */
static void check_log(void)
{
	FILE *f = fopen(log_path, "r");
	char line[1024];
	int bad = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "Sanitizer") || strstr(line, "runtime error:")) {
			if (bad++ < 20)
				printf("# %s", line);
		}
	}
	if (f)
		fclose(f);
	tap_ok(!bad, "iamd log has no sanitizer report");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "%s/iamd-frames.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp\n");
		return 99;
	}
	chmod(tmpdir, 0755);
	atexit(cleanup);
	snprintf(sock_path, sizeof(sock_path), "%s/run/api.sock", tmpdir);
	snprintf(pid_path, sizeof(pid_path), "%s/run/iamd.pid", tmpdir);
	snprintf(log_path, sizeof(log_path), "%s/iamd.log", tmpdir);

	if (!tap_ok(iamd_start() == 0, "iamd starts and writes its pid file")) {
		printf("Bail out! iamd did not start (log: %s)\n", log_path);
		return 99;
	}
	char notes[2048] = "";
	notify_read(notes, sizeof(notes), 2000);
	tap_ok(strstr(notes, "READY=1") != NULL, "sd_notify READY=1");
	tap_ok(strstr(notes, "STATUS=serving ") != NULL, "sd_notify STATUS=serving ...");
	int b = conn_open();
	tap_ok(b >= 0, "connect");
	/* Hello answers the version, the server and the default account */
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello h = IAM__HELLO__INIT;
	h.has_version = true;
	h.version = 1;
	req.has_id = true;
	req.id = 42;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &h;
	Iam__Response *r = call(b, &req);
	tap_ok(r && r->id == 42 && r->result_case == IAM__RESPONSE__RESULT_HELLO,
	       "Hello is answered with its id");
	tap_ok(r && r->hello->version == 1, "protocol version 1");
	tap_ok(r && r->hello->server && strncmp(r->hello->server, "iamd/", 5) == 0,
	       "server iamd/VERSION");
	TAP_IS_STR(r ? r->hello->account_id : NULL, ACCOUNT, "the default account");
	tap_ok(r && r->request_id && strlen(r->request_id) == 36 &&
	       r->request_id[14] == '4', "a request id: UUID v4");
	if (r)
		iam__response__free_unpacked(r, NULL);
	tap_ok(served(b), "then a call works");

	test_hostile(b);
	test_stall(b);
	test_pipeline(b);
	test_max_conns(b);
	test_idle(b);
	test_anonymous();
	tap_ok(served(b), "the first client is still served after all that");
	test_sigterm();
	close(b);
	check_log();
	return tap_done();
}
