/* rpc_frame: length-prefixed protobuf frames over stream sockets (rpc.h). */
#include "config.h"
#include "rpc/rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RPC_BUF_MIN 4096u

void rpc_buf_init(struct rpc_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void rpc_buf_release(struct rpc_buf *b)
{
	if (!b)
		return;
	if (b->wipe_end)
		explicit_bzero(b->data, b->wipe_end);
	free(b->data);
	rpc_buf_init(b);
}

void rpc_buf_mark_secret(struct rpc_buf *b)
{
	if (b->end > b->wipe_end)
		b->wipe_end = b->end;
}

/* Empties the buffer, wiping what held secrets. */
static void buf_empty(struct rpc_buf *b)
{
	if (b->wipe_end) {
		explicit_bzero(b->data, b->wipe_end);
		b->wipe_end = 0;
	}
	b->start = b->end = 0;
}

/* realloc() that leaves no copy of secret bytes in the old block. */
static uint8_t *buf_grow(struct rpc_buf *b, size_t cap)
{
	if (!b->wipe_end)
		return realloc(b->data, cap);
	uint8_t *p = malloc(cap);
	if (!p)
		return NULL;
	memcpy(p, b->data, b->end);
	explicit_bzero(b->data, b->cap);
	free(b->data);
	return p;
}

int rpc_buf_reserve(struct rpc_buf *b, size_t n, uint8_t **ret_tail)
{
	if (b->start == b->end)
		buf_empty(b);
	if (b->cap - b->end < n && b->start > 0) {
		size_t len = b->end - b->start;
		memmove(b->data, b->data + b->start, len);
		if (b->wipe_end) {   /* the moved bytes' old places, and the consumed */
			explicit_bzero(b->data + len, b->end - len);
			b->wipe_end = len;
		}
		b->start = 0;
		b->end = len;
	}
	if (b->cap - b->end < n) {
		size_t need = b->end + n;
		if (need < b->end)
			return -ENOMEM;
		size_t cap = b->cap ? b->cap : RPC_BUF_MIN;
		while (cap < need) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		uint8_t *p = buf_grow(b, cap);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	if (ret_tail)
		*ret_tail = b->data + b->end;
	return 0;
}

void rpc_buf_commit(struct rpc_buf *b, size_t n)
{
	b->end += n;
}

void rpc_buf_consume(struct rpc_buf *b, size_t n)
{
	b->start += n;
	if (b->start >= b->end)
		buf_empty(b);
}

int rpc_frame_parse(const uint8_t *p, size_t len, uint32_t cap,
		    uint32_t *ret_body_len)
{
	if (len < RPC_HDR_LEN) {
		*ret_body_len = 0;
		return 0;
	}
	uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		     (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (n == 0)
		return -EBADMSG;
	if (n > cap)
		return -EMSGSIZE;
	*ret_body_len = n;
	return len - RPC_HDR_LEN >= n ? 1 : 0;
}

int rpc_frame_next(struct rpc_buf *b, uint32_t cap, const uint8_t **ret_body,
		   uint32_t *ret_body_len)
{
	uint32_t n = 0;
	int r = rpc_frame_parse(rpc_buf_head(b), rpc_buf_len(b), cap, &n);
	if (r <= 0)
		return r;
	const uint8_t *body = rpc_buf_head(b) + RPC_HDR_LEN;
	/* consume without resetting offsets, so `body` stays where it is */
	b->start += RPC_HDR_LEN + n;
	*ret_body = body;
	*ret_body_len = n;
	return 1;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int rpc_frame_pack(struct rpc_buf *out, const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	if (n > UINT32_MAX)
		return -EMSGSIZE;
	uint8_t *tail;
	int r = rpc_buf_reserve(out, RPC_HDR_LEN + n, &tail);
	if (r < 0)
		return r;
	put_be32(tail, (uint32_t)n);
	size_t packed = protobuf_c_message_pack(msg, tail + RPC_HDR_LEN);
	if (packed != n)
		return -EIO;
	rpc_buf_commit(out, RPC_HDR_LEN + n);
	return 0;
}


/* a length-delimited field: tag, length, then the bytes */
static size_t ld_len(uint32_t number, size_t len)
{
	return rpc_varint_len((uint64_t)number << 3 | 2) + rpc_varint_len(len) + len;
}

static uint8_t *ld_head(uint8_t *p, uint32_t number, size_t len)
{
	p = rpc_varint_put(p, (uint64_t)number << 3 | 2);
	return rpc_varint_put(p, len);
}

static size_t pb_size(const void *m)
{
	return protobuf_c_message_get_packed_size(m);
}

static size_t pb_pack(const void *m, uint8_t *p)
{
	return protobuf_c_message_pack(m, p);
}

static const struct rpc_packer pb_packer = { pb_size, pb_pack };

int rpc_frame_pack_response(struct rpc_buf *out, uint64_t id,
			    const ProtobufCMessage *status,
			    const char *request_id, uint32_t result_number,
			    const ProtobufCMessage *result)
{
	return rpc_frame_pack_response_with(out, id, status, request_id, result_number,
					    result, &pb_packer);
}

int rpc_frame_pack_response_with(struct rpc_buf *out, uint64_t id,
				 const ProtobufCMessage *status,
				 const char *request_id, uint32_t result_number,
				 const void *result, const struct rpc_packer *packer)
{
	size_t status_len = status ? protobuf_c_message_get_packed_size(status) : 0;
	size_t rid_len = request_id ? strlen(request_id) : 0;
	size_t result_len = result ? packer->size(result) : 0;
	if (result && (result_number == 0 || result_number == RPC_RESPONSE_ID ||
		       result_number == RPC_RESPONSE_STATUS ||
		       result_number == RPC_RESPONSE_REQUEST_ID ||
		       result_number > (1u << 29) - 1))
		return -EINVAL;
	size_t n = 1 + rpc_varint_len(id);
	if (status)
		n += ld_len(RPC_RESPONSE_STATUS, status_len);
	if (request_id)
		n += ld_len(RPC_RESPONSE_REQUEST_ID, rid_len);
	if (result)
		n += ld_len(result_number, result_len);
	if (n > UINT32_MAX)
		return -EMSGSIZE;
	uint8_t *p;
	int r = rpc_buf_reserve(out, RPC_HDR_LEN + n, &p);
	if (r < 0)
		return r;
	uint8_t *start = p;
	put_be32(p, (uint32_t)n);
	p += RPC_HDR_LEN;
	/* ascending field numbers, as protobuf-c packs them */
	p = rpc_varint_put(p, RPC_RESPONSE_ID << 3 | 0);
	p = rpc_varint_put(p, id);
	bool result_done = !result;
	if (!result_done && result_number < RPC_RESPONSE_STATUS) {
		p = ld_head(p, result_number, result_len);
		p += packer->pack(result, p);
		result_done = true;
	}
	if (status) {
		p = ld_head(p, RPC_RESPONSE_STATUS, status_len);
		p += protobuf_c_message_pack(status, p);
	}
	if (request_id) {
		p = ld_head(p, RPC_RESPONSE_REQUEST_ID, rid_len);
		memcpy(p, request_id, rid_len);
		p += rid_len;
	}
	if (!result_done) {
		p = ld_head(p, result_number, result_len);
		p += packer->pack(result, p);
	}
	if ((size_t)(p - start) != RPC_HDR_LEN + n)
		return -EIO;
	rpc_buf_commit(out, RPC_HDR_LEN + n);
	return 0;
}

int rpc_request_peek(const ProtobufCMessageDescriptor *desc,
		     const uint8_t *body, size_t len, uint64_t *ret_id,
		     const ProtobufCFieldDescriptor **ret_field,
		     const uint8_t **ret_inner, size_t *ret_inner_len)
{
	const uint8_t *p = body, *end = body + len;
	const ProtobufCFieldDescriptor *op = NULL;
	const uint8_t *inner = NULL;
	size_t inner_len = 0;
	uint64_t id = 0, v, n;
	while (p < end) {
		p = rpc_varint_get(p, end, &v);
		if (!p || v > UINT32_MAX)
			return 0;
		uint32_t number = (uint32_t)(v >> 3), wire = (uint32_t)(v & 7);
		if (number == RPC_REQUEST_ID && wire == 0) {
			p = rpc_varint_get(p, end, &id);   /* the last one wins */
			if (!p)
				return 0;
			continue;
		}
		if (wire != 2 || op)
			return 0;
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field(desc, number);
		if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE ||
		    !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			return 0;
		p = rpc_varint_get(p, end, &n);
		if (!p || n > (uint64_t)(end - p))
			return 0;
		op = f;
		inner = p;
		inner_len = (size_t)n;
		p += n;
	}
	if (!op)
		return 0;
	*ret_id = id;
	*ret_field = op;
	*ret_inner = inner;
	*ret_inner_len = inner_len;
	return 1;
}

int rpc_msg_unpack(const ProtobufCMessageDescriptor *desc,
		   ProtobufCAllocator *alloc, const uint8_t *body, size_t len,
		   ProtobufCMessage **ret)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(desc, alloc, len, body);
	if (!m)
		return -EBADMSG;
	*ret = m;
	return 0;
}

int rpc_connect_unix(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int rpc_fd_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	bool sock = true;
	while (len > 0) {
		ssize_t w = sock ? send(fd, p, len, MSG_NOSIGNAL)
				 : write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOTSOCK && sock) {
				sock = false;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int rpc_fd_send(int fd, const ProtobufCMessage *msg)
{
	uint8_t stackbuf[1024];
	size_t n = protobuf_c_message_get_packed_size(msg);
	if (n > UINT32_MAX - RPC_HDR_LEN)
		return -EMSGSIZE;
	uint8_t *buf = stackbuf;
	if (n + RPC_HDR_LEN > sizeof(stackbuf)) {
		buf = malloc(n + RPC_HDR_LEN);
		if (!buf)
			return -ENOMEM;
	}
	put_be32(buf, (uint32_t)n);
	protobuf_c_message_pack(msg, buf + RPC_HDR_LEN);
	int r = rpc_fd_write_all(fd, buf, n + RPC_HDR_LEN);
	if (buf != stackbuf)
		free(buf);
	return r;
}

/* Reads exactly len bytes; returns the count read before EOF if short. */
static int read_full(int fd, uint8_t *p, size_t len, size_t *ret_got)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret_got = got;
	return 0;
}

int rpc_fd_recv(int fd, uint32_t cap, uint8_t **ret_body, size_t *ret_len)
{
	uint8_t hdr[RPC_HDR_LEN];
	size_t got = 0;
	uint32_t n = 0;
	int r = read_full(fd, hdr, sizeof(hdr), &got);
	if (r < 0)
		return r;
	if (got == 0)
		return -EPIPE;
	if (got < sizeof(hdr))
		return -EPROTO;
	r = rpc_frame_parse(hdr, sizeof(hdr), cap, &n);
	if (r < 0)
		return r;
	uint8_t *body = malloc(n);
	if (!body)
		return -ENOMEM;
	r = read_full(fd, body, n, &got);
	if (r == 0 && got < n)
		r = -EPROTO;
	if (r < 0) {
		free(body);
		return r;
	}
	*ret_body = body;
	*ret_len = n;
	return 0;
}
