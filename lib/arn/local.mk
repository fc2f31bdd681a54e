# lib/arn: ARN splitting and IAM wildcard matching (pure, no dependencies).
noinst_LTLIBRARIES += lib/libiamarn.la
lib_libiamarn_la_SOURCES = lib/arn/arn.c lib/arn/arn.h
lib_libiamarn_la_CFLAGS = $(AM_CFLAGS)
