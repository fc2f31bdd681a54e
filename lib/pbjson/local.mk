# lib/pbjson: protobuf-c messages <-> AWS JSON (the jansson adapter), AWS
# member names, descriptor walking for the CLI, the gateway and the audit.
noinst_LTLIBRARIES += lib/libiampbjson.la
lib_libiampbjson_la_SOURCES = lib/pbjson/pbjson.h lib/pbjson/pbjson_names.c \
	lib/pbjson/pbjson_fields.c lib/pbjson/pbjson_encode.c \
	lib/pbjson/pbjson_decode.c lib/pbjson/pbjson_coerce.c \
	lib/pbjson/pbjson_query.h lib/pbjson/pbjson_form.c lib/pbjson/pbjson_xml.c \
	lib/pbjson/pbjson_write.c
lib_libiampbjson_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(JANSSON_CFLAGS)
lib_libiampbjson_la_LIBADD = \
	$(PROTOBUF_C_LIBS) $(JANSSON_LIBS)
