# lib/rpc: framing of the api socket (u32 big-endian length + protobuf
# envelope), server-side frame reader and client-side blocking helpers.
noinst_LTLIBRARIES += lib/libiamrpc.la
lib_libiamrpc_la_SOURCES = lib/rpc/rpc_frame.c lib/rpc/rpc.h
lib_libiamrpc_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
lib_libiamrpc_la_LIBADD = $(PROTOBUF_C_LIBS)
