/* sshkey: parsing and printing SSH public keys (sshkey.h). Every length
 * read from the input is checked against the bytes left before use; all
 * buffers are fixed, nothing is allocated. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ssh/sshkey.h"

#define RSA_TYPE "ssh-rsa"
/* the modulus as an mpint: up to 16384 bits and a leading zero */
#define N_MAX (SSHKEY_RSA_MAX_BITS / 8 + 1)
#define E_MAX 64
/* DER of the longest SubjectPublicKeyInfo */
#define DER_MAX (SSHKEY_BLOB_MAX + 64)

static const uint8_t rsa_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

struct rd {
	const uint8_t *p;
	size_t left;
};

static int fail(const char **reason, const char *why, int err)
{
	if (reason)
		*reason = why;
	return err;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Strict base64 of s[0, n) (white space skipped when `skip_space`): groups
 * of four, '=' only at the end. -EINVAL when malformed, -E2BIG when the
 * result would not fit in `cap`. */
static int b64_decode(const char *s, size_t n, bool skip_space, uint8_t *out, size_t cap,
		      size_t *ret_len)
{
	uint32_t acc = 0;
	size_t o = 0, q = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (skip_space && is_space(ch))
			continue;
		if (ch == '=') {
			pad++;
			if (pad > 2)
				return -EINVAL;
			acc <<= 6;
			q++;
		} else {
			int v = b64_val(ch);
			if (v < 0 || pad)
				return -EINVAL;
			acc = acc << 6 | (uint32_t)v;
			q++;
		}
		if (q == 4) {
			size_t k = 3 - pad;
			if (o + k > cap)
				return -E2BIG;
			uint8_t g[3] = { (uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc };
			memcpy(out + o, g, k);
			o += k;
			acc = 0;
			q = 0;
			if (pad)
				break;   /* '=' ends the data: nothing may follow */
		}
	}
	if (q != 0)
		return -EINVAL;
	/* after padding, only white space (when skipped) */
	if (pad) {
		const char *end = memchr(s, '=', n);
		for (const char *p = end; p && p < s + n; p++)
			if (*p != '=' && !(skip_space && is_space(*p)))
				return -EINVAL;
	}
	if (o == 0)
		return -EINVAL;
	*ret_len = o;
	return 0;
}

/* base64 of in[0, n) into out, a line break every `wrap` characters (0:
 * none) and after the last line when wrapping. Returns the length or
 * -ENOBUFS. */
static int b64_encode(const uint8_t *in, size_t n, size_t wrap, char *out, size_t cap)
{
	size_t o = 0, col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		char g[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
			      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
		for (int k = 0; k < 4; k++) {
			if (o + 2 >= cap)
				return -ENOBUFS;
			out[o++] = g[k];
			if (wrap && ++col == wrap) {
				out[o++] = '\n';
				col = 0;
			}
		}
	}
	if (wrap && col) {
		if (o + 1 >= cap)
			return -ENOBUFS;
		out[o++] = '\n';
	}
	out[o] = '\0';
	return (int)o;
}

/* ---- the SSH wire form ---- */

static int rd_u32(struct rd *r, uint32_t *ret)
{
	if (r->left < 4)
		return -EINVAL;
	*ret = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 |
	       r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int rd_string(struct rd *r, const uint8_t **ret, size_t *ret_len)
{
	uint32_t n;
	if (rd_u32(r, &n) < 0 || n > r->left)
		return -EINVAL;
	*ret = r->p;
	*ret_len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

/* A positive integer in its minimal two's complement form (an SSH mpint's
 * bytes, a DER INTEGER's content): not empty, not negative, no needless
 * leading zero. */
static bool int_canonical(const uint8_t *p, size_t n)
{
	if (n == 0 || (p[0] & 0x80))
		return false;
	if (p[0] == 0 && (n == 1 || !(p[1] & 0x80)))
		return false;
	return true;
}

static unsigned int_bits(const uint8_t *p, size_t n)
{
	while (n && *p == 0) {
		p++;
		n--;
	}
	if (!n)
		return 0;
	unsigned bits = (unsigned)(n - 1) * 8;
	for (uint8_t top = p[0]; top; top >>= 1)
		bits++;
	return bits;
}

/* e and n of an RSA key: the checks both encodings share. */
static int rsa_check(const uint8_t *e, size_t elen, const uint8_t *n, size_t nlen,
		     unsigned *ret_bits, const char **reason)
{
	if (!int_canonical(e, elen) || !int_canonical(n, nlen))
		return fail(reason, "the RSA exponent or modulus is not a positive integer in "
			    "its minimal encoding", -EINVAL);
	if (elen > E_MAX || !(e[elen - 1] & 1) || int_bits(e, elen) < 2)
		return fail(reason, "the RSA public exponent is not an odd number of at most 512 "
			    "bits greater than 1", -EINVAL);
	if (!(n[nlen - 1] & 1))
		return fail(reason, "the RSA modulus is even", -EINVAL);
	unsigned bits = int_bits(n, nlen);
	if (bits < SSHKEY_RSA_MIN_BITS)
		return fail(reason, "the RSA key is shorter than 2048 bits", -ERANGE);
	if (bits > SSHKEY_RSA_MAX_BITS)
		return fail(reason, "the RSA key is longer than 16384 bits", -ERANGE);
	*ret_bits = bits;
	return 0;
}

static void put_u32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The SSH blob of (e, n), both canonical. */
static int blob_build(struct sshkey *k, const uint8_t *e, size_t elen, const uint8_t *n,
		      size_t nlen)
{
	size_t tlen = strlen(RSA_TYPE);
	size_t total = 4 + tlen + 4 + elen + 4 + nlen;
	if (total > sizeof(k->blob))
		return -E2BIG;
	uint8_t *p = k->blob;
	put_u32(p, tlen);
	memcpy(p + 4, RSA_TYPE, tlen);
	p += 4 + tlen;
	put_u32(p, elen);
	memcpy(p + 4, e, elen);
	p += 4 + elen;
	put_u32(p, nlen);
	memcpy(p + 4, n, nlen);
	k->blob_len = total;
	return 0;
}

/* The blob of an "ssh-rsa" line: type, e, n, and nothing after. */
static int blob_parse(struct sshkey *k, const char **reason)
{
	struct rd r = { k->blob, k->blob_len };
	const uint8_t *type, *e, *n;
	size_t tlen, elen, nlen;
	if (rd_string(&r, &type, &tlen) < 0 || rd_string(&r, &e, &elen) < 0 ||
	    rd_string(&r, &n, &nlen) < 0)
		return fail(reason, "the key data is truncated", -EINVAL);
	if (r.left)
		return fail(reason, "the key data has bytes after the modulus", -EINVAL);
	if (tlen != strlen(RSA_TYPE) || memcmp(type, RSA_TYPE, tlen) != 0)
		return fail(reason, "the key data is not of the type its line names", -EINVAL);
	return rsa_check(e, elen, n, nlen, &k->bits, reason);
}

/* SSH key types IAM does not take (recognized so the answer says why). */
static bool other_ssh_type(const char *t, size_t n)
{
	static const char *const types[] = {
		"ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
		"sk-ecdsa-sha2-nistp256@openssh.com", "ssh-ed448", "rsa-sha2-256", "rsa-sha2-512",
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i]) == n && memcmp(types[i], t, n) == 0)
			return true;
	static const char cert[] = "-cert-v01@openssh.com";
	size_t cl = sizeof(cert) - 1;
	return n > cl && memcmp(t + n - cl, cert, cl) == 0;
}

static int parse_ssh_line(const char *s, size_t n, struct sshkey *k, const char **reason)
{
	size_t i = 0, tlen, start;
	while (i < n && !is_space(s[i]))
		i++;
	tlen = i;
	if (!(tlen == strlen(RSA_TYPE) && memcmp(s, RSA_TYPE, tlen) == 0)) {
		if (other_ssh_type(s, tlen))
			return fail(reason, "only RSA keys (ssh-rsa) are accepted",
				    -EPROTONOSUPPORT);
		return fail(reason, "the key is neither an ssh-rsa line nor PEM",
			    -EPROTONOSUPPORT);
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	start = i;
	while (i < n && !is_space(s[i]))
		i++;
	if (i == start)
		return fail(reason, "the ssh-rsa line has no key data", -EINVAL);
	int r = b64_decode(s + start, i - start, false, k->blob, sizeof(k->blob), &k->blob_len);
	if (r == -E2BIG)
		return fail(reason, "the RSA key is longer than 16384 bits", -ERANGE);
	if (r < 0)
		return fail(reason, "the key data is not valid base64", -EINVAL);
	/* the comment: anything on the same line */
	for (; i < n; i++)
		if (s[i] == '\n' || s[i] == '\r')
			return fail(reason, "the body holds more than one line", -EINVAL);
	k->format = SSHKEY_FORMAT_SSH;
	return blob_parse(k, reason);
}

/* ---- DER (PEM) ---- */

/* One DER element of `tag` at r: its content. Definite lengths in their
 * shortest form only. */
static int der_get(struct rd *r, uint8_t tag, const uint8_t **ret, size_t *ret_len)
{
	size_t len;
	if (r->left < 2 || r->p[0] != tag)
		return -EINVAL;
	uint8_t l0 = r->p[1];
	r->p += 2;
	r->left -= 2;
	if (l0 < 0x80) {
		len = l0;
	} else {
		size_t nb = l0 & 0x7f;
		if (nb == 0 || nb > 3 || nb > r->left || r->p[0] == 0)
			return -EINVAL;
		len = 0;
		for (size_t i = 0; i < nb; i++)
			len = len << 8 | r->p[i];
		if (len < 0x80)
			return -EINVAL;
		r->p += nb;
		r->left -= nb;
	}
	if (len > r->left)
		return -EINVAL;
	*ret = r->p;
	*ret_len = len;
	r->p += len;
	r->left -= len;
	return 0;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static int der_rsa_public_key(struct sshkey *k, const uint8_t *p, size_t len,
			      const char **reason)
{
	struct rd r = { p, len }, seq;
	const uint8_t *s, *n, *e;
	size_t slen, nlen, elen;
	if (der_get(&r, 0x30, &s, &slen) < 0 || r.left)
		return fail(reason, "the PEM body is not an RSA public key", -EINVAL);
	seq = (struct rd){ s, slen };
	if (der_get(&seq, 0x02, &n, &nlen) < 0 || der_get(&seq, 0x02, &e, &elen) < 0 || seq.left)
		return fail(reason, "the PEM body is not an RSA public key", -EINVAL);
	int rc = rsa_check(e, elen, n, nlen, &k->bits, reason);
	if (rc < 0)
		return rc;
	if (blob_build(k, e, elen, n, nlen) < 0)
		return fail(reason, "the RSA key is longer than 16384 bits", -ERANGE);
	return 0;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID, params }, BIT STRING } */
static int der_spki(struct sshkey *k, const uint8_t *p, size_t len, const char **reason)
{
	struct rd r = { p, len }, spki, alg;
	const uint8_t *s, *a, *oid, *bits;
	size_t slen, alen, oidlen, blen;
	if (der_get(&r, 0x30, &s, &slen) < 0 || r.left)
		return fail(reason, "the PEM body is not a SubjectPublicKeyInfo", -EINVAL);
	spki = (struct rd){ s, slen };
	if (der_get(&spki, 0x30, &a, &alen) < 0)
		return fail(reason, "the PEM body is not a SubjectPublicKeyInfo", -EINVAL);
	alg = (struct rd){ a, alen };
	if (der_get(&alg, 0x06, &oid, &oidlen) < 0)
		return fail(reason, "the PEM body is not a SubjectPublicKeyInfo", -EINVAL);
	if (oidlen != sizeof(rsa_oid) || memcmp(oid, rsa_oid, oidlen) != 0)
		return fail(reason, "only RSA keys are accepted", -EPROTONOSUPPORT);
	/* parameters: NULL, or absent */
	if (alg.left && (alg.left != 2 || alg.p[0] != 0x05 || alg.p[1] != 0))
		return fail(reason, "the RSA algorithm parameters are not NULL", -EINVAL);
	if (der_get(&spki, 0x03, &bits, &blen) < 0 || spki.left || blen < 1 || bits[0] != 0)
		return fail(reason, "the PEM body's key is not a whole BIT STRING", -EINVAL);
	return der_rsa_public_key(k, bits + 1, blen - 1, reason);
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	return n >= pl && memcmp(s, prefix, pl) == 0;
}

static const char *find(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; nl <= n && i <= n - nl; i++)
		if (memcmp(s + i, needle, nl) == 0)
			return s + i;
	return NULL;
}

static int parse_pem(const char *s, size_t n, struct sshkey *k, const char **reason)
{
	static const struct {
		const char *begin, *end;
		bool spki;
	} labels[] = {
		{ "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----", true },
		{ "-----BEGIN RSA PUBLIC KEY-----", "-----END RSA PUBLIC KEY-----", false },
	};
	uint8_t der[DER_MAX];
	size_t dlen;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (!starts(s, n, labels[i].begin))
			continue;
		size_t bl = strlen(labels[i].begin), el = strlen(labels[i].end);
		const char *body = s + bl;
		const char *end = find(body, n - bl, labels[i].end);
		if (!end)
			return fail(reason, "the PEM block has no END line", -EINVAL);
		if ((size_t)(end - s) + el != n)
			return fail(reason, "the body has text after the PEM block", -EINVAL);
		size_t blen = (size_t)(end - body);
		if (memchr(body, ':', blen) || memchr(body, '-', blen))
			return fail(reason, "the PEM block has headers or a second block", -EINVAL);
		int r = b64_decode(body, blen, true, der, sizeof(der), &dlen);
		if (r == -E2BIG)
			return fail(reason, "the RSA key is longer than 16384 bits", -ERANGE);
		if (r < 0)
			return fail(reason, "the PEM block is not valid base64", -EINVAL);
		k->format = SSHKEY_FORMAT_PEM;
		return labels[i].spki ? der_spki(k, der, dlen, reason)
				      : der_rsa_public_key(k, der, dlen, reason);
	}
	if (find(s, n, "PRIVATE KEY-----"))
		return fail(reason, "the body is a private key: upload the public key only",
			    -EPROTONOSUPPORT);
	return fail(reason, "the PEM block is not a public key", -EPROTONOSUPPORT);
}

