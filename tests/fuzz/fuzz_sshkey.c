/* fuzz_sshkey: libFuzzer target for lib/ssh's parser of untrusted bytes
 * (UploadSSHPublicKey's SSHPublicKeyBody): sshkey_parse() on the input;
 * a key it takes must print in both encodings, and each printed form must
 * parse back to the same blob and fingerprint. A refusal must be one of the
 * three documented errors with a reason. Built with -fsanitize=fuzzer under
 * --enable-fuzzing; `make check` replays tests/fuzz/corpus/sshkey/ through
 * replay_main.c. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/sshkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_key(const struct sshkey *a, const char *text)
{
	struct sshkey b;
	if (sshkey_parse(text, strlen(text), &b, NULL) != 0)
		abort();
	if (b.blob_len != a->blob_len || memcmp(a->blob, b.blob, a->blob_len) != 0 ||
	    b.bits != a->bits)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sshkey k;
	const char *why = NULL;
	char text[SSHKEY_TEXT_MAX], fp[SSHKEY_FP_MD5_LEN + 1];
	if (size > 20000)
		return 0;
	int r = sshkey_parse((const char *)data, size, &k, &why);
	if (r < 0) {
		if ((r != -EINVAL && r != -ERANGE && r != -EPROTONOSUPPORT) || !why)
			abort();
		return 0;
	}
	if (k.bits < SSHKEY_RSA_MIN_BITS || k.bits > SSHKEY_RSA_MAX_BITS)
		abort();
	sshkey_fingerprint_md5(&k, fp);
	if (strlen(fp) != SSHKEY_FP_MD5_LEN)
		abort();
	if (sshkey_format_ssh(&k, text, sizeof(text)) != 0)
		abort();
	same_key(&k, text);
	if (sshkey_format_pem(&k, text, sizeof(text)) != 0)
		abort();
	same_key(&k, text);
	return 0;
}
