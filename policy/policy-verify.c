/*
 * policy-verify.c: check a minisign signature against a profile's public
 * keys (role: library, used by the supervisor).
 *
 * A minisign signature file is four lines: an untrusted comment, the
 * signature (algorithm, key id, Ed25519 signature), a trusted comment,
 * and a global signature over the signature and the trusted comment.
 * minisign's default ("ED") signs the BLAKE2b-512 hash of the file, so
 * the supervisor can verify it from the hash that the worker computed
 * while it had the bytes mapped; the supervisor never reads the model.
 * Legacy signatures ("Ed", minisign -l) sign the raw file and are refused.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"

#define SIG_BIN_LEN	74u	/* algorithm (2) + key id (8) + sig (64) */
#define SIG_LINES	4u

struct minisig {
	uint8_t		alg[2];
	uint8_t		key_id[8];
	uint8_t		sig[64];
	const char	*comment;	/* the trusted comment's text */
	size_t		 comment_len;
	uint8_t		global[64];
};

static int
b64_exact(const char *s, size_t n, uint8_t *out, size_t want)
{
	size_t got = 0;

	if (sodium_base642bin(out, want, s, n, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || got != want)
		return -EBADMSG;
	return 0;
}

/* Split text into its four lines (borrowed, not NUL-terminated). */
static int
sig_lines(const char *text, const char *line[SIG_LINES], size_t len[SIG_LINES])
{
	const char *s = text, *nl;
	size_t i;

	for (i = 0; i < SIG_LINES; i++) {
		if (*s == '\0')
			return -EBADMSG;
		nl = strchr(s, '\n');
		line[i] = s;
		len[i] = nl != NULL ? (size_t)(nl - s) : strlen(s);
		if (len[i] > 0 && s[len[i] - 1] == '\r')
			len[i]--;
		s = nl != NULL ? nl + 1 : s + len[i];
	}
	return 0;
}

static int
sig_decode(const char *text, struct minisig *ret)
{
	static const char tc[] = "trusted comment: ";
	const char *line[SIG_LINES];
	size_t len[SIG_LINES];
	uint8_t bin[SIG_BIN_LEN];

	if (strlen(text) > POLICY_SIG_MAX || sig_lines(text, line, len) < 0)
		return -EBADMSG;
	if (len[2] < sizeof(tc) - 1 ||
	    strncmp(line[2], tc, sizeof(tc) - 1) != 0)
		return -EBADMSG;
	if (b64_exact(line[1], len[1], bin, sizeof(bin)) < 0 ||
	    b64_exact(line[3], len[3], ret->global, sizeof(ret->global)) < 0)
		return -EBADMSG;
	memcpy(ret->alg, bin, 2);
	memcpy(ret->key_id, bin + 2, 8);
	memcpy(ret->sig, bin + 10, 64);
	ret->comment = line[2] + sizeof(tc) - 1;
	ret->comment_len = len[2] - (sizeof(tc) - 1);
	return 0;
}

/* The global signature covers the signature and the trusted comment. */
static int
sig_global_ok(const struct minisig *m, const uint8_t pk[32])
{
	uint8_t msg[64 + POLICY_SIG_MAX];

	if (m->comment_len > POLICY_SIG_MAX)
		return 0;
	memcpy(msg, m->sig, 64);
	memcpy(msg + 64, m->comment, m->comment_len);
	return crypto_sign_verify_detached(m->global, msg,
	    64 + m->comment_len, pk) == 0;
}

int
policy_verify_signature(const struct policy *p, const char *profile,
    const char *sig_text, const uint8_t blake2b[64], const char **ret_why)
{
	const struct policy_profile *pr = policy_find_profile(p, profile);
	struct minisig m;
	size_t i;

	if (pr == NULL)
		return -ENOENT;
	if (sig_decode(sig_text, &m) < 0) {
		*ret_why = "the signature is not a minisign signature";
		return -EBADMSG;
	}
	if (m.alg[0] != 'E' || m.alg[1] != 'D') {
		*ret_why = "only prehashed minisign signatures (the default; "
		    "not minisign -l) are supported";
		return -EBADMSG;
	}
	for (i = 0; i < pr->n_keys; i++) {
		if (memcmp(pr->keys[i].id, m.key_id, 8) != 0)
			continue;
		if (crypto_sign_verify_detached(m.sig, blake2b, 64,
		    pr->keys[i].pk) != 0 || !sig_global_ok(&m,
		    pr->keys[i].pk)) {
			*ret_why = "the signature does not match the model";
			return -EKEYREJECTED;
		}
		return 0;
	}
	*ret_why = "the signature was made by a key this profile does not "
	    "trust";
	return -ENOKEY;
}
