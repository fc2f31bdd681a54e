/* op_mfa_sts: STS's SerialNumber and TokenCode (GetSessionToken,
 * AssumeRole; op_mfa_sts_verify in ops.h): the calling user's device,
 * iam-keyd's VerifyTotp, the step marked used in a write transaction of
 * its own, then the session minted with mfa_present and mfa_auth_time.
 * docs/mfa.md. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "authn.h"
#include "dispatch.h"
#include "iamd.h"
#include "keyd_client.h"
#include "op_mfa.h"
#include "ops.h"
#include "sd.h"
#include "store/store.h"
#include "util/arena.h"

#define MSG_MFA_INVALID "MultiFactorAuthentication failed with invalid MFA one time pass code. "
#define MSG_MFA_UNKNOWN "MultiFactorAuthentication failed, unable to validate MFA code. " \
	"Please verify your MFA serial number is valid and associated with this user."

struct sts_mfa {
	const char *serial;
	const char *user_id;
	Keyd__SessionClaims *claims;
	call_resume_fn next;
	void *next_state;
};

/* Marks `step` used on the device, in a write transaction of its own (the
 * STS actions run in read transactions): -EALREADY when that step or a
 * later one was used already (a replay), -ENOENT when the device is no
 * longer the user's. */
static int step_use(struct call *c, const struct sts_mfa *st, int64_t step)
{
	struct store_txn *t = NULL, *saved = c->txn;
	Iam__MFADeviceRecord *rec;
	const char *name = mfa_serial_name(c, st->serial);
	if (!name)
		return -ENOENT;
	int r = store_txn_begin(c->d->store, true, &t);
	if (r < 0)
		return r;
	c->txn = t;
	r = mfa_dev_get(c, name, &rec);
	if (r == 0 && (!rec->user_id || strcmp(rec->user_id, st->user_id) != 0 ||
		       strcmp(rec->serial_number, st->serial) != 0))
		r = -ENOENT;
	if (r == 0 && rec->has_last_step && step <= rec->last_step)
		r = -EALREADY;
	if (r == 0) {
		rec->has_last_step = true;
		rec->last_step = step;
		r = mfa_dev_put(c, rec, false);
	}
	c->txn = saved;
	if (r == 0)
		return store_txn_commit(t);
	store_txn_abort(t);
	return r;
}

static int sts_mfa_resume(struct call *c, void *state, const struct keyd_reply *rep,
			  ProtobufCMessage **ret)
{
	struct sts_mfa *st = state;
	(void)ret;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__VerifyTotpResponse *k = (const Keyd__VerifyTotpResponse *)rep->result;
	if (!k->valid || !k->has_step) {
		iamd_log_call(LOG_NOTICE, c, "%s: MFA code refused for %s", c->op->name,
			      st->serial);
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_INVALID);
	}
	int r = step_use(c, st, k->step);
	if (r == -EALREADY) {
		iamd_log_call(LOG_NOTICE, c, "%s: MFA code of %s used again", c->op->name,
			      st->serial);
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_INVALID);
	}
	if (r == -ENOENT)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	if (r < 0)
		return op_fail_store(c, r);
	st->claims->has_mfa_present = st->claims->has_mfa_auth_time = true;
	st->claims->mfa_present = true;
	st->claims->mfa_auth_time = c->now;
	return authn_mint(c, st->claims, st->next, st->next_state);
}

int op_mfa_sts_verify(struct call *c, const char *serial, const char *code,
		      Keyd__SessionClaims *claims, call_resume_fn next, void *next_state)
{
	struct sts_mfa *st = arena_zalloc(c->arena, sizeof(*st));
	Iam__MFADeviceRecord *rec;
	const char *name = mfa_serial_name(c, serial);
	if (!st)
		return -ENOMEM;
	/* a caller still as claimed (authn.h, deferred verification) is
	 * proven first: this outcome is dropped, VerifySigV4 goes to keyd and
	 * the pipeline runs again, so no code is tried or used for a request
	 * whose signature does not verify */
	if (c->authn_deferred)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	if (!code)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_INVALID);
	/* the calling user's device (a user, or a user's session token) */
	if (c->caller.kind != CALLER_USER || !c->caller.user_id || !name)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	int r = mfa_dev_get(c, name, &rec);
	if (r == -ENOENT || (r == 0 && (!rec->user_id ||
					strcmp(rec->user_id, c->caller.user_id) != 0 ||
					strcmp(rec->serial_number, serial) != 0)))
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	if (r < 0)
		return op_fail_store(c, r);
	st->serial = serial;
	st->user_id = c->caller.user_id;
	st->claims = claims;
	st->next = next;
	st->next_state = next_state;
	Keyd__VerifyTotpRequest kr = KEYD__VERIFY_TOTP_REQUEST__INIT;
	kr.has_nonce = kr.has_key_version = true;
	kr.nonce = rec->nonce;
	kr.key_version = rec->key_version;
	kr.code = (char *)code;
	kr.has_drift = rec->has_drift;
	kr.drift = rec->drift;
	kr.has_last_step = rec->has_last_step && rec->last_step >= 0;
	kr.last_step = rec->last_step;
	return call_keyd(c, KEYD__REQUEST__OP_VERIFY_TOTP, &kr.base, sts_mfa_resume, st);
}
