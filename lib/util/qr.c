/* qr: QR Code Model 2 encoding in byte mode at level M (qr.h). The steps
 * are the standard's: the bit stream (mode, count, data, terminator, pad
 * bytes), Reed-Solomon error correction per block over GF(256) with the
 * polynomial 0x11D, the blocks interleaved, the function patterns (finders,
 * timing, alignment, format and version information), the codewords placed
 * in the zigzag, and the mask of lowest penalty (rules N1 to N4). */
#include "config.h"
#include "util/qr.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "util/arena.h"

#define ECL_M_FORMAT 0   /* level M's two format bits */

/* Error correction codewords per block and number of blocks, level M, by
 * version (index 0 unused): ISO/IEC 18004 Table 9. */
static const uint8_t ecc_per_block[41] = {
	0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
	26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
};
static const uint8_t num_blocks[41] = {
	0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
	17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
};

struct qr {
	int ver, size;
	uint8_t *mod;    /* size * size, 1 = dark */
	uint8_t *fn;     /* 1 = part of a function pattern */
};

/* Modules of a version's symbol that carry data and error correction. */
static int raw_modules(int ver)
{
	int r = (16 * ver + 128) * ver + 64;
	if (ver >= 2) {
		int na = ver / 7 + 2;
		r -= (25 * na - 10) * na - 55;
		if (ver >= 7)
			r -= 36;
	}
	return r;
}

static int data_codewords(int ver)
{
	return raw_modules(ver) / 8 - ecc_per_block[ver] * num_blocks[ver];
}

static uint8_t gf_mul(uint8_t x, uint8_t y)
{
	unsigned z = 0;
	for (int i = 7; i >= 0; i--) {
		z = (z << 1) ^ ((z >> 7) * 0x11Du);
		z ^= ((y >> i) & 1u) * x;
	}
	return (uint8_t)z;
}

/* The generator polynomial of degree n (n <= 30), highest term implied. */
static void rs_divisor(int n, uint8_t *div)
{
	memset(div, 0, (size_t)n);
	div[n - 1] = 1;
	uint8_t root = 1;
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			div[j] = gf_mul(div[j], root);
			if (j + 1 < n)
				div[j] ^= div[j + 1];
		}
		root = gf_mul(root, 0x02);
	}
}

static void rs_remainder(const uint8_t *data, int len, const uint8_t *div, int n,
			 uint8_t *rem)
{
	memset(rem, 0, (size_t)n);
	for (int i = 0; i < len; i++) {
		uint8_t f = data[i] ^ rem[0];
		memmove(rem, rem + 1, (size_t)n - 1);
		rem[n - 1] = 0;
		for (int j = 0; j < n; j++)
			rem[j] ^= gf_mul(div[j], f);
	}
}

static void set_fn(struct qr *q, int x, int y, bool dark)
{
	q->mod[y * q->size + x] = dark;
	q->fn[y * q->size + x] = 1;
}

static void draw_finder(struct qr *q, int cx, int cy)
{
	for (int dy = -4; dy <= 4; dy++)
		for (int dx = -4; dx <= 4; dx++) {
			int x = cx + dx, y = cy + dy;
			int ax = dx < 0 ? -dx : dx, ay = dy < 0 ? -dy : dy;
			int d = ax > ay ? ax : ay;
			if (x >= 0 && x < q->size && y >= 0 && y < q->size)
				set_fn(q, x, y, d != 2 && d != 4);
		}
}

static void draw_alignment(struct qr *q, int cx, int cy)
{
	for (int dy = -2; dy <= 2; dy++)
		for (int dx = -2; dx <= 2; dx++) {
			int ax = dx < 0 ? -dx : dx, ay = dy < 0 ? -dy : dy;
			set_fn(q, cx + dx, cy + dy, (ax > ay ? ax : ay) != 1);
		}
}

static void draw_format(struct qr *q, int mask)
{
	int data = ECL_M_FORMAT << 3 | mask, rem = data;
	for (int i = 0; i < 10; i++)
		rem = (rem << 1) ^ ((rem >> 9) * 0x537);
	int bits = (data << 10 | rem) ^ 0x5412, n = q->size;
#define BIT(i) (((bits >> (i)) & 1) != 0)
	for (int i = 0; i <= 5; i++)
		set_fn(q, 8, i, BIT(i));
	set_fn(q, 8, 7, BIT(6));
	set_fn(q, 8, 8, BIT(7));
	set_fn(q, 7, 8, BIT(8));
	for (int i = 9; i < 15; i++)
		set_fn(q, 14 - i, 8, BIT(i));
	for (int i = 0; i < 8; i++)
		set_fn(q, n - 1 - i, 8, BIT(i));
	for (int i = 8; i < 15; i++)
		set_fn(q, 8, n - 15 + i, BIT(i));
#undef BIT
	set_fn(q, 8, n - 8, true);   /* the dark module */
}

