/* Unit tests for lib/ssh: MD5 against RFC 1321's vectors; keys made by
 * OpenSSH's ssh-keygen (an ssh-rsa line, its PKCS#8 and PKCS#1 PEM exports)
 * parse to the same blob with the fingerprint `ssh-keygen -l -E md5`
 * printed for them, print back as ssh-keygen exports them; short, other
 * types, truncated and garbled keys are refused with the right error. The
 * integration test ssh_keys.sh compares fingerprints with freshly made
 * keys. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ssh/sshkey.h"
#include "../tap.h"

#define K2048 \
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDJj+bJfPQgHNnmAmYr2ezmKFz9lMl9D840BSWyDDgo0sH6+TJvFmMalRQMjssFQiyDZkoRbKZTlki7/lsmpBTqk5nTSRHYqjA/IU5XqT0tEIQzTag0bLAVx0q9l06FAx/MfFxcD5G9B8ozJ73QUnez2gTpEXvOTVnymY6geJW7w7l2u+KhDc2WckCoWW1omsyJ6Cgy1pAEe0eavWr4k5x/Rw4To/vdO+oLzr5f1lgJYe+kiFA7eQSsSgzVYXLFIXr7pjgM6M1JSVleW7LMjR8yTmErOf972zZ95d2mrcdWK+LydFoa8PF7Y1/UltlUuL1VQq3VifxeogfhNSGiUEIz alice@example\n"
#define K2048_PKCS8 \
	"-----BEGIN PUBLIC KEY-----\n" \
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyY/myXz0IBzZ5gJmK9ns\n" \
	"5ihc/ZTJfQ/ONAUlsgw4KNLB+vkybxZjGpUUDI7LBUIsg2ZKEWymU5ZIu/5bJqQU\n" \
	"6pOZ00kR2KowPyFOV6k9LRCEM02oNGywFcdKvZdOhQMfzHxcXA+RvQfKMye90FJ3\n" \
	"s9oE6RF7zk1Z8pmOoHiVu8O5drvioQ3NlnJAqFltaJrMiegoMtaQBHtHmr1q+JOc\n" \
	"f0cOE6P73TvqC86+X9ZYCWHvpIhQO3kErEoM1WFyxSF6+6Y4DOjNSUlZXluyzI0f\n" \
	"Mk5hKzn/e9s2feXdpq3HVivi8nRaGvDxe2Nf1JbZVLi9VUKt1Yn8XqIH4TUholBC\n" \
	"MwIDAQAB\n" \
	"-----END PUBLIC KEY-----\n"
#define K2048_PKCS1 \
	"-----BEGIN RSA PUBLIC KEY-----\n" \
	"MIIBCgKCAQEAyY/myXz0IBzZ5gJmK9ns5ihc/ZTJfQ/ONAUlsgw4KNLB+vkybxZj\n" \
	"GpUUDI7LBUIsg2ZKEWymU5ZIu/5bJqQU6pOZ00kR2KowPyFOV6k9LRCEM02oNGyw\n" \
	"FcdKvZdOhQMfzHxcXA+RvQfKMye90FJ3s9oE6RF7zk1Z8pmOoHiVu8O5drvioQ3N\n" \
	"lnJAqFltaJrMiegoMtaQBHtHmr1q+JOcf0cOE6P73TvqC86+X9ZYCWHvpIhQO3kE\n" \
	"rEoM1WFyxSF6+6Y4DOjNSUlZXluyzI0fMk5hKzn/e9s2feXdpq3HVivi8nRaGvDx\n" \
	"e2Nf1JbZVLi9VUKt1Yn8XqIH4TUholBCMwIDAQAB\n" \
	"-----END RSA PUBLIC KEY-----\n"
#define K1024 \
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC0VS67w2gVNBlPFw63oPesDJ3T0avRjNDxRqudNh0rM1KfMawH1c+Eta+JcvSIRsmjRsfg4CjjrrZvFk497w4Y/kvv7rjuRWkeTq/ipoWAAT/Sz+Pxc163QkVH4aEyc5i4fq1HsezhA4Hwg2Lww/vFonc6AgqWkrOg9p7tqG/f1Q== short\n"
#define KED \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDNO49JoUFpS4sBOTlRgGqkt4YpbyRcN34qkGBL6+P1u ed\n"
#define K3072 \
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC+UuJXiZsK+1GhUXjHJGRJS+83M955spW7J6vBdAen9ulQgsPUxClNhih7lDIdD/iRu5EvcGFHA8kwaLchsFUQqjtFI98V8rhe/pH5oYhIgMpD//DCtHI3qmFrmQyiBETRGru4zssZsBnSTqh2pekVjngbv9ZqmN3JpquZQ+k0ohRBhIt2NHPaie/ta0179ws/2MAAX/6Cz/RXtZtVQ5pg7Q/pUUjgaHTuEXfHSPWJPtV3lCsxfXULXZL54NEoIEBtGuz/99p4GjUIG+mmmIPoJxyERhhodAMJDUB05ikk+XDQyDxShUp0pAk49SU9ck4YjUmEh35NdN1eqmFm2StrKxCxU+ZPRH0T3ZAXabaLOTquHxw3Jez91YEUnxBZ+GXoZz730VZpioYkJGLi6XnPgFRgwk5EjSEAG/7HAXfMlotPL3SqxN8NL2rmd5lpeFCmdJMkOVQTY1AINYJcepK4cebKnVsHhtj1jyb5lAdiry5G7g6HOeNUelt+yc0jjo8= k3\n"
#define K3072_PKCS8 \
	"-----BEGIN PUBLIC KEY-----\n" \
	"MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAvlLiV4mbCvtRoVF4xyRk\n" \
	"SUvvNzPeebKVuyerwXQHp/bpUILD1MQpTYYoe5QyHQ/4kbuRL3BhRwPJMGi3IbBV\n" \
	"EKo7RSPfFfK4Xv6R+aGISIDKQ//wwrRyN6pha5kMogRE0Rq7uM7LGbAZ0k6odqXp\n" \
	"FY54G7/WapjdyaarmUPpNKIUQYSLdjRz2onv7WtNe/cLP9jAAF/+gs/0V7WbVUOa\n" \
	"YO0P6VFI4Gh07hF3x0j1iT7Vd5QrMX11C12S+eDRKCBAbRrs//faeBo1CBvpppiD\n" \
	"6CcchEYYaHQDCQ1AdOYpJPlw0Mg8UoVKdKQJOPUlPXJOGI1JhId+TXTdXqphZtkr\n" \
	"aysQsVPmT0R9E92QF2m2izk6rh8cNyXs/dWBFJ8QWfhl6Gc+99FWaYqGJCRi4ul5\n" \
	"z4BUYMJORI0hABv+xwF3zJaLTy90qsTfDS9q5neZaXhQpnSTJDlUE2NQCDWCXHqS\n" \
	"uHHmyp1bB4bY9Y8m+ZQHYq8uRu4OhznjVHpbfsnNI46PAgMBAAE=\n" \
	"-----END PUBLIC KEY-----\n"

#define K2048_MD5 "76:c9:e0:b6:7b:c5:88:5a:5e:60:0d:c0:38:af:0e:09"
#define K3072_MD5 "c2:47:79:c0:21:94:23:0d:ae:a3:54:03:5a:47:89:71"

static void md5_hex(const char *s, char out[33])
{
	uint8_t d[16];
	sshkey_md5(s, strlen(s), d);
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int parse(const char *s, struct sshkey *k)
{
	return sshkey_parse(s, strlen(s), k, NULL);
}

static void md5_vectors(void)
{
	static const char *const v[][2] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	char h[33];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char name[48];
		snprintf(name, sizeof(name), "MD5 of RFC 1321 vector %zu", i);
		md5_hex(v[i][0], h);
		TAP_IS_STR(h, v[i][1], name);
	}
}

static void good_keys(void)
{
	struct sshkey a, b, c;
	char fp[SSHKEY_FP_MD5_LEN + 1], text[SSHKEY_TEXT_MAX];
	tap_ok(parse(K2048, &a) == 0, "ssh-rsa 2048 line parses");
	tap_ok(a.bits == 2048 && a.format == SSHKEY_FORMAT_SSH, "2048 bits, SSH format");
	sshkey_fingerprint_md5(&a, fp);
	TAP_IS_STR(fp, K2048_MD5, "fingerprint = ssh-keygen -l -E md5");
	tap_ok(parse(K2048_PKCS8, &b) == 0 && b.format == SSHKEY_FORMAT_PEM, "PKCS#8 PEM parses");
	tap_ok(parse(K2048_PKCS1, &c) == 0 && c.format == SSHKEY_FORMAT_PEM, "PKCS#1 PEM parses");
	tap_ok(b.blob_len == a.blob_len && memcmp(b.blob, a.blob, a.blob_len) == 0 &&
	       c.blob_len == a.blob_len && memcmp(c.blob, a.blob, a.blob_len) == 0,
	       "the three encodings give the same key");
	tap_ok(sshkey_format_pem(&a, text, sizeof(text)) == 0, "PEM printed");
	TAP_IS_STR(text, K2048_PKCS8, "PEM = ssh-keygen -e -m PKCS8");
	tap_ok(sshkey_format_ssh(&b, text, sizeof(text)) == 0, "SSH printed");
	tap_ok(strncmp(text, K2048, strlen(text)) == 0 && K2048[strlen(text)] == ' ',
	       "SSH = the line without its comment");
	tap_ok(parse(K3072, &a) == 0 && a.bits == 3072, "3072-bit key");
	sshkey_fingerprint_md5(&a, fp);
	TAP_IS_STR(fp, K3072_MD5, "3072 fingerprint");
	tap_ok(sshkey_format_pem(&a, text, sizeof(text)) == 0, "3072 PEM printed");
	TAP_IS_STR(text, K3072_PKCS8, "3072 PEM = ssh-keygen's");
	tap_ok(parse("  \n" K2048 "\n\n", &a) == 0, "white space around the line");
	tap_ok(parse("\r\n" K2048_PKCS8 "\r\n", &a) == 0, "white space around PEM");
	tap_ok(sshkey_format_pem(&a, text, 100) == -ENOBUFS, "a short buffer: ENOBUFS");
}

static void bad_keys(void)
{
	struct sshkey k;
	char buf[4096];
	const char *why = NULL;
	tap_ok(sshkey_parse(K1024, strlen(K1024), &k, &why) == -ERANGE && why,
	       "1024 bits: ERANGE (%s)", why ? why : "?");
	tap_ok(parse(KED, &k) == -EPROTONOSUPPORT, "ssh-ed25519: not supported");
	tap_ok(parse("ecdsa-sha2-nistp256 AAAA", &k) == -EPROTONOSUPPORT, "ecdsa: not supported");
	tap_ok(parse("ssh-rsa-cert-v01@openssh.com AAAA", &k) == -EPROTONOSUPPORT,
	       "certificate: not supported");
	tap_ok(parse("hello world", &k) == -EPROTONOSUPPORT, "text: unrecognized");
	tap_ok(parse("", &k) == -EPROTONOSUPPORT && parse(" \n ", &k) == -EPROTONOSUPPORT,
	       "empty: unrecognized");
	tap_ok(parse("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----", &k) ==
	       -EPROTONOSUPPORT, "private key: refused");
	tap_ok(parse("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", &k) ==
	       -EPROTONOSUPPORT, "certificate PEM: refused");
	tap_ok(parse("ssh-rsa", &k) == -EINVAL, "no key data");
	tap_ok(parse("ssh-rsa AAAA!!!!", &k) == -EINVAL, "bad base64");
	tap_ok(parse("ssh-rsa AAAAB3NzaC1yc2E=", &k) == -EINVAL, "truncated blob");
	/* a line whose blob names another type */
	tap_ok(parse("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDNO49JoUFpS4sBOTlRgGqkt4YpbyRcN34qkGBL6+P1u",
		     &k) == -EINVAL, "ed25519 blob on an ssh-rsa line");
	/* every truncation of a good line */
	const char *line = K2048;
	const char *sp = strchr(line + 8, ' ');
	size_t b64len = (size_t)(sp - line);
	int ok = 1;
	for (size_t n = 8; n < b64len; n++) {
		memcpy(buf, line, n);
		buf[n] = '\0';
		if (parse(buf, &k) == 0)
			ok = 0;
	}
	tap_ok(ok, "no truncation of the base64 parses");
	/* every single-byte change of the PKCS#8 body is refused or a key */
	ok = 1;
	for (size_t i = 30; i < strlen(K2048_PKCS8) - 30; i++) {
		snprintf(buf, sizeof(buf), "%s", K2048_PKCS8);
		buf[i] = buf[i] == 'A' ? 'B' : 'A';
		int r = parse(buf, &k);
		if (r != 0 && r != -EINVAL && r != -ERANGE && r != -EPROTONOSUPPORT)
			ok = 0;
	}
	tap_ok(ok, "garbled PEM: refused with a known error or parsed");
	snprintf(buf, sizeof(buf), "%s\n%s", "ssh-rsa AAAA x", "second");
	tap_ok(parse(buf, &k) == -EINVAL, "two lines: invalid");
	snprintf(buf, sizeof(buf), "%s trailing", K2048_PKCS8);
	tap_ok(parse(buf, &k) == -EINVAL, "text after the PEM block");
}

int main(void)
{
	md5_vectors();
	good_keys();
	bad_keys();
	return tap_done();
}
