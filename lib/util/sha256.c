/* sha256: SHA-256 and HMAC-SHA256 (sha256.h). The block function follows
 * Intel's SHA extensions reference (sha256rnds2 on the ABEF/CDGH halves of
 * the state, sha256msg1/msg2 for the schedule). */
#include "util/sha256.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI_CODE 1
#endif

#ifdef HAVE_SHA_NI_CODE
static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* The state as the rounds want it: ABEF and CDGH. */
__attribute__((target("sha,sse4.1,ssse3"), always_inline))
static inline void state_load(const uint32_t state[8], __m128i *ret0, __m128i *ret1)
{
	__m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&state[0]);
	__m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&state[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xb1);            /* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1b);              /* EFGH */
	*ret0 = _mm_alignr_epi8(tmp, s1, 8);           /* ABEF */
	*ret1 = _mm_blend_epi16(s1, tmp, 0xf0);        /* CDGH */
}

__attribute__((target("sha,sse4.1,ssse3"), always_inline))
static inline void state_store(uint32_t state[8], __m128i s0, __m128i s1)
{
	__m128i tmp = _mm_shuffle_epi32(s0, 0x1b);     /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xb1);              /* DCHG */
	s0 = _mm_blend_epi16(tmp, s1, 0xf0);           /* DCBA */
	s1 = _mm_alignr_epi8(s1, tmp, 8);              /* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&state[0], s0);
	_mm_storeu_si128((__m128i *)(void *)&state[4], s1);
}

/* One 64-byte block into the state (s0, s1). */
__attribute__((target("sha,sse4.1,ssse3"), always_inline))
static inline void block_ni(__m128i *s0p, __m128i *s1p, const uint8_t *data)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
					    0x0405060700010203ULL);
	__m128i s0 = *s0p, s1 = *s1p, abef = s0, cdgh = s1, w[4], msg;
#pragma GCC unroll 16
	for (int g = 0; g < 16; g++) {
		if (g < 4)
			w[g] = _mm_shuffle_epi8(_mm_loadu_si128(
				(const __m128i *)(const void *)(data + 16 * g)), mask);
		msg = _mm_add_epi32(w[g & 3], _mm_load_si128(
			(const __m128i *)(const void *)&K[4 * g]));
		s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
		if (g >= 3 && g < 15) {
			/* the words of the next group */
			__m128i t = _mm_alignr_epi8(w[g & 3], w[(g + 3) & 3], 4);
			w[(g + 1) & 3] = _mm_sha256msg2_epu32(
				_mm_add_epi32(w[(g + 1) & 3], t), w[g & 3]);
		}
		msg = _mm_shuffle_epi32(msg, 0x0e);
		s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
		if (g >= 1 && g < 13)
			w[(g - 1) & 3] = _mm_sha256msg1_epu32(w[(g - 1) & 3], w[g & 3]);
	}
	*s0p = _mm_add_epi32(s0, abef);
	*s1p = _mm_add_epi32(s1, cdgh);
}

__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_ni(uint32_t state[8], const uint8_t *data, size_t n)
{
	__m128i s0, s1;
	state_load(state, &s0, &s1);
	for (; n; n--, data += 64)
		block_ni(&s0, &s1, data);
	state_store(state, s0, s1);
}

static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static void ni_update(struct util_sha256 *s, const uint8_t *p, size_t len)
{
	if (!len)
		return;   /* p may be NULL */
	s->total += len;
	if (s->n) {
		size_t take = 64 - s->n < len ? 64 - s->n : len;
		memcpy(s->buf + s->n, p, take);
		s->n += take;
		p += take;
		len -= take;
		if (s->n < 64)
			return;
		blocks_ni(s->h, s->buf, 1);
		s->n = 0;
	}
	if (len >= 64) {
		blocks_ni(s->h, p, len / 64);
		p += len / 64 * 64;
		len %= 64;
	}
	memcpy(s->buf, p, len);
	s->n = len;
}

