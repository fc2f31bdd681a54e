/* test_gateway_parse: iam-gateway's HTTP/1.1 request head reader
 * (gateway/gateway_parse.c) on its own: what it takes apart (method,
 * target, version, headers trimmed, Content-Length, keep-alive, Expect),
 * that every split of a request gives the same answer as the whole, the
 * exact limits (a head of max_head bytes passes, one more is 431; a body
 * of max_body passes, one more is 413; 128 headers pass, 129 are 431), and
 * every refusal with its status. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/gateway.h"
#include "../tap.h"

static struct gw_request r;

static int parse(const char *s, size_t max_head, size_t max_body)
{
	return gw_request_parse(s, strlen(s), max_head, max_body, &r);
}

static bool field_eq(const struct gw_field *f, const char *s)
{
	return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

/* the value of the first header named `name` (exact case), or NULL */
static const struct gw_field *header(const char *name)
{
	for (size_t i = 0; i < r.n_headers; i++)
		if (field_eq(&r.headers[i].name, name))
			return &r.headers[i].value;
	return NULL;
}

static int status(const char *s)
{
	return parse(s, 16384, 1024000);
}

int main(void)
{
	static const char sdk[] =
		"POST /path?a=b HTTP/1.1\r\n"
		"Host: 127.0.0.1:8180\r\n"
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
		"X-Amz-Date:20261129T190000Z\r\n"
		"X-Spaces: \t  a  b \t \r\n"
		"X-Empty:\r\n"
		"Content-Length: 43\r\n"
		"\r\n"
		"Action=GetCallerIdentity&Version=2011-06-15";
	size_t head = strstr(sdk, "\r\n\r\n") + 4 - sdk;

	TAP_IS_INT(parse(sdk, 16384, 1024000), 1, "an SDK's POST: whole");
	tap_ok(field_eq(&r.method, "POST") && field_eq(&r.target, "/path?a=b") && r.version == 11,
	       "the method, the raw target with its query, HTTP/1.1");
	TAP_IS_INT(r.head_len, head, "head_len runs through the empty line");
	TAP_IS_INT(r.content_length, 43, "Content-Length");
	TAP_IS_INT(r.n_headers, 6, "six headers, in order");
	tap_ok(field_eq(&r.headers[0].name, "Host") && field_eq(&r.headers[5].name,
								   "Content-Length"),
	       "names as received (their case kept)");
	tap_ok(header("X-Amz-Date") && field_eq(header("X-Amz-Date"), "20261129T190000Z"),
	       "a value with no space after the colon");
	tap_ok(header("X-Spaces") && field_eq(header("X-Spaces"), "a  b"),
	       "a value trimmed of spaces and tabs at both ends, not inside");
	tap_ok(header("X-Empty") && header("X-Empty")->len == 0, "an empty value");
	tap_ok(r.keep_alive && !r.expect_continue, "HTTP/1.1: kept alive, no 100-continue");

	/* every split of the request gives 0 until the head is whole, then the
	 * same answer */
	bool splits = true;
	for (size_t n = 0; n <= strlen(sdk); n++) {
		int rc = gw_request_parse(sdk, n, 16384, 1024000, &r);
		if (rc != (n < head ? 0 : 1) || (rc == 1 && (r.head_len != head ||
							      r.content_length != 43)))
			splits = false;
	}
	tap_ok(splits, "every prefix: incomplete before the empty line, the same head after");

	TAP_IS_INT(status("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 1, "empty lines before a request");
	TAP_IS_INT(r.head_len, 31, "... count in head_len");
	TAP_IS_INT(status("GET / HTTP/1.1\nHost: x\n\n"), 1, "bare LF line ends");
	tap_ok(header("Host") && field_eq(header("Host"), "x"), "... the value without the LF");
	TAP_IS_INT(status("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"), 1,
		   "the same Content-Length twice");

	/* keep-alive */
	status("GET / HTTP/1.0\r\n\r\n");
	tap_ok(!r.keep_alive && r.version == 10, "HTTP/1.0: closed by default");
	status("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	tap_ok(r.keep_alive, "HTTP/1.0 with Connection: Keep-Alive");
	status("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n");
	tap_ok(!r.keep_alive, "HTTP/1.1 with close in a list");
	status("GET / HTTP/1.1\r\nHost: x\r\nconnection: closed\r\n\r\n");
	tap_ok(r.keep_alive, "'closed' is not the close token");
	status("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n");
	tap_ok(r.expect_continue, "Expect: 100-continue (any case)");
	status("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
	tap_ok(!r.expect_continue, "... not for HTTP/1.0");

	/* limits, exactly */
	char big[20000];
	const char *pre = "GET / HTTP/1.1\r\nHost: x\r\nX: ";
	size_t max = 1000;
	size_t fill = max - strlen(pre) - 4;   /* the head: exactly max bytes */
	memcpy(big, pre, strlen(pre));
	memset(big + strlen(pre), 'a', fill);
	memcpy(big + strlen(pre) + fill, "\r\n\r\n", 5);
	TAP_IS_INT(parse(big, max, 10), 1, "a head of max_head bytes passes");
	TAP_IS_INT(parse(big, max - 1, 10), -431, "one byte over: 431");
	big[max - 4] = '\0';
	TAP_IS_INT(parse(big, max, 10), 0, "max_head bytes, no end yet: wait for more");
	TAP_IS_INT(parse(big, max - 10, 10), -431, "past max_head with no end: 431 at once");
	TAP_IS_INT(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1024000\r\n\r\n"), 1,
		   "a body of max_body passes");
	TAP_IS_INT(status("POST / HTTP/1.1\r\nContent-Length: 1024001\r\n\r\n"), -413,
		   "one byte more: 413");
	TAP_IS_INT(status("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n"),
		   -413, "a length past size_t: 413, no overflow");
	size_t o = 0;
	o += (size_t)sprintf(big + o, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < GW_MAX_HEADER_COUNT - 1; i++)
		o += (size_t)sprintf(big + o, "H%d: v\r\n", i);
	strcpy(big + o, "\r\n");
	TAP_IS_INT(parse(big, sizeof(big), 10), 1, "128 headers pass");
	strcpy(big + o, "H: v\r\n\r\n");
	TAP_IS_INT(parse(big, sizeof(big), 10), -431, "129 are 431");

	/* refusals */
	static const struct {
		const char *req;
		int want;
		const char *name;
	} bad[] = {
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -411, "chunked: 411" },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", -411,
		  "chunked last in a list: 411" },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", -501, "gzip: 501" },
		{ "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", -411,
		  "a length and chunked: 411, never the length" },
		{ "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", -400,
		  "two different lengths: 400" },
		{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -400, "a negative length: 400" },
		{ "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n", -400, "a length list: 400" },
		{ "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", -400, "an empty length: 400" },
		{ "POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", -417, "another Expect: 417" },
		{ "POST / HTTP/2.0\r\n\r\n", -505, "HTTP/2.0: 505" },
		{ "POST / HTTP/1.1x\r\n\r\n", -400, "a garbled version: 400" },
		{ "POST / http/1.1\r\n\r\n", -400, "a lower-case protocol: 400" },
		{ "POST  / HTTP/1.1\r\n\r\n", -400, "two spaces: 400" },
		{ "POST /\x01 HTTP/1.1\r\n\r\n", -400, "a control character in the target: 400" },
		{ "PO(ST / HTTP/1.1\r\n\r\n", -400, "a method that is no token: 400" },
		{ "POST / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", -400, "obsolete folding: 400" },
		{ "POST / HTTP/1.1\r\nX-A : 1\r\n\r\n", -400, "a space before the colon: 400" },
		{ "POST / HTTP/1.1\r\n: 1\r\n\r\n", -400, "no name: 400" },
		{ "POST / HTTP/1.1\r\nX-A 1\r\n\r\n", -400, "no colon: 400" },
		{ "POST / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", -400, "a bare CR in a value: 400" },
		{ "POST / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n", -400, "DEL in a value: 400" },
		{ "POST / HTTP/1.1\r\nX-A: 12345678\x01\r\n\r\n", -400,
		  "a control character after eight good bytes: 400" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TAP_IS_INT(status(bad[i].req), bad[i].want, bad[i].name);
	TAP_IS_INT(status("POST / HTTP/1.1\r\nHost: x\r\nX-A: tab\there, caf\xc3\xa9\r\n\r\n"), 1,
		   "tabs and obs-text (UTF-8) in a value pass");
	/* Host (RFC 9112 3.2) and the absolute form of the target (3.2.2) */
	TAP_IS_INT(status("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n"), -400, "HTTP/1.1 without Host: 400");
	TAP_IS_INT(status("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), -400,
		   "two Hosts: 400");
	TAP_IS_INT(status("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), -400,
		   "... in HTTP/1.0 too");
	TAP_IS_INT(status("GET / HTTP/1.0\r\n\r\n"), 1, "HTTP/1.0 without Host passes");
	TAP_IS_INT(status("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 1,
		   "an empty Host (no authority in the URI) passes");
	static const struct {
		const char *req, *target, *name;
	} forms[] = {
		{ "POST http://127.0.0.1:8180/?Action=GetUser HTTP/1.1\r\nHost: 127.0.0.1:8180\r\n\r\n",
		  "/?Action=GetUser", "an absolute target: its path and query" },
		{ "POST HTTP://h/a/b HTTP/1.1\r\nHost: h\r\n\r\n", "/a/b", "... any case of scheme" },
		{ "POST http://h:1 HTTP/1.1\r\nHost: h\r\n\r\n", "/", "... no path: /" },
		{ "POST https://h?Action=X HTTP/1.1\r\nHost: h\r\n\r\n", "?Action=X",
		  "... no path but a query: the empty path and the query" },
		{ "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "*", "the asterisk form is left alone" },
		{ "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", "h:443",
		  "the authority form is left alone" },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		tap_ok(status(forms[i].req) == 1 && field_eq(&r.target, forms[i].target),
		       "%s", forms[i].name);
	char nul[] = "POST / HTTP/1.1\r\nX-A: a_b\r\n\r\n";
	nul[22] = '\0';
	TAP_IS_INT(gw_request_parse(nul, sizeof(nul) - 1, 16384, 1024000, &r), -400,
		   "a NUL in a value: 400");
	return tap_done();
}
