/* random: a buffered source of unpredictable bytes for identifiers (request
 * and event ids, AIDA/AROA/ASIA... ids): a ChaCha20 keystream under a key
 * of this thread taken from getrandom, cut 1 KiB at a time, so an id costs
 * no system call. Bytes handed out are wiped from the buffer: an id seen
 * says nothing of the next, nor of earlier ones. Fork-safe: the state lives
 * in a page marked MADV_WIPEONFORK, so a child starts with a key of its own
 * (where the kernel lacks it, the pid is checked on every call). Not for
 * key material: keys come from libsodium's randombytes_buf. */
#ifndef IAMD_UTIL_RANDOM_H
#define IAMD_UTIL_RANDOM_H

#include <stddef.h>

/* Fills buf with n unpredictable bytes; 0, or negative errno when the
 * kernel's random source or memory for the state is unavailable. */
int util_random_bytes(void *buf, size_t n);

#endif
