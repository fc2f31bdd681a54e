# lib/policy: the IAM policy language (parse, validate, compile, decide).
# Pure: no I/O, no logging, no clock; its JSON reader is policy_json.c.
noinst_LTLIBRARIES += lib/libiampolicy.la
lib_libiampolicy_la_SOURCES = \
	lib/policy/policy.h lib/policy/policy_int.h \
	lib/policy/policy_json.c lib/policy/policy_parse.c \
	lib/policy/policy_doc.c lib/policy/policy_cond.c \
	lib/policy/policy_eval.c lib/policy/policy_warn.c \
	lib/policy/policy_keys.c
lib_libiampolicy_la_CFLAGS = $(AM_CFLAGS)
lib_libiampolicy_la_LIBADD = lib/libiamarn.la lib/libiamutil.la
