/* qr_tool: writes the PNG of a QR code (lib/util/qr.h) for qr_zbar.sh:
 *   qr_tool TEXT OUT.png [SCALE]
 * or prints the symbol's size in modules with `qr_tool -s TEXT`. */
#include "config.h"
#include "util/arena.h"
#include "util/qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct arena *a = NULL;
	if (argc < 3 || arena_new(0, &a) < 0)
		return 2;
	if (strcmp(argv[1], "-s") == 0) {
		uint8_t *m;
		int size;
		if (qr_encode(a, (const uint8_t *)argv[2], strlen(argv[2]), &m, &size) < 0) {
			arena_free(a);
			return 1;
		}
		printf("%d\n", size);
		arena_free(a);
		return 0;
	}
	uint8_t *png;
	size_t n;
	unsigned scale = argc > 3 ? (unsigned)atoi(argv[3]) : 4;
	int r = qr_png(a, (const uint8_t *)argv[1], strlen(argv[1]), scale, &png, &n);
	if (r < 0) {
		fprintf(stderr, "qr_tool: %d\n", r);
		arena_free(a);
		return 1;
	}
	FILE *f = fopen(argv[2], "wb");
	int bad = !f || fwrite(png, 1, n, f) != n;
	if (f && fclose(f) != 0)
		bad = 1;
	arena_free(a);
	return bad;
}
