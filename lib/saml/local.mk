# lib/saml: SAML 2.0 metadata and responses (AssumeRoleWithSAML), pure:
# libxml2 and xmlsec1 with its OpenSSL backend; lib/util for times. iamd
# only (never iam-keyd).
noinst_LTLIBRARIES += lib/libiamsaml.la
lib_libiamsaml_la_SOURCES = lib/saml/saml.h lib/saml/saml_int.h \
	lib/saml/saml_xml.c lib/saml/saml_verify.c
lib_libiamsaml_la_CFLAGS = $(AM_CFLAGS) $(XMLSEC_CFLAGS)
lib_libiamsaml_la_LIBADD = $(XMLSEC_LIBS)
