# lib/jwt: JSON Web Tokens and Key Sets for OpenID Connect federation (no
# I/O): jansson for the JSON, OpenSSL's libcrypto for RSA and ECDSA,
# libsodium for Ed25519. Linked by iamd only (never by iam-keyd).
noinst_LTLIBRARIES += lib/libiamjwt.la
lib_libiamjwt_la_SOURCES = lib/jwt/jwt.h lib/jwt/jwt_int.h \
	lib/jwt/jwt_parse.c lib/jwt/jwt_key.c
lib_libiamjwt_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS) $(SODIUM_CFLAGS)
lib_libiamjwt_la_LIBADD = $(JANSSON_LIBS) $(LIBCRYPTO_LIBS) $(SODIUM_LIBS) -lm
