/* op_mfa: what the virtual MFA device handlers share (op_mfa.c: checks,
 * records, Create/Enable/Resync/Deactivate/DeleteVirtualMFADevice;
 * op_mfa_list.c: the lists, the tags, the counts; op_mfa_sts.c: STS's
 * SerialNumber and TokenCode). docs/mfa.md. Records: STORE_DB_MFA_DEVICES
 * (account "/" lower(name) -> MFADeviceRecord, no seed), and
 * STORE_DB_USER_MFA_DEVICES (user id "/" lower(name) -> ""). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "call.h"
#include "iam.pb-c.h"
#include "iam_mfa.pb-c.h"

struct util_verr;

/* The device name of a serial number of the caller's account, or NULL. */
const char *mfa_serial_name(struct call *c, const char *serial);
/* The record of device `name` (-ENOENT when none; no error recorded). */
int mfa_dev_get(struct call *c, const char *name, Iam__MFADeviceRecord **ret);
/* The device a serial number names, or NoSuchEntity recorded. */
int mfa_dev_load(struct call *c, const char *serial, Iam__MFADeviceRecord **ret);
/* Writes the record; `create` refuses an existing name (-EEXIST). */
int mfa_dev_put(struct call *c, const Iam__MFADeviceRecord *rec, bool create);
/* The user an action names, or the calling user (ValidationError when
 * neither), or NoSuchEntity recorded. */
int mfa_user_resolve(struct call *c, const char *user_name, Iam__User **ret);
/* Resource functions: UserName checked (required or not) with what `e`
 * holds already, then the user's ARN; SerialNumber checked, then itself;
 * Marker and MaxItems checked. */
int mfa_user_resource(struct call *c, const char *user_name, bool required,
		      struct util_verr *e, const char **ret);
int mfa_serial_resource(struct call *c, const char *serial, struct util_verr *e,
			const char **ret);
int mfa_list_check(struct call *c, const char *marker, bool has_max, int32_t max,
		   struct util_verr *e);
