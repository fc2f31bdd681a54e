# daemon/: iamd, the frontend. The event loop, dispatch and set-up are listed
# here; the operation handlers are listed in daemon/ops.mk.
sbin_PROGRAMS += daemon/iamd
IAMD_OPS_SOURCES =
include daemon/ops.mk
daemon_iamd_SOURCES = $(IAMD_OPS_SOURCES) \
	daemon/iamd.h daemon/call.h daemon/ops.h \
	daemon/iamd_main.c \
	daemon/server.c daemon/server.h \
	daemon/dispatch.c daemon/dispatch.h \
	daemon/keyd_client.c daemon/keyd_client.h \
	daemon/call.c \
	daemon/authz.c daemon/authz.h \
	daemon/authn.c daemon/authn.h \
	daemon/gen_cache.c daemon/gen_cache.h \
	daemon/http_call.c daemon/http_call.h \
	daemon/sd.c daemon/sd.h \
	daemon/audit.c daemon/audit.h daemon/audit_record.c \
	daemon/audit_file.c daemon/audit_file.h daemon/audit_digest.c
daemon_iamd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	$(LMDB_CFLAGS) $(SODIUM_CFLAGS) $(SYSTEMD_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBSSL_CFLAGS) $(LIBEVENT_OPENSSL_CFLAGS)
daemon_iamd_LDADD = lib/libiamsaml.la lib/libiamssh.la lib/libiamjwt.la lib/libiampbjson.la lib/libiamsigv4.la lib/libiamrpc.la lib/libiamstore.la proto/libiamproto.la \
	lib/libiampolicy.la lib/libiamutil.la \
	$(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS) $(LMDB_LIBS) $(SODIUM_LIBS) $(SYSTEMD_LIBS) \
	$(JANSSON_LIBS) $(LIBEVENT_OPENSSL_LIBS) $(LIBSSL_LIBS) $(LIBCRYPTO_LIBS) \
	$(XMLSEC_LIBS)
