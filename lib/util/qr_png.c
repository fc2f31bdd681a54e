/* qr_png: a QR symbol as a PNG file (qr.h): 1-bit greyscale, the quiet
 * zone of four modules around it, the pixel rows in zlib stored blocks (no
 * compression: no compressor keeps a copy), with the chunks' CRC-32 and the
 * stream's Adler-32 as PNG (RFC 2083) and zlib (RFC 1950) define them. */
#include "config.h"
#include "util/qr.h"

#include <errno.h>
#include <string.h>

#include "util/arena.h"

#define QUIET 4
#define STORED_MAX 65535u

static uint32_t crc_table[256];

static void crc_init(void)
{
	if (crc_table[1])
		return;
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/* A chunk whose data [p + 8, p + 8 + len) is already in place. */
static uint8_t *chunk_close(uint8_t *p, const char type[4], size_t len)
{
	put32(p, (uint32_t)len);
	memcpy(p + 4, type, 4);
	return put32(p + 8 + len, crc32_of(p + 4, len + 4));
}

int qr_png(struct arena *a, const uint8_t *text, size_t len, unsigned scale,
	   uint8_t **ret_png, size_t *ret_len)
{
	if (scale < 1 || scale > 32)
		return -EINVAL;
	uint8_t *mod;
	int size;
	int r = qr_encode(a, text, len, &mod, &size);
	if (r < 0)
		return r;
	size_t px = ((size_t)size + 2 * QUIET) * scale;
	size_t row = 1 + (px + 7) / 8;              /* filter byte, then pixels */
	size_t raw = row * px;
	size_t nblocks = (raw + STORED_MAX - 1) / STORED_MAX;
	size_t idat = 2 + raw + 5 * nblocks + 4;    /* zlib header, blocks, Adler-32 */
	size_t total = 8 + (12 + 13) + (12 + idat) + 12;
	uint8_t *png = arena_zalloc(a, total), *rows = arena_alloc(a, raw);
	if (!png || !rows)
		return -ENOMEM;
	/* light is 1 in greyscale; the quiet zone and light modules stay set */
	memset(rows, 0xFF, raw);
	for (size_t y = 0; y < px; y++) {
		uint8_t *rp = rows + y * row;
		rp[0] = 0;   /* filter: none */
		long my = (long)(y / scale) - QUIET;
		for (size_t x = 0; x < px; x++) {
			long mx = (long)(x / scale) - QUIET;
			if (my >= 0 && my < size && mx >= 0 && mx < size && mod[my * size + mx])
				rp[1 + x / 8] &= (uint8_t)~(0x80u >> (x % 8));
		}
	}
	crc_init();
	uint8_t *p = png;
	memcpy(p, "\x89PNG\r\n\x1a\n", 8);
	p += 8;
	uint8_t *ih = p + 8;
	put32(ih, (uint32_t)px);
	put32(ih + 4, (uint32_t)px);
	ih[8] = 1;    /* bit depth */
	ih[9] = 0;    /* greyscale */
	ih[10] = ih[11] = ih[12] = 0;   /* deflate, adaptive filtering, no interlace */
	p = chunk_close(p, "IHDR", 13);
	uint8_t *d = p + 8, *start = d;
	*d++ = 0x78;   /* deflate, 32 KiB window; 0x7801 % 31 == 0 */
	*d++ = 0x01;
	uint32_t s1 = 1, s2 = 0;
	for (size_t off = 0; off < raw; off += STORED_MAX) {
		size_t n = raw - off < STORED_MAX ? raw - off : STORED_MAX;
		*d++ = off + n == raw;   /* BFINAL, BTYPE 00 */
		d[0] = (uint8_t)n;
		d[1] = (uint8_t)(n >> 8);
		d[2] = (uint8_t)~n;
		d[3] = (uint8_t)(~n >> 8);
		d += 4;
		memcpy(d, rows + off, n);
		for (size_t i = 0; i < n; i++) {
			s1 = (s1 + d[i]) % 65521u;
			s2 = (s2 + s1) % 65521u;
		}
		d += n;
	}
	d = put32(d, s2 << 16 | s1);
	p = chunk_close(p, "IDAT", (size_t)(d - start));
	p = chunk_close(p, "IEND", 0);
	*ret_png = png;
	*ret_len = (size_t)(p - png);
	return *ret_len == total ? 0 : -EPROTO;
}
