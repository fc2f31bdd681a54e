# lib/ssh: SSH public keys as IAM takes them (OpenSSH lines and PEM), their
# MD5 fingerprints and encodings (sshkey.h). Pure, no dependencies.
noinst_LTLIBRARIES += lib/libiamssh.la
lib_libiamssh_la_SOURCES = lib/ssh/sshkey.h lib/ssh/sshkey.c lib/ssh/sshkey_md5.c
lib_libiamssh_la_CFLAGS = $(AM_CFLAGS)
