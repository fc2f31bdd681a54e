# client/: libiam (the C client library, public header iam.h, iam.pc) and
# iamctl (the CLI), both generic over the protobuf descriptors.
lib_LTLIBRARIES += client/libiam.la
include_HEADERS += client/iam.h
pkgconfig_DATA += client/iam.pc
EXTRA_DIST += client/libiam.sym client/iam.pc.in
client_libiam_la_SOURCES = client/iam.h client/libiam_internal.h \
	client/libiam_client.c client/libiam_call.c client/libiam_sign.c \
	client/libiam_creds.c client/libiam_role.c
client_libiam_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(JANSSON_CFLAGS)
client_libiam_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 -no-undefined \
	-Wl,--version-script=$(srcdir)/client/libiam.sym
client_libiam_la_LIBADD = lib/libiampbjson.la lib/libiamrpc.la proto/libiamproto.la \
	lib/libiamsigv4.la lib/libiamutil.la $(PROTOBUF_C_LIBS) $(JANSSON_LIBS) \
	$(SODIUM_LIBS)
EXTRA_client_libiam_la_DEPENDENCIES = client/libiam.sym

bin_PROGRAMS += client/iamctl
client_iamctl_SOURCES = client/iamctl.c client/iamctl.h client/iamctl_args.c \
	client/iamctl_help.c client/iamctl_pages.c client/iamctl_policy.c \
	client/iamctl_audit.c client/iamctl_mfa.c
client_iamctl_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
client_iamctl_LDADD = client/libiam.la lib/libiampbjson.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(JANSSON_LIBS)
client_iamctl_LDADD += lib/libiampolicy.la lib/libiamarn.la $(JANSSON_LIBS) $(SODIUM_LIBS)
# host credentials: iam_credentials_get() and iamctl credential-process (hostroles)
client_libiam_la_SOURCES += client/libiam_creds_cache.c
client_iamctl_SOURCES += client/iamctl_credproc.c
# sshd's AuthorizedKeysCommand: iamctl ssh authorized-keys (docs/ssh.md)
client_iamctl_SOURCES += client/iamctl_ssh.c
# --query (JMESPath) and the AWS CLI's json/text printers
client_iamctl_SOURCES += client/iamctl_query.c client/iamctl_query.h \
	client/iamctl_query_int.h client/iamctl_query_eval.c client/iamctl_query_eval.h \
	client/iamctl_query_func.c client/iamctl_output.c client/iamctl_query_lex.c
client_iamctl_LDADD += -lm
# --output table (awscli/table.py), with its East Asian widths (generated)
client_iamctl_SOURCES += client/iamctl_table.c client/iamctl_table.h client/iamctl_eaw.c
EXTRA_DIST += client/gen-iamctl-eaw.py
# botocore's parameter validation, from its models (generated)
client_iamctl_SOURCES += client/iamctl_validate.c client/iamctl_validate.h \
	client/iamctl_shapes.c
EXTRA_DIST += client/gen-iamctl-shapes.py
