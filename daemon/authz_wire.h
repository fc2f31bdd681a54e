/* authz_wire: iamd:Authorize's request (AuthorizeRequest) read from the
 * wire and written into the audit record by hand, for the call local
 * services make on every decision: protobuf-c's generic unpack and
 * pbjson's descriptor walk cost about as much as the decision itself.
 *
 * Both give exactly what the generic code gives, or step aside:
 * authz_wire_decode() takes only the canonical encoding of the fields the
 * message has, in one pass, with up to 16 context entries of up to 16
 * values (anything else - an unknown field, another wire type, a long tag,
 * varint or length, more entries or values - answers 0 and the caller uses
 * protobuf-c, which decides what it means); authz_wire_render() writes the bytes
 * pbjson_write() writes with audit_record.c's flags; authz_wire_packer
 * packs the answer (AuthorizeResponse) as protobuf_c_message_pack() does.
 * tests/unit/test_authz_wire.c checks both against the generic code. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "iamd.pb-c.h"

struct arena;
struct pbjson_buf;
struct rpc_packer;

/* Decodes body[0, len) into a message in `a` (strings NUL-terminated
 * copies, as protobuf-c's unpack makes them). 1 and *ret when decoded, 0
 * when the caller must use protobuf-c, -ENOMEM. */
int authz_wire_decode(struct arena *a, const uint8_t *body, size_t len,
		      Iam__AuthorizeRequest **ret);

/* Appends m as pbjson_write(b, &m->base, PBJSON_CAMEL | PBJSON_DOC_TEXT |
 * PBJSON_REDACT | PBJSON_TIME_Z) does. 0, or -ENOMEM (b as it was). */
int authz_wire_render(struct pbjson_buf *b, const Iam__AuthorizeRequest *m);

/* AuthorizeResponse's packed size and bytes, for
 * rpc_frame_pack_response_with() (rpc.h): protobuf-c's bytes, field by
 * field in number order. */
extern const struct rpc_packer authz_wire_packer;