static void draw_version(struct qr *q)
{
	if (q->ver < 7)
		return;
	int rem = q->ver;
	for (int i = 0; i < 12; i++)
		rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
	long bits = (long)q->ver << 12 | rem;
	for (int i = 0; i < 18; i++) {
		bool b = ((bits >> i) & 1) != 0;
		int a = q->size - 11 + i % 3, c = i / 3;
		set_fn(q, a, c, b);
		set_fn(q, c, a, b);
	}
}

static void draw_function_patterns(struct qr *q)
{
	int n = q->size;
	for (int i = 0; i < n; i++) {
		set_fn(q, 6, i, i % 2 == 0);
		set_fn(q, i, 6, i % 2 == 0);
	}
	draw_finder(q, 3, 3);
	draw_finder(q, n - 4, 3);
	draw_finder(q, 3, n - 4);
	if (q->ver >= 2) {
		int na = q->ver / 7 + 2, pos[7];
		int step = q->ver == 32 ? 26 : (q->ver * 4 + na * 2 + 1) / (na * 2 - 2) * 2;
		pos[0] = 6;
		for (int i = na - 1, p = n - 7; i >= 1; i--, p -= step)
			pos[i] = p;
		for (int i = 0; i < na; i++)
			for (int j = 0; j < na; j++)
				if (!((i == 0 && j == 0) || (i == 0 && j == na - 1) ||
				      (i == na - 1 && j == 0)))
					draw_alignment(q, pos[i], pos[j]);
	}
	draw_format(q, 0);   /* reserved now, drawn for real with the mask */
	draw_version(q);
}

static void draw_codewords(struct qr *q, const uint8_t *cw, int ncw)
{
	int n = q->size;
	long i = 0, nbits = (long)ncw * 8;
	for (int right = n - 1; right >= 1; right -= 2) {
		if (right == 6)
			right = 5;
		for (int v = 0; v < n; v++)
			for (int j = 0; j < 2; j++) {
				int x = right - j;
				bool up = ((right + 1) & 2) == 0;
				int y = up ? n - 1 - v : v;
				if (!q->fn[y * n + x] && i < nbits) {
					q->mod[y * n + x] = (cw[i >> 3] >> (7 - (i & 7))) & 1;
					i++;
				}
			}
	}
}

static bool mask_bit(int mask, int x, int y)
{
	switch (mask) {
	case 0: return (x + y) % 2 == 0;
	case 1: return y % 2 == 0;
	case 2: return x % 3 == 0;
	case 3: return (x + y) % 3 == 0;
	case 4: return (x / 3 + y / 2) % 2 == 0;
	case 5: return x * y % 2 + x * y % 3 == 0;
	case 6: return (x * y % 2 + x * y % 3) % 2 == 0;
	default: return ((x + y) % 2 + x * y % 3) % 2 == 0;
	}
}

static void apply_mask(struct qr *q, int mask)
{
	for (int y = 0; y < q->size; y++)
		for (int x = 0; x < q->size; x++)
			if (!q->fn[y * q->size + x] && mask_bit(mask, x, y))
				q->mod[y * q->size + x] ^= 1;
}

/* Module (x, y), or (y, x) when `col`: scanning columns as rows. */
static int at(const struct qr *q, bool col, int i, int j)
{
	return col ? q->mod[j * q->size + i] : q->mod[i * q->size + j];
}

/* The standard's penalty: N1 runs of five or more, N2 2x2 blocks, N3
 * finder-like 1:1:3:1:1 patterns with four light modules beside, N4 the
 * share of dark modules away from half. Lower is better. */
static long penalty(const struct qr *q)
{
	int n = q->size;
	long p = 0, dark = 0;
	for (int pass = 0; pass < 2; pass++) {
		bool col = pass == 1;
		for (int i = 0; i < n; i++) {
			int run = 1;
			for (int j = 1; j <= n; j++) {
				if (j < n && at(q, col, i, j) == at(q, col, i, j - 1)) {
					run++;
					continue;
				}
				if (run >= 5)
					p += 3 + (run - 5);
				run = 1;
			}
			/* 1011101 with 0000 before or after (outside counts light) */
			for (int j = -4; j + 6 < n + 4; j++) {
				static const int core[7] = { 1, 0, 1, 1, 1, 0, 1 };
				bool m = true;
				for (int k = 0; k < 7 && m; k++) {
					int jj = j + k;
					int v = jj >= 0 && jj < n ? at(q, col, i, jj) : 0;
					m = v == core[k];
				}
				if (!m)
					continue;
				bool before = true, after = true;
				for (int k = 1; k <= 4; k++) {
					int b = j - k, a = j + 6 + k;
					if (b >= 0 && b < n && at(q, col, i, b))
						before = false;
					if (a >= 0 && a < n && at(q, col, i, a))
						after = false;
				}
				if (before || after)
					p += 40;
			}
		}
	}
	for (int y = 0; y + 1 < n; y++)
		for (int x = 0; x + 1 < n; x++) {
			int c = q->mod[y * n + x];
			if (c == q->mod[y * n + x + 1] && c == q->mod[(y + 1) * n + x] &&
			    c == q->mod[(y + 1) * n + x + 1])
				p += 3;
		}
	for (int i = 0; i < n * n; i++)
		dark += q->mod[i];
	long total = (long)n * n;
	/* k: the smallest integer with |dark/total - 1/2| <= (k+1)/20 */
	long k = ((dark * 20 - total * 10 < 0 ? total * 10 - dark * 20 : dark * 20 - total * 10) +
		  total - 1) / total - 1;
	if (k > 0)
		p += k * 10;
	return p;
}

