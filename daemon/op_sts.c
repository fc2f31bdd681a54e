/* op_sts: sts:GetCallerIdentity, answered from the identified caller alone
 * (no store access, no resource: "*"). */
#include <errno.h>

#include "ops.h"
#include "sts.pb-c.h"
#include "util/arena.h"

int op_resource_none(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	*ret = "*";
	return 0;
}

int op_get_caller_identity(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	Iam__GetCallerIdentityResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__get_caller_identity_response__init(resp);
	/* The caller's strings live as long as the call: copy them anyway so
	 * the response owns nothing it does not control. */
	resp->user_id = c->caller.user_id ? arena_strdup(c->arena, c->caller.user_id) : NULL;
	resp->account = c->caller.account_id ? arena_strdup(c->arena, c->caller.account_id) : NULL;
	resp->arn = c->caller.arn ? arena_strdup(c->arena, c->caller.arn) : NULL;
	*ret = &resp->base;
	return 0;
}
