/* memscan: counts where strings occur in a live process's memory, as a core
 * dump of it would hold them. For the secret scan (secret_memory.sh):
 *
 *   memscan PID STRING...
 *
 * prints one line per STRING: `N` occurrences in PID's readable private and
 * anonymous mappings (heap, stacks, malloc arenas, LMDB's map), then the
 * mappings they were found in. Mappings larger than 1 GiB (a sanitizer's
 * shadow, reserved address space) and the unreadable ones are skipped, as
 * a core dump's filter would. Exit 0, 2 on bad usage, 77 when the process's
 * memory cannot be read here (no ptrace access). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MAPPING ((uint64_t)1 << 30)
#define CHUNK (1u << 20)
#define MAX_NEEDLES 64
#define MAX_NEEDLE 4096

struct needle {
	const char *s;
	size_t len;
	unsigned long count;
	char where[512];
};

static void scan(const unsigned char *p, size_t n, struct needle *nd, const char *name)
{
	if (n < nd->len)
		return;
	const unsigned char *end = p + n - nd->len + 1, *q = p;
	bool found = false;
	while (q < end && (q = memchr(q, (unsigned char)nd->s[0], (size_t)(end - q)))) {
		if (memcmp(q, nd->s, nd->len) == 0) {
			nd->count++;
			found = true;
		}
		q++;
	}
	if (found && !strstr(nd->where, name) &&
	    strlen(nd->where) + strlen(name) + 2 < sizeof(nd->where)) {
		strcat(nd->where, " ");
		strcat(nd->where, name);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc - 2 > MAX_NEEDLES) {
		fprintf(stderr, "usage: memscan PID STRING...\n");
		return 2;
	}
	struct needle nd[MAX_NEEDLES];
	size_t n_nd = (size_t)argc - 2;
	for (size_t i = 0; i < n_nd; i++) {
		nd[i].s = argv[i + 2];
		nd[i].len = strlen(argv[i + 2]);
		nd[i].count = 0;
		nd[i].where[0] = '\0';
		if (nd[i].len == 0 || nd[i].len > MAX_NEEDLE) {
			fprintf(stderr, "memscan: string %zu: 1 to %d bytes\n", i + 1, MAX_NEEDLE);
			return 2;
		}
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	FILE *maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	if (!maps || mem < 0) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 77;
	}
	/* each chunk overlaps the next by the longest needle, so nothing that
	 * straddles a boundary is missed (and nothing is counted twice: a match
	 * must start before the overlap) */
	unsigned char *buf = malloc(CHUNK + MAX_NEEDLE);
	if (!buf)
		return 1;
	char line[1024];
	unsigned long readable = 0;
	while (fgets(line, sizeof(line), maps)) {
		uint64_t lo, hi;
		char perms[8] = "", name[512] = "";
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %511s", &lo, &hi,
			   perms, name) < 3)
			continue;
		if (perms[0] != 'r' || hi - lo > MAX_MAPPING)
			continue;
		if (!name[0])
			strcpy(name, "anon");
		for (uint64_t a = lo; a < hi; a += CHUNK) {
			size_t want = hi - a > CHUNK + MAX_NEEDLE ? CHUNK + MAX_NEEDLE : (size_t)(hi - a);
			ssize_t got = pread(mem, buf, want, (off_t)a);
			if (got <= 0)
				break;
			readable++;
			for (size_t i = 0; i < n_nd; i++) {
				/* only matches that start inside this chunk */
				size_t lim = (size_t)got;
				if (lim > CHUNK)
					lim = CHUNK + nd[i].len - 1;
				scan(buf, lim, &nd[i], name);
			}
		}
	}
	fclose(maps);
	close(mem);
	free(buf);
	if (readable == 0) {
		fprintf(stderr, "memscan: no memory of %s could be read\n", argv[1]);
		return 77;
	}
	for (size_t i = 0; i < n_nd; i++)
		printf("%lu%s\n", nd[i].count, nd[i].where);
	return 0;
}
