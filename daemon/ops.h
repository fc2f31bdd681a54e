/* ops: the handlers of every action and the store set-up they need. The table
 * itself is in ops.c; call.h describes the contract. */
#pragma once
#include <stdint.h>
#include "call.h"

struct store;

/* On first start: the meta record (schema version) and the default account
 * (`configured` if not NULL, else a random 12-digit id). On later starts:
 * runs migrations up to the current schema and returns the stored default
 * account (a different `configured` id is an error: -EEXIST). */
int ops_store_init(struct store *s, const char *configured, int64_t now,
		   char ret_account_id[13]);

