/* sshkey: SSH public keys as IAM's UploadSSHPublicKey takes them (an
 * OpenSSH public key line "ssh-rsa BASE64 [comment]", or PEM: a
 * SubjectPublicKeyInfo "BEGIN PUBLIC KEY" or a PKCS#1 "BEGIN RSA PUBLIC
 * KEY"), their MD5 fingerprint as IAM and `ssh-keygen -l -E md5` print it,
 * and the two encodings GetSSHPublicKey answers (SSH, PEM).
 *
 * Pure: no I/O, no allocation (fixed buffers), every length read from the
 * input checked against what is left before it is used. AWS accepts RSA
 * keys of at least 2048 bits only (docs/ssh.md); other SSH key types
 * (ssh-ed25519, ecdsa-sha2-*, ssh-dss, sk-*) are recognized and refused. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* RSA moduli of 2048..16384 bits (OpenSSH's own upper bound). */
#define SSHKEY_RSA_MIN_BITS 2048
#define SSHKEY_RSA_MAX_BITS 16384
/* The SSH wire blob: string "ssh-rsa", mpint e (at most 64 bytes here),
 * mpint n; with room to spare. */
#define SSHKEY_BLOB_MAX 2304
/* "xx:" x 16 without the last colon */
#define SSHKEY_FP_MD5_LEN 47
/* The longest body either encoding gives (PEM of a 16384-bit key with
 * 64-character lines), with the NUL. */
#define SSHKEY_TEXT_MAX 4096

enum sshkey_format {
	SSHKEY_FORMAT_SSH = 0,    /* "ssh-rsa BASE64 [comment]" */
	SSHKEY_FORMAT_PEM,        /* -----BEGIN PUBLIC KEY----- / RSA PUBLIC KEY */
};

/* Why a text is not a key (parse's negative returns):
 *   -EPROTONOSUPPORT  not an encoding or key type IAM takes
 *                     (UnrecognizedPublicKeyEncoding)
 *   -EINVAL           an RSA key in a known encoding, but malformed
 *                     (InvalidPublicKey)
 *   -ERANGE           a well-formed RSA key outside 2048..16384 bits
 *                     (InvalidPublicKey) */
struct sshkey {
	uint8_t blob[SSHKEY_BLOB_MAX];  /* the SSH wire form: what the
					 * fingerprint hashes, whatever the
					 * encoding uploaded */
	size_t blob_len;
	unsigned bits;                  /* of the modulus */
	enum sshkey_format format;      /* as uploaded */
};

/* Parses text[0, len) (leading and trailing white space allowed; one key).
 * *ret is written only on success; *reterr_reason (may be NULL) gets a
 * static English reason on failure. */
int sshkey_parse(const char *text, size_t len, struct sshkey *ret, const char **reterr_reason);

/* "c1:4a:...": MD5 of the blob, lower-case hex pairs joined by colons. */
void sshkey_fingerprint_md5(const struct sshkey *k, char ret[SSHKEY_FP_MD5_LEN + 1]);

/* "ssh-rsa BASE64" (no comment, no newline). -ENOBUFS if size is short. */
int sshkey_format_ssh(const struct sshkey *k, char *buf, size_t size);
/* "-----BEGIN PUBLIC KEY-----\n" 64-column base64 of the
 * SubjectPublicKeyInfo "\n-----END PUBLIC KEY-----\n". -ENOBUFS if short. */
int sshkey_format_pem(const struct sshkey *k, char *buf, size_t size);

/* MD5 (RFC 1321) of data[0, len). */
void sshkey_md5(const void *data, size_t len, uint8_t ret[16]);
