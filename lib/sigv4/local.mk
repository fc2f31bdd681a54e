# lib/sigv4: AWS Signature Version 4, the pure parts (Authorization header,
# canonical request, string to sign, signing); util/sha256.h for the hashes
# (programs link lib/libiamutil.la after it), libsodium to wipe and compare.
noinst_LTLIBRARIES += lib/libiamsigv4.la
lib_libiamsigv4_la_SOURCES = lib/sigv4/sigv4.h lib/sigv4/sigv4_int.h \
	lib/sigv4/sigv4_authz.c lib/sigv4/sigv4_canon.c \
	lib/sigv4/sigv4_crypto.c lib/sigv4/sigv4_http.c \
	lib/sigv4/sigv4_api.c
lib_libiamsigv4_la_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
lib_libiamsigv4_la_LIBADD = $(SODIUM_LIBS)
EXTRA_DIST += docs/sigv4.md
