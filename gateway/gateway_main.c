/* iam-gateway: options, the HTTP listener and its limits, signals
 * (gateway.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway.h"
#include "util/spin.h"

#define DEFAULT_SOCKET "/run/iamd/api.sock"

struct gw {
	struct gw_config cfg;
	struct gw_loop *loop;
	struct gw_watch sig;           /* the signalfd of SIGTERM and SIGINT */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iam-gateway [OPTION...]\n"
		"The AWS Query API (IAM, STS) over HTTP/1.1 on a loopback address, in front\n"
		"of iamd's api socket: point the AWS CLI and SDKs at it with --endpoint-url.\n\n"
		"  --listen ADDR:PORT       where to listen (default 127.0.0.1:%d; port 0:\n"
		"                           any free port, printed on stdout)\n"
		"  --allow-non-loopback     accept a non-loopback ADDR (requests are still\n"
		"                           signed, but travel in clear text)\n"
		"  --socket PATH            iamd's api socket (default %s)\n"
		"  --max-connections N      open HTTP connections at most (default %d)\n"
		"  --timeout SECONDS        a client silent that long is dropped (default %d)\n"
		"  --request-deadline SECONDS\n"
		"                           a request must arrive whole within SECONDS of\n"
		"                           the accept or the previous answer, however it\n"
		"                           trickles in, or the connection is closed\n"
		"                           (default %d)\n"
		"  --max-body BYTES         request body limit (default %d)\n"
		"  --max-header-size BYTES  request line and headers limit (default %d)\n"
		"  --upstreams N            connections to iamd (default %d)\n"
		"  --spin T                 while a request waits for iamd, poll this long\n"
		"                           before sleeping: 0, or up to 10ms with us or ms\n"
		"                           (default %uus)\n"
		"  -h, --help\n",
		GW_DEFAULT_PORT, DEFAULT_SOCKET, GW_MAX_CONNS, GW_TIMEOUT, GW_DEADLINE, GW_MAX_BODY,
		GW_MAX_HEADERS_SIZE, GW_UPSTREAMS, UTIL_SPIN_DEFAULT_US);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v > max || *s == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "127.0.0.1:8180", "[::1]:8180" -> host and port; a loopback address
 * unless allowed otherwise. */
static int parse_listen(const char *s, bool any, char *host, size_t size, unsigned *ret_port)
{
	const char *colon = strrchr(s, ':');
	unsigned long port;
	if (!colon || parse_uint(colon + 1, 65535, &port) < 0)
		return -EINVAL;
	const char *h = s;
	size_t hl = (size_t)(colon - s);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= size)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	struct in_addr a4;
	struct in6_addr a6;
	bool loopback;
	if (inet_pton(AF_INET, host, &a4) == 1)
		loopback = (ntohl(a4.s_addr) >> 24) == 127;
	else if (inet_pton(AF_INET6, host, &a6) == 1)
		loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	else
		return -EINVAL;   /* numeric addresses only */
	if (!loopback && !any)
		return -EPERM;
	*ret_port = (unsigned)port;
	return 0;
}

