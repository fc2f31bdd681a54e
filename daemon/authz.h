/* authz: the one place iamd decides whether a caller may perform an action
 * on a resource. Today: the account root is allowed everything and every
 * other caller is denied (no policies exist yet). Policy evaluation from
 * lib/policy slots in here (identity policies of CALLER_USER, later
 * resource policies, boundaries and session policies); dispatch and the
 * handlers do not change. */
#pragma once
#include "call.h"

enum authz_decision {
	AUTHZ_DENY_IMPLICIT = 0,  /* nothing allows it */
	AUTHZ_ALLOW,
	AUTHZ_DENY_EXPLICIT,      /* a Deny statement matched */
};

struct authz_result {
	enum authz_decision decision;
	const char *message;      /* AWS's AccessDenied text when denied (c->arena) */
};

/* Decides `action` ("iam:GetUser") on `resource` (an ARN, or "*") for
 * c->caller. A decision is a result: the return is negative only when the
 * decision could not be made (-ENOMEM, a store error). */
int authz_check(struct call *c, const char *action, const char *resource,
		struct authz_result *ret);
