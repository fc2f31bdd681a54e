/* credcache_check: libiam's iam_credentials_get() cache against a real
 * iamd and iam-keyd, driven by hostroles_creds.sh: cached answers, the
 * cached path's cost, threads, refresh ahead of expiry (an injected clock),
 * old credentials while a refresh fails but never once (nearly) expired,
 * and reconnection after iamd restarts. Prints "key value" lines; pauses
 * (a line on stdout, then one read from stdin) where the script stops and
 * restarts iamd. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iam.h"

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

static iam_client *client;
static int thread_fail;
static const char *thread_want;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50000; i++) {
		iam_credentials *k;
		if (iam_credentials_get(client, &k) < 0 ||
		    strcmp(iam_credentials_access_key_id(k), thread_want) != 0)
			__atomic_add_fetch(&thread_fail, 1, __ATOMIC_RELAXED);
		else
			iam_credentials_free(k);
	}
	return NULL;
}

static void pause_for(const char *what)
{
	char line[16];
	printf("%s\n", what);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(2);
}

static double ns_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(void)
{
	iam_credentials *a, *b, *c, *d, *e;
	iam_error *err = NULL;
	if (iam_client_new(NULL, &client) < 0)
		return 2;
	int r = iam_credentials_get_error(client, &a, &err);
	if (r < 0) {
		printf("first_error %s %s\n", err ? iam_error_code(err) : "-",
		       err ? iam_error_message(err) : strerror(-r));
		return 1;
	}
	printf("first_role %s\n", iam_credentials_role_arn(a));
	printf("first_left %lld\n", (long long)(iam_credentials_expiration(a) - time(NULL)));
	r = iam_credentials_get(client, &b);
	printf("cached %s\n", r == 0 && b == a ? "same" : "different");
	if (r == 0)
		iam_credentials_free(b);

	/* the cached path */
	double best = 1e18;
	for (int round = 0; round < 5; round++) {
		double t0 = ns_now();
		for (int i = 0; i < 1000000; i++) {
			iam_credentials_get(client, &b);
			iam_credentials_free(b);
		}
		double ns = (ns_now() - t0) / 1e6;
		if (ns < best)
			best = ns;
	}
	printf("cached_ns %.1f\n", best);

	pthread_t th[4];
	thread_want = iam_credentials_access_key_id(a);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("threads %s\n", thread_fail ? "fail" : "ok");

	/* 200 s before expiry a refresh is due (5-10 minutes ahead) */
	fake_now = iam_credentials_expiration(a) - 200;
	iam_credentials_set_clock(fake_clock);
	r = iam_credentials_get(client, &c);
	printf("refresh %s\n", r < 0 ? "error" :
	       strcmp(iam_credentials_access_key_id(c), iam_credentials_access_key_id(a)) ? "new" :
	       "old");
	if (r < 0)
		return 1;
	/* 4,000 s before its expiry: still cached */
	fake_now = iam_credentials_expiration(c) - 3000;
	r = iam_credentials_get(client, &b);
	printf("after_refresh %s\n", r == 0 && b == c ? "cached" : "other");
	if (r == 0)
		iam_credentials_free(b);

	pause_for("pause-stop");      /* iamd is stopped */
	fake_now = iam_credentials_expiration(c) - 200;
	r = iam_credentials_get(client, &d);
	printf("iamd_down_valid %s\n", r == 0 && d == c ? "old" : r < 0 ? "error" : "other");
	if (r == 0)
		iam_credentials_free(d);
	fake_now = iam_credentials_expiration(c) - 30;
	r = iam_credentials_get(client, &d);
	printf("iamd_down_expiring %s\n", r < 0 ? "refused" : "handed-out");
	if (r == 0)
		iam_credentials_free(d);

	pause_for("pause-start");     /* iamd is back */
	/* the real clock again, and nothing cached: the next call goes to
	 * the restarted iamd over the same client */
	iam_credentials_set_clock(NULL);
	iam_credentials_cache_clear();
	r = iam_credentials_get(client, &e);
	printf("reconnected %s\n", r == 0 && e != c ? "new" : r < 0 ? "error" : "old");
	if (r == 0)
		iam_credentials_free(e);

	/* a fork's child: its own credentials over its own connection, even
	 * once the parent (the process that connected) is gone */
	r = iam_credentials_get(client, &e);
	int sync[2], res[2];
	if (r == 0 && pipe(sync) == 0 && pipe(res) == 0) {
		fflush(stdout);
		pid_t mid = fork();
		if (mid == 0) {
			/* a middle process that forks the child and exits, so the
			 * child's inherited connection is of a process gone */
			pid_t kid = fork();
			if (kid != 0)
				_exit(kid < 0);
			char bb, line[512];
			close(res[0]);
			(void)!read(sync[0], &bb, 1);   /* the middle has exited */
			iam_credentials *f;
			iam_error *fe = NULL;
			int fr = iam_credentials_get_error(client, &f, &fe);
			int n = snprintf(line, sizeof(line), "fork_child %s\n",
					 fr < 0 ? (fe ? iam_error_message(fe) : "error") :
					 strcmp(iam_credentials_access_key_id(f),
						iam_credentials_access_key_id(e)) ? "new" : "inherited");
			(void)!write(res[1], line, (size_t)n);
			_exit(0);
		}
		close(res[1]);
		int st;
		waitpid(mid, &st, 0);
		(void)!write(sync[1], "x", 1);
		close(sync[1]);
		close(sync[0]);
		char line[512];
		ssize_t n = read(res[0], line, sizeof(line) - 1);
		close(res[0]);
		printf("%.*s", n > 0 ? (int)n : 0, line);
		if (n <= 0)
			printf("fork_child none\n");
	}
	if (r == 0)
		iam_credentials_free(e);

	/* GetCredentials itself (uncached, iamd and iam-keyd): p50 and p99 */
	enum { N = 400 };
	static double lat[N];
	int n = 0;
	for (int i = 0; i < N; i++) {
		double t0 = ns_now();
		iam_credentials_cache_clear();
		if (iam_credentials_get(client, &e) < 0)
			break;
		lat[n++] = ns_now() - t0;
		iam_credentials_free(e);
	}
	for (int i = 1; i < n; i++)   /* insertion sort: N is small */
		for (int j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
			double t = lat[j];
			lat[j] = lat[j - 1];
			lat[j - 1] = t;
		}
	if (n == N)
		printf("uncached_us p50 %.1f p99 %.1f\n", lat[N / 2] / 1e3, lat[N * 99 / 100] / 1e3);
	else
		printf("uncached_us failed\n");
	iam_credentials_free(a);
	iam_credentials_free(c);
	iam_credentials_cache_clear();
	iam_error_free(err);
	iam_client_free(client);
	return 0;
}