static void ni_final(struct util_sha256 *s, uint8_t ret[32])
{
	uint8_t last[128];
	uint64_t bits = s->total * 8;
	size_t nl = s->n + 9 <= 64 ? 64 : 128;

	memset(last, 0, sizeof(last));
	memcpy(last, s->buf, s->n);
	last[s->n] = 0x80;
	for (int i = 0; i < 8; i++)
		last[nl - 1 - i] = (uint8_t)(bits >> (8 * i));
	blocks_ni(s->h, last, nl / 64);
	for (int i = 0; i < 8; i++) {
		ret[4 * i] = (uint8_t)(s->h[i] >> 24);
		ret[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		ret[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		ret[4 * i + 3] = (uint8_t)s->h[i];
	}
	sodium_memzero(last, sizeof(last));
}

static int have_ni = -1;

static bool cpu_has_sha(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (b & (1u << 29)) != 0;   /* SHA */
}
#endif


bool util_sha256_accelerated(void)
{
#ifdef HAVE_SHA_NI_CODE
	if (have_ni < 0)
		have_ni = cpu_has_sha();
	return have_ni;
#else
	return false;
#endif
}

void util_sha256_init(struct util_sha256 *s)
{
#ifdef HAVE_SHA_NI_CODE
	s->ni = util_sha256_accelerated();
	if (s->ni) {
		memcpy(s->h, H0, sizeof(H0));
		s->n = 0;
		s->total = 0;
		return;
	}
#endif
	s->ni = false;
	crypto_hash_sha256_init(&s->portable);
}

void util_sha256_update(struct util_sha256 *s, const void *p, size_t len)
{
#ifdef HAVE_SHA_NI_CODE
	if (s->ni) {
		ni_update(s, p, len);
		return;
	}
#endif
	crypto_hash_sha256_update(&s->portable, p, len);
}

void util_sha256_final(struct util_sha256 *s, uint8_t ret[UTIL_SHA256_LEN])
{
#ifdef HAVE_SHA_NI_CODE
	if (s->ni) {
		ni_final(s, ret);
		return;
	}
#endif
	crypto_hash_sha256_final(&s->portable, ret);
}

void util_sha256(const void *p, size_t len, uint8_t ret[UTIL_SHA256_LEN])
{
	struct util_sha256 s;
	util_sha256_init(&s);
	util_sha256_update(&s, p, len);
	util_sha256_final(&s, ret);
}

void util_sha256_hex(const void *p, size_t len, char ret[2 * UTIL_SHA256_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t h[UTIL_SHA256_LEN];
	util_sha256(p, len, h);
	for (int i = 0; i < UTIL_SHA256_LEN; i++) {
		ret[2 * i] = hex[h[i] >> 4];
		ret[2 * i + 1] = hex[h[i] & 15];
	}
	ret[2 * UTIL_SHA256_LEN] = '\0';
}

void util_hmac_sha256_init(struct util_hmac_sha256 *k, const void *key, size_t key_len)
{
	uint8_t pad[64], kh[UTIL_SHA256_LEN];
	const uint8_t *kp = key;
	if (key_len > 64) {   /* RFC 2104: a long key is hashed first */
		util_sha256(key, key_len, kh);
		kp = kh;
		key_len = sizeof(kh);
	}
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < key_len; i++)
		pad[i] ^= kp[i];
	util_sha256_init(&k->inner);
	util_sha256_update(&k->inner, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	util_sha256_init(&k->outer);
	util_sha256_update(&k->outer, pad, sizeof(pad));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(kh, sizeof(kh));
}

void util_hmac_sha256_parts(const struct util_hmac_sha256 *k, const void *const *parts,
			    const size_t *lens, size_t n, uint8_t ret[UTIL_SHA256_LEN])
{
	struct util_sha256 s = k->inner;
	uint8_t ih[UTIL_SHA256_LEN];
	for (size_t i = 0; i < n; i++)
		util_sha256_update(&s, parts[i], lens[i]);
	util_sha256_final(&s, ih);
	s = k->outer;
	util_sha256_update(&s, ih, sizeof(ih));
	util_sha256_final(&s, ret);
	sodium_memzero(ih, sizeof(ih));
	sodium_memzero(&s, sizeof(s));
}

void util_hmac_sha256_wipe(struct util_hmac_sha256 *k)
{
	sodium_memzero(k, sizeof(*k));
}

void util_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t len,
		      uint8_t ret[UTIL_SHA256_LEN])
{
	struct util_hmac_sha256 k;
	util_hmac_sha256_init(&k, key, key_len);
	util_hmac_sha256_parts(&k, (const void *const[]){ msg }, (const size_t[]){ len }, 1, ret);
	util_hmac_sha256_wipe(&k);
}

void util_sha256_lines_init(struct util_sha256_lines *s)
{
	util_sha256_init(&s->all);
	util_sha256_init(&s->line);
	s->open = false;
}

/* The line in s->line ends: its hash goes into s->all. */
static void lines_end(struct util_sha256_lines *s)
{
	uint8_t h[UTIL_SHA256_LEN];
	util_sha256_final(&s->line, h);
	util_sha256_update(&s->all, h, sizeof(h));
	util_sha256_init(&s->line);
	s->open = false;
}

void util_sha256_lines_update(struct util_sha256_lines *s, const void *p, size_t len)
{
	const char *c = p, *end = c + len;
	while (c < end) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));
		size_t k = (size_t)((nl ? nl : end) - c);
		util_sha256_update(&s->line, c, k);
		s->open = true;
		if (!nl)
			return;
		lines_end(s);
		c = nl + 1;
	}
}

void util_sha256_lines_final(struct util_sha256_lines *s, uint8_t ret[UTIL_SHA256_LEN])
{
	if (s->open)   /* a last line without its newline */
		lines_end(s);
	util_sha256_final(&s->all, ret);
}
