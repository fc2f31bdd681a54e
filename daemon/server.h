/* server: iamd's event loop (the libevent adapter: the only file that
 * includes event2/). One event_base; a listening event; per connection raw
 * read/write events and one timer. Complete frames are dispatched
 * synchronously from the read callback (dispatch.h) and answered from it:
 * write() at once, EV_WRITE only when the socket is full, reading paused
 * while too many answers wait. Requests are read with MSG_PEEK (from
 * SO_PEEK_OFF on) and taken out of the socket in batches once answered,
 * within a millisecond (server.c, conn_consume(): a client blocked on its
 * answer is not woken for nothing); the connection's events are therefore
 * edge-triggered (EV_ET, and EV_CLOSED for a peer's shutdown).
 * Per-connection limits: frame size, answers in flight, idle timeout, a
 * deadline for a started frame; a limit on connections. A peer that breaks
 * the protocol loses its connection, never the daemon.
 *
 * Waiting for keyd: while a call waits for keyd's answer the loop does not
 * sleep at once but polls (the loop without blocking, other connections
 * served, the CPU yielded each turn) for up to --keyd-spin (default 50
 * us; off on a one-CPU host): keyd answers within microseconds, and being
 * woken from an idle CPU costs more than that (docs/keyd.md, "Waiting
 * for keyd"). Likewise after a request, for the next one, for up to
 * --idle-spin (default 50 us; docs/iamd.md, "Polling instead of
 * sleeping").
 *
 * SIGTERM/SIGINT: stop accepting, answer every complete request already
 * received (reading what the kernel holds), flush, close; bounded by a
 * short drain timeout; then server_run() returns. */
#pragma once

struct iamd;
struct server;

/* Takes ownership of `listen_fd` (a listening AF_UNIX stream socket). */
int server_new(struct iamd *d, int listen_fd, struct server **ret);
/* Runs until SIGTERM/SIGINT has been handled. 0, or negative errno. */
int server_run(struct server *srv);
void server_free(struct server *srv);          /* accepts NULL */
