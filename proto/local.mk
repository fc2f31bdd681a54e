# proto/: the .proto sources; protoc-c writes the C code into the build tree.
PROTO_SRCS = proto/common.proto proto/iam.proto proto/sts.proto \
	proto/iam_role.proto proto/iam_policy.proto proto/iam_views.proto \
	proto/iamd.proto proto/auth.proto proto/api.proto proto/store.proto
# keyd.proto: the keyd channel (keyd links only its code: keyd/local.mk)
PROTO_SRCS += proto/keyd.proto
# access keys (daemon/op_access_key.c)
PROTO_SRCS += proto/iam_keys.proto
# instance profiles and host associations (daemon/op_instance_profile.c,
# op_host_assoc.c)
PROTO_SRCS += proto/iam_instance_profile.proto
# virtual MFA devices (daemon/op_mfa.c)
PROTO_SRCS += proto/iam_mfa.proto
# IAM users' passwords and the credential report (daemon/op_login.c)
PROTO_SRCS += proto/iam_login.proto
# SSH public keys (daemon/op_ssh_key.c)
PROTO_SRCS += proto/iam_ssh.proto
# the gateway's forwarded HTTP request (daemon/http_call.c, gateway/)
PROTO_SRCS += proto/http.proto
# OpenID Connect providers and AssumeRoleWithWebIdentity (daemon/op_oidc.c,
# daemon/op_sts_web.c)
PROTO_SRCS += proto/iam_oidc.proto
# SAML providers and AssumeRoleWithSAML (daemon/op_saml.c, daemon/op_sts_saml.c)
PROTO_SRCS += proto/iam_saml.proto
PROTO_GEN = $(PROTO_SRCS:.proto=.pb-c.c) $(PROTO_SRCS:.proto=.pb-c.h)
EXTRA_DIST += $(PROTO_SRCS)
BUILT_SOURCES += $(PROTO_GEN)
CLEANFILES += $(PROTO_GEN)

proto/%.pb-c.c proto/%.pb-c.h: $(srcdir)/proto/%.proto
	$(AM_V_GEN)$(MKDIR_P) proto && \
	$(PROTOC_C) -I$(srcdir)/proto --c_out=proto $(srcdir)/proto/$*.proto

noinst_LTLIBRARIES += proto/libiamproto.la
nodist_proto_libiamproto_la_SOURCES = $(PROTO_GEN)
proto_libiamproto_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) -Wno-missing-prototypes
proto_libiamproto_la_LIBADD = $(PROTOBUF_C_LIBS)
