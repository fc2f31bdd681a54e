# lib/store: the entity store (store.h); LMDB is confined to store_lmdb.c.
noinst_LTLIBRARIES += lib/libiamstore.la
lib_libiamstore_la_SOURCES = lib/store/store.h lib/store/store_lmdb.c
lib_libiamstore_la_CFLAGS = $(AM_CFLAGS) $(LMDB_CFLAGS)
lib_libiamstore_la_LIBADD = $(LMDB_LIBS)