static void on_signal(struct gw_watch *w, uint32_t events)
{
	struct gw *g = w->arg;
	struct signalfd_siginfo si;
	(void)events;
	if (read(w->fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	fprintf(stderr, "iam-gateway: signal %d, stopping\n", (int)si.ssi_signo);
	gw_loop_stop(g->loop);
}

/* The listening socket, non-blocking; -errno. */
static int listen_on(const struct sockaddr *sa, socklen_t sl)
{
	int one = 1;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, sa, sl) < 0 || listen(fd, 128) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int main(int argc, char **argv)
{
	enum { OPT_LISTEN = 256, OPT_ANY, OPT_SOCKET, OPT_CONNS, OPT_TIMEOUT, OPT_BODY,
	       OPT_HEADERS, OPT_UP, OPT_DEADLINE, OPT_SPIN };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "allow-non-loopback", no_argument, NULL, OPT_ANY },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "max-connections", required_argument, NULL, OPT_CONNS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-body", required_argument, NULL, OPT_BODY },
		{ "max-header-size", required_argument, NULL, OPT_HEADERS },
		{ "upstreams", required_argument, NULL, OPT_UP },
		{ "request-deadline", required_argument, NULL, OPT_DEADLINE },
		{ "spin", required_argument, NULL, OPT_SPIN },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct gw g = { 0 };
	struct gw_http gh = { 0 };
	struct gw_up *up = NULL;
	bool http = false;
	sigset_t mask;
	char listen_default[32], host[64];
	unsigned port;
	unsigned long v;
	int c, ret = 1;

	snprintf(listen_default, sizeof(listen_default), "127.0.0.1:%d", GW_DEFAULT_PORT);
	g.cfg.listen = listen_default;
	g.cfg.socket_path = getenv("IAMD_SOCKET") ? getenv("IAMD_SOCKET") : DEFAULT_SOCKET;
	g.cfg.max_conns = GW_MAX_CONNS;
	g.cfg.timeout = GW_TIMEOUT;
	g.cfg.deadline = GW_DEADLINE;
	g.cfg.max_body = GW_MAX_BODY;
	g.cfg.max_headers = GW_MAX_HEADERS_SIZE;
	g.cfg.upstreams = GW_UPSTREAMS;
	g.cfg.spin_us = UTIL_SPIN_DEFAULT_US;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN: g.cfg.listen = optarg; break;
		case OPT_ANY: g.cfg.allow_non_loopback = true; break;
		case OPT_SOCKET: g.cfg.socket_path = optarg; break;
		case OPT_CONNS: case OPT_TIMEOUT: case OPT_BODY: case OPT_HEADERS: case OPT_UP:
		case OPT_DEADLINE:
			if (parse_uint(optarg, c == OPT_BODY ? GW_MAX_BODY : 1000000, &v) < 0 ||
			    v == 0) {
				fprintf(stderr, "iam-gateway: bad value '%s' for --%s\n", optarg,
					opts[c - OPT_LISTEN].name);
				return 2;
			}
			if (c == OPT_CONNS) g.cfg.max_conns = (unsigned)v;
			else if (c == OPT_TIMEOUT) g.cfg.timeout = (unsigned)v;
			else if (c == OPT_BODY) g.cfg.max_body = v;
			else if (c == OPT_HEADERS) g.cfg.max_headers = v;
			else if (c == OPT_DEADLINE) g.cfg.deadline = (unsigned)v;
			else g.cfg.upstreams = (unsigned)(v > 16 ? 16 : v);
			break;
		case OPT_SPIN:
			if (util_spin_parse(optarg, &g.cfg.spin_us) < 0) {
				fprintf(stderr, "iam-gateway: bad value '%s' for --spin (0, or up to "
					"10ms such as 50us)\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	int r = parse_listen(g.cfg.listen, g.cfg.allow_non_loopback, host, sizeof(host), &port);
	if (r == -EPERM) {
		fprintf(stderr, "iam-gateway: %s is not a loopback address "
			"(--allow-non-loopback to listen there anyway)\n", g.cfg.listen);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "iam-gateway: bad --listen '%s' (ADDR:PORT, a numeric address)\n",
			g.cfg.listen);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	g.sig.fd = -1;
	int lfd = listen_on((struct sockaddr *)&ss, sl);
	if (lfd < 0) {
		fprintf(stderr, "iam-gateway: cannot listen on %s: %s\n", g.cfg.listen,
			strerror(-lfd));
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(lfd, (struct sockaddr *)&ss, &sl) == 0)
		port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port);
	if (gw_loop_new(&g.loop) < 0 ||
	    gw_up_new(g.loop, g.cfg.socket_path, g.cfg.upstreams, &up) < 0) {
		close(lfd);
		fprintf(stderr, "iam-gateway: out of memory\n");
		goto out;
	}
	gw_loop_spin(g.loop, util_spin_budget_ns(g.cfg.spin_us), gw_up_waiting, up);
	http = true;
	r = gw_http_init(&gh, g.loop, up, lfd, &g.cfg);   /* takes lfd */
	if (r < 0) {
		fprintf(stderr, "iam-gateway: cannot start: %s\n", strerror(-r));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	int sfd = sigprocmask(SIG_BLOCK, &mask, NULL) == 0 ?
		  signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC) : -1;
	if (sfd < 0 || gw_watch_add(g.loop, &g.sig, sfd, EPOLLIN, on_signal, &g) < 0) {
		fprintf(stderr, "iam-gateway: signals: %s\n", strerror(errno));
		if (sfd >= 0)
			close(sfd);
		goto out;
	}
	printf(strchr(host, ':') ? "listening on http://[%s]:%u\n" : "listening on http://%s:%u\n",
	       host, port);
	fflush(stdout);
	fprintf(stderr, "iam-gateway: serving %s:%u for the api socket %s (silence timeout "
		"%u s, request deadline %u s, %u connections)\n", host, port, g.cfg.socket_path,
		g.cfg.timeout, g.cfg.deadline, g.cfg.max_conns);
	r = gw_loop_run(g.loop);
	if (r < 0)
		fprintf(stderr, "iam-gateway: epoll_wait: %s\n", strerror(-r));
	else
		ret = 0;
out:
	if (g.sig.fd >= 0) {
		int fd = g.sig.fd;
		gw_watch_del(g.loop, &g.sig);
		close(fd);
	}
	if (http)
		gw_http_release(&gh);
	gw_up_free(up);
	gw_loop_free(g.loop);
	return ret;
}