int sshkey_parse(const char *text, size_t len, struct sshkey *ret, const char **reterr_reason)
{
	struct sshkey k;
	if (!text)
		return fail(reterr_reason, "no key", -EINVAL);
	while (len && is_space(*text)) {
		text++;
		len--;
	}
	while (len && is_space(text[len - 1]))
		len--;
	if (!len)
		return fail(reterr_reason, "the body is empty", -EPROTONOSUPPORT);
	memset(&k, 0, sizeof(k));
	int r = starts(text, len, "-----BEGIN ") ? parse_pem(text, len, &k, reterr_reason)
						 : parse_ssh_line(text, len, &k, reterr_reason);
	if (r < 0)
		return r;
	*ret = k;
	return 0;
}

/* ---- printing ---- */

void sshkey_fingerprint_md5(const struct sshkey *k, char ret[SSHKEY_FP_MD5_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[16];
	sshkey_md5(k->blob, k->blob_len, d);
	for (int i = 0; i < 16; i++) {
		ret[i * 3] = hex[d[i] >> 4];
		ret[i * 3 + 1] = hex[d[i] & 15];
		if (i < 15)
			ret[i * 3 + 2] = ':';
	}
	ret[SSHKEY_FP_MD5_LEN] = '\0';
}

int sshkey_format_ssh(const struct sshkey *k, char *buf, size_t size)
{
	size_t tl = strlen(RSA_TYPE);
	if (size < tl + 2)
		return -ENOBUFS;
	memcpy(buf, RSA_TYPE " ", tl + 1);
	int r = b64_encode(k->blob, k->blob_len, 0, buf + tl + 1, size - tl - 1);
	return r < 0 ? r : 0;
}

static size_t der_len(uint8_t *p, size_t len)
{
	if (len < 0x80) {
		p[0] = (uint8_t)len;
		return 1;
	}
	if (len < 0x100) {
		p[0] = 0x81;
		p[1] = (uint8_t)len;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	return 3;
}

static size_t der_len_size(size_t len)
{
	return len < 0x80 ? 1 : len < 0x100 ? 2 : 3;
}

int sshkey_format_pem(const struct sshkey *k, char *buf, size_t size)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----\n";
	static const char end[] = "-----END PUBLIC KEY-----\n";
	struct rd r = { k->blob, k->blob_len };
	const uint8_t *type, *e, *n;
	size_t tlen, elen, nlen;
	uint8_t der[DER_MAX];
	if (rd_string(&r, &type, &tlen) < 0 || rd_string(&r, &e, &elen) < 0 ||
	    rd_string(&r, &n, &nlen) < 0)
		return -EINVAL;
	size_t ints = 1 + der_len_size(nlen) + nlen + 1 + der_len_size(elen) + elen;
	size_t rsapub = 1 + der_len_size(ints) + ints;
	size_t bitstr = 1 + der_len_size(rsapub + 1) + rsapub + 1;
	static const uint8_t alg[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				       0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
	size_t inner = sizeof(alg) + bitstr;
	size_t total = 1 + der_len_size(inner) + inner;
	if (total > sizeof(der))
		return -E2BIG;
	uint8_t *p = der;
	*p++ = 0x30;
	p += der_len(p, inner);
	memcpy(p, alg, sizeof(alg));
	p += sizeof(alg);
	*p++ = 0x03;
	p += der_len(p, rsapub + 1);
	*p++ = 0x00;
	*p++ = 0x30;
	p += der_len(p, ints);
	*p++ = 0x02;
	p += der_len(p, nlen);
	memcpy(p, n, nlen);
	p += nlen;
	*p++ = 0x02;
	p += der_len(p, elen);
	memcpy(p, e, elen);
	p += elen;
	size_t bl = strlen(begin), el = strlen(end);
	if (size < bl + el + 1)
		return -ENOBUFS;
	memcpy(buf, begin, bl);
	int w = b64_encode(der, (size_t)(p - der), 64, buf + bl, size - bl - el);
	if (w < 0)
		return w;
	memcpy(buf + bl + (size_t)w, end, el + 1);
	return 0;
}
