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
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "gateway.h"

#define DEFAULT_SOCKET "/run/iamd/api.sock"

struct gw {
	struct gw_config cfg;
	struct event_base *base;
	struct evconnlistener *listener;
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
		"  -h, --help\n",
		GW_DEFAULT_PORT, DEFAULT_SOCKET, GW_MAX_CONNS, GW_TIMEOUT, GW_DEADLINE, GW_MAX_BODY,
		GW_MAX_HEADERS_SIZE, GW_UPSTREAMS);
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

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gw *g = arg;
	(void)what;
	fprintf(stderr, "iam-gateway: signal %d, stopping\n", (int)sig);
	event_base_loopexit(g->base, NULL);
}

int main(int argc, char **argv)
{
	enum { OPT_LISTEN = 256, OPT_ANY, OPT_SOCKET, OPT_CONNS, OPT_TIMEOUT, OPT_BODY,
	       OPT_HEADERS, OPT_UP, OPT_DEADLINE };
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
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct gw g = { 0 };
	struct gw_http gh = { 0 };
	struct gw_up *up = NULL;
	struct event *sigs[2] = { NULL, NULL };
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
	g.base = event_base_new();
	if (!g.base || gw_up_new(g.base, g.cfg.socket_path, g.cfg.upstreams, &up) < 0 ||
	    gw_http_init(&gh, g.base, up, &g.cfg) < 0) {
		fprintf(stderr, "iam-gateway: out of memory\n");
		goto out;
	}
	g.listener = evconnlistener_new_bind(g.base, gw_http_accept, &gh,
					     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
					     LEV_OPT_REUSEABLE, 128, (struct sockaddr *)&ss, (int)sl);
	if (!g.listener) {
		fprintf(stderr, "iam-gateway: cannot listen on %s: %s\n", g.cfg.listen,
			strerror(errno));
		goto out;
	}
	gh.listener = g.listener;
	sl = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(g.listener), (struct sockaddr *)&ss, &sl) == 0)
		port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port);
	sigs[0] = evsignal_new(g.base, SIGTERM, on_signal, &g);
	sigs[1] = evsignal_new(g.base, SIGINT, on_signal, &g);
	if (!sigs[0] || !sigs[1] || evsignal_add(sigs[0], NULL) < 0 ||
	    evsignal_add(sigs[1], NULL) < 0)
		goto out;
	printf(strchr(host, ':') ? "listening on http://[%s]:%u\n" : "listening on http://%s:%u\n",
	       host, port);
	fflush(stdout);
	fprintf(stderr, "iam-gateway: serving %s:%u for the api socket %s (silence timeout "
		"%u s, request deadline %u s, %u connections)\n", host, port, g.cfg.socket_path,
		g.cfg.timeout, g.cfg.deadline, g.cfg.max_conns);
	event_base_dispatch(g.base);
	ret = 0;
out:
	for (size_t i = 0; i < 2; i++)
		if (sigs[i])
			event_free(sigs[i]);
	gw_http_release(&gh);
	if (g.listener)
		evconnlistener_free(g.listener);
	gw_up_free(up);
	if (g.base)
		event_base_free(g.base);
	return ret;
}
