# gateway/: iam-gateway, the AWS Query API over HTTP on loopback in front of
# iamd's api socket (gateway/gateway.h, docs/gateway.md).
sbin_PROGRAMS += gateway/iam-gateway
gateway_iam_gateway_SOURCES = gateway/gateway.h gateway/gateway_main.c \
	gateway/gateway_http.c gateway/gateway_up.c \
	gateway/gateway_conn.c gateway/gateway_parse.c gateway/gateway_loop.c
gateway_iam_gateway_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(JANSSON_CFLAGS)
gateway_iam_gateway_LDADD = lib/libiampbjson.la lib/libiamrpc.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(JANSSON_LIBS)
