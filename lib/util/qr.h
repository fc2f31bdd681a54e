/* qr: QR Code Model 2 symbols (ISO/IEC 18004) in byte mode, and the PNG
 * image of one, for CreateVirtualMFADevice's QRCodePNG: the otpauth:// URI
 * of a new TOTP seed drawn as a picture an authenticator app scans.
 *
 * Pure code. Every byte of working memory (the bit stream, the error
 * correction, the module matrix, the image rows) comes from the caller's
 * arena, so a caller that renders a secret wipes the arena afterwards
 * (arena_reset_wipe()) and no copy remains; nothing else is allocated.
 *
 * The symbol is the smallest version (1 to 40) that holds the text at error
 * correction level M (15%), with the mask of lowest penalty as the standard
 * scores it. The image is a 1-bit greyscale PNG with a quiet zone of four
 * modules, each module `scale` pixels square, its pixels stored uncompressed
 * (zlib "stored" blocks: no compressor state holds the text). */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct arena;

#define QR_MAX_BYTES 2331   /* version 40 at level M, in byte mode */

/* Encodes text[0, len) into a square of *ret_size x *ret_size modules,
 * row-major, 1 = dark, from the arena. -EMSGSIZE when the text does not fit
 * any version, -ENOMEM. */
int qr_encode(struct arena *a, const uint8_t *text, size_t len,
	      uint8_t **ret_modules, int *ret_size);

/* The PNG file of the QR code of text[0, len), from the arena; `scale` is
 * 1 to 32 pixels per module (-EINVAL otherwise). */
int qr_png(struct arena *a, const uint8_t *text, size_t len, unsigned scale,
	   uint8_t **ret_png, size_t *ret_len);