/* The data codewords for `ver`: mode 0100, the count, the bytes, up to
 * four terminator bits, zeros to a byte, then 0xEC 0x11 pad bytes. */
static void bit_stream(const uint8_t *text, size_t len, int ver, uint8_t *out, int ncw)
{
	memset(out, 0, (size_t)ncw);
	long pos = 0;
#define PUT(val, nbits)                                                      \
	for (int b_ = (nbits) - 1; b_ >= 0; b_--, pos++)                     \
		if (((unsigned long)(val) >> b_) & 1u)                       \
			out[pos >> 3] |= (uint8_t)(0x80u >> (pos & 7));
	PUT(4, 4);
	PUT(len, ver <= 9 ? 8 : 16);
	for (size_t i = 0; i < len; i++)
		PUT(text[i], 8);
#undef PUT
	long cap = (long)ncw * 8;
	pos += cap - pos < 4 ? cap - pos : 4;
	pos = (pos + 7) / 8 * 8;
	for (uint8_t pad = 0xEC; pos < cap; pad ^= 0xEC ^ 0x11, pos += 8)
		out[pos >> 3] = pad;
}

/* Data blocks with their error correction, interleaved as transmitted. */
static int interleave(struct arena *a, int ver, const uint8_t *data, uint8_t **ret)
{
	int nb = num_blocks[ver], ecl = ecc_per_block[ver];
	int raw = raw_modules(ver) / 8, nshort = nb - raw % nb, shortlen = raw / nb;
	uint8_t *out = arena_alloc(a, (size_t)raw);
	uint8_t *blk = arena_alloc(a, (size_t)nb * (size_t)(shortlen + 1));
	uint8_t div[30];
	if (!out || !blk)
		return -ENOMEM;
	rs_divisor(ecl, div);
	for (int i = 0, k = 0; i < nb; i++) {
		int dlen = shortlen - ecl + (i < nshort ? 0 : 1);
		uint8_t *b = blk + (size_t)i * (size_t)(shortlen + 1);
		memcpy(b, data + k, (size_t)dlen);
		k += dlen;
		/* short blocks keep a gap where the long ones have one more byte */
		int at_ecc = shortlen - ecl + 1;
		rs_remainder(b, dlen, div, ecl, b + at_ecc);
		if (i < nshort)
			b[dlen] = 0;
	}
	int o = 0;
	for (int i = 0; i < shortlen + 1; i++)
		for (int j = 0; j < nb; j++)
			if (i != shortlen - ecl || j >= nshort)
				out[o++] = blk[(size_t)j * (size_t)(shortlen + 1) + (size_t)i];
	*ret = out;
	return o == raw ? 0 : -EPROTO;
}

int qr_encode(struct arena *a, const uint8_t *text, size_t len,
	      uint8_t **ret_modules, int *ret_size)
{
	int ver;
	for (ver = 1; ver <= 40; ver++) {
		long need = 4 + (ver <= 9 ? 8 : 16) + 8 * (long)len;
		if (need <= (long)data_codewords(ver) * 8)
			break;
	}
	if (ver > 40)
		return -EMSGSIZE;
	int ncw = data_codewords(ver);
	uint8_t *data = arena_alloc(a, (size_t)ncw), *cw;
	if (!data)
		return -ENOMEM;
	bit_stream(text, len, ver, data, ncw);
	int r = interleave(a, ver, data, &cw);
	if (r < 0)
		return r;
	struct qr q = { .ver = ver, .size = ver * 4 + 17 };
	size_t cells = (size_t)q.size * (size_t)q.size;
	q.mod = arena_zalloc(a, cells);
	q.fn = arena_zalloc(a, cells);
	uint8_t *best = arena_alloc(a, cells);
	if (!q.mod || !q.fn || !best)
		return -ENOMEM;
	draw_function_patterns(&q);
	draw_codewords(&q, cw, raw_modules(ver) / 8);
	long best_p = -1;
	for (int m = 0; m < 8; m++) {
		apply_mask(&q, m);
		draw_format(&q, m);
		long p = penalty(&q);
		if (best_p < 0 || p < best_p) {
			best_p = p;
			memcpy(best, q.mod, cells);
		}
		apply_mask(&q, m);   /* XOR: undone */
	}
	*ret_modules = best;
	*ret_size = q.size;
	return 0;
}
