/* iamd: the daemon-wide state that the event loop, dispatch and handlers
 * share. One instance, owned by iamd_main.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct store;
struct event_base;
struct authz_cache;
struct keyd_client;
struct audit;

struct iamd_config {
	const char *state_dir;        /* --state-dir: LMDB lives in STATE/db */
	const char *runtime_dir;      /* --runtime-dir: holds api.sock */
	const char *socket_path;      /* derived: RUNTIME/api.sock, or --socket */
	const char *account_id;       /* --account-id: default account on first start */
	const char *keyd_socket_path; /* --keyd-socket: iam-keyd's socket (keyd_client.h) */
	uint32_t keyd_timeout_ms;     /* --keyd-timeout: per keyd request */
	uint32_t keyd_spin_us;        /* --keyd-spin: poll this long for keyd's
				       * answer before sleeping (server.c) */
	uint32_t idle_spin_us;        /* --idle-spin: poll this long for the next
				       * request before sleeping (server.c) */
	bool foreground;
	uint32_t max_frame;           /* bytes a request frame may hold */
	uint32_t max_inflight;        /* answered-but-unsent calls per connection */
	uint32_t max_conns;
	uint32_t idle_timeout_ms;     /* no complete frame for this long: close */
	uint32_t frame_timeout_ms;    /* a started frame must complete within */
	size_t map_size;              /* LMDB map size */
	/* the audit trail (audit.h): --audit, --audit-data-events,
	 * --audit-max-file-size, --audit-rotate-interval */
	bool audit;
	bool audit_data_events;
	uint64_t audit_max_file_size;
	uint32_t audit_rotate_interval;
};

struct iamd {
	struct iamd_config cfg;
	struct store *store;
	struct event_base *base;
	char account_id[13];          /* the default account, 12 digits */
	uid_t owner_uid;              /* owner of the state dir: account root too */
	bool stopping;
	/* Bumped by dispatch after every committed write: what authz cached
	 * (compiled policy sets, uid bindings) is valid only at the
	 * generation it was built at. */
	uint64_t generation;
	struct authz_cache *authz;    /* authz_cache.c; created on first use */
	struct keyd_client *keyd;     /* keyd_client.c; set once the loop exists */
	struct audit *audit;          /* audit.c; NULL when the trail is off */
};
