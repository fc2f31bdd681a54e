/* authz: authorization of every call (authz.h). */
#include "config.h"
#include "authz.h"

#include <errno.h>
#include <string.h>

#include "util/arena.h"

/* "User: anonymous is not authorized to perform: iam:GetUser on resource:
 * arn:aws:iam::123456789012:user/alice", as AWS words an implicit deny. */
static int deny(struct call *c, enum authz_decision decision,
		const char *action, const char *resource,
		struct authz_result *ret)
{
	const char *who = c->caller.kind == CALLER_ANONYMOUS || !c->caller.arn
				  ? "anonymous" : c->caller.arn;
	const char *msg;
	if (decision == AUTHZ_DENY_EXPLICIT)
		msg = arena_printf(c->arena,
				   "User: %s is not authorized to perform: %s on resource: %s with an explicit deny",
				   who, action, resource);
	else
		msg = arena_printf(c->arena,
				   "User: %s is not authorized to perform: %s on resource: %s",
				   who, action, resource);
	if (!msg)
		return -ENOMEM;
	ret->decision = decision;
	ret->message = msg;
	return 0;
}

int authz_check(struct call *c, const char *action, const char *resource,
		struct authz_result *ret)
{
	if (!resource)
		resource = "*";
	switch (c->caller.kind) {
	case CALLER_ROOT:
		ret->decision = AUTHZ_ALLOW;
		ret->message = NULL;
		return 0;
	case CALLER_USER:
		/* AWS needs no permission for sts:GetCallerIdentity. */
		if (strcmp(action, "sts:GetCallerIdentity") == 0) {
			ret->decision = AUTHZ_ALLOW;
			ret->message = NULL;
			return 0;
		}
		/* Identity policies are evaluated here once lib/policy lands;
		 * until then nothing allows a user anything. */
		return deny(c, AUTHZ_DENY_IMPLICIT, action, resource, ret);
	case CALLER_ANONYMOUS:
	default:
		return deny(c, AUTHZ_DENY_IMPLICIT, action, resource, ret);
	}
}
