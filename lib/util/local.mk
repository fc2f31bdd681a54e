# lib/util: small pieces every process uses (arena, ids, names, time).
noinst_LTLIBRARIES += lib/libiamutil.la
lib_libiamutil_la_SOURCES = \
	lib/util/arena.c lib/util/arena.h
lib_libiamutil_la_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
lib_libiamutil_la_LIBADD = $(SODIUM_LIBS)
lib_libiamutil_la_SOURCES += lib/util/isotime.c lib/util/isotime.h
lib_libiamutil_la_SOURCES += lib/util/id.c lib/util/id.h lib/util/name.c lib/util/name.h
lib_libiamutil_la_SOURCES += lib/util/sha1.c lib/util/sha1.h
lib_libiamutil_la_SOURCES += lib/util/qr.c lib/util/qr_png.c lib/util/qr.h
lib_libiamutil_la_SOURCES += lib/util/random.c lib/util/random.h
lib_libiamutil_la_SOURCES += lib/util/sha256.c lib/util/sha256.h
lib_libiamutil_la_SOURCES += lib/util/spin.c lib/util/spin.h
