/* test_libiam: a real iamd in a temp dir, driven through libiam's public
 * API: Hello facts, create/get/list users as JSON and as protobuf-c
 * messages, AWS errors with code, message, request id and HTTP status,
 * parameter validation before the wire, reconnection after a restart, and a
 * dead or frozen daemon that fails fast instead of hanging the caller. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iam.h"
#include "iam.pb-c.h"
#include "../tap.h"

static char dir[256], sock[300], iamd_path[512];
static pid_t iamd_pid = -1;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int iamd_start(void)
{
	char state[300], run[300], pidfile[320], log[300];
	double t0 = now_s();

	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/iamd.pid", run);
	snprintf(log, sizeof(log), "%s/iamd.log", dir);
	unlink(pidfile);
	iamd_pid = fork();
	if (iamd_pid < 0)
		return -errno;
	if (iamd_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(iamd_path, "iamd", "--foreground", "--state-dir", state,
		      "--runtime-dir", run, (char *)NULL);
		_exit(127);
	}
	while (now_s() - t0 < 30) {
		int st;
		if (access(pidfile, F_OK) == 0 && access(sock, F_OK) == 0)
			return 0;
		if (waitpid(iamd_pid, &st, WNOHANG) == iamd_pid) {
			iamd_pid = -1;
			return -ECHILD;
		}
		usleep(20000);
	}
	return -ETIMEDOUT;
}

static int iamd_signal_wait(int sig)
{
	int st = 0;

	if (iamd_pid < 0)
		return -1;
	kill(iamd_pid, sig);
	waitpid(iamd_pid, &st, 0);
	iamd_pid = -1;
	return st;
}

static void cleanup(void)
{
	char cmd[400];

	if (iamd_pid > 0) {
		kill(iamd_pid, SIGCONT);
		iamd_signal_wait(SIGTERM);
	}
	if (dir[0] && !getenv("KEEP_TMP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", dir);
	}
}

static void test_json_calls(iam_client *c)
{
	iam_error *e = NULL;
	char *out = NULL, want[200];
	int r;

	r = iam_call_json(c, "CreateUser", "{\"UserName\": \"alice\", \"Path\": "
			  "\"/eng/\", \"Tags\": [{\"Key\": \"team\", \"Value\": "
			  "\"blue\"}]}", &out, &e);
	TAP_IS_INT(r, 0, "CreateUser succeeds");
	snprintf(want, sizeof(want), "\"Arn\": \"arn:aws:iam::%s:user/eng/alice\"",
		 iam_client_account_id(c));
	tap_ok(out && strstr(out, "{\n    \"User\": {\n        \"Path\": \"/eng/\",\n"
			     "        \"UserName\": \"alice\",\n        \"UserId\": \"AIDA") &&
	       strstr(out, want) && strstr(out, "\"CreateDate\": \"20") &&
	       strstr(out, "+00:00\"") && strstr(out, "\"Key\": \"team\""),
	       "it answers the AWS CLI's JSON with the account's ARN");
	iam_free(out);
	out = NULL;

	r = iam_call_json(c, "GetUser", "{\"UserName\": \"alice\"}", &out, &e);
	tap_ok(r == 0 && out && strstr(out, "\"UserName\": \"alice\""),
	       "GetUser finds alice");
	iam_free(out);
	out = NULL;

	r = iam_call_json(c, "create_user", "{\"UserName\": \"ALICE\"}", &out, &e);
	tap_ok(r == -EEXIST && e && strcmp(iam_error_code(e), "EntityAlreadyExists") == 0 &&
	       iam_error_http_status(e) == 409 && strlen(iam_error_request_id(e)) == 36 &&
	       out == NULL, "a second ALICE is EntityAlreadyExists (409, request id)");
	iam_error_free(e);
	e = NULL;

	r = iam_call_json(c, "GetUser", "{\"UserName\": \"bob\"}", &out, &e);
	tap_ok(r == -ENOENT && e && strcmp(iam_error_code(e), "NoSuchEntity") == 0 &&
	       iam_error_http_status(e) == 404 && iam_error_sender_fault(e) &&
	       strstr(iam_error_message(e), "bob"),
	       "GetUser bob is NoSuchEntity naming bob");
	if (e)
		printf("# %s: %s\n", iam_error_code(e), iam_error_message(e));
	iam_error_free(e);
	e = NULL;

	r = iam_call_json(c, "ListUsers", NULL, &out, &e);
	tap_ok(r == 0 && out && strstr(out, "\"Users\": [") && strstr(out, "alice"),
	       "ListUsers without parameters lists alice");
	iam_free(out);
	out = NULL;

	r = iam_call_json(c, "CreateUser", "{\"UserName\": 5}", &out, &e);
	tap_ok(r == -EINVAL && e && strcmp(iam_error_code(e), "ParamValidation") == 0 &&
	       strstr(iam_error_message(e), "UserName"),
	       "a number for UserName is refused before the wire, naming the member");
	iam_error_free(e);
	e = NULL;

	r = iam_call_json(c, "CreateUser", "{\"UserName\": ", &out, &e);
	tap_ok(r == -EINVAL && e && strstr(iam_error_message(e), "line 1"),
	       "malformed JSON says where");
	iam_error_free(e);
	e = NULL;

	r = iam_call_json(c, "LaunchRockets", "{}", &out, &e);
	tap_ok(r == -EOPNOTSUPP && e && strcmp(iam_error_code(e), "InvalidAction") == 0,
	       "an unknown action is InvalidAction");
	iam_error_free(e);
	e = NULL;

	r = iam_call_json(c, "CreateGroup", "{\"GroupName\": \"devs\"}", &out, &e);
	iam_free(out);
	out = NULL;
	r = iam_call_json(c, "AddUserToGroup", "{\"GroupName\": \"devs\", "
			  "\"UserName\": \"alice\"}", &out, &e);
	tap_ok(r == 0 && out && strcmp(out, "{}") == 0,
	       "an action without response members answers {}");
	iam_free(out);
	out = NULL;
	r = iam_call_json(c, "DeleteUser", "{\"UserName\": \"alice\"}", &out, &e);
	tap_ok(r == -ENOTEMPTY && e && strcmp(iam_error_code(e), "DeleteConflict") == 0,
	       "DeleteUser of a group member is DeleteConflict (-ENOTEMPTY)");
	iam_error_free(e);
	e = NULL;
}

static void test_typed_calls(iam_client *c)
{
	Iam__GetUserRequest req = IAM__GET_USER_REQUEST__INIT;
	Iam__ListUsersRequest wrong = IAM__LIST_USERS_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	iam_error *e = NULL;
	int r;

	req.user_name = "alice";
	r = iam_call(c, "GetUser", &req.base, &resp, &e);
	tap_ok(r == 0 && resp && ((Iam__GetUserResponse *)resp)->user &&
	       strcmp(((Iam__GetUserResponse *)resp)->user->user_name, "alice") == 0 &&
	       ((Iam__GetUserResponse *)resp)->user->has_create_date,
	       "the typed path answers a GetUserResponse");
	iam_message_free(resp);
	resp = NULL;
	r = iam_call(c, "GetUser", &wrong.base, &resp, &e);
	tap_ok(r == -EINVAL && resp == NULL,
	       "a request of another action's type is refused");
	req.user_name = "nobody";
	r = iam_call(c, "GetUser", &req.base, &resp, &e);
	tap_ok(r == -ENOENT && e && strcmp(iam_error_code(e), "NoSuchEntity") == 0,
	       "typed errors carry the AWS code too");
	iam_error_free(e);
}

int main(void)
{
	const char *bd = getenv("top_builddir");
	iam_client *c = NULL, *c2 = NULL;
	iam_error *e = NULL;
	char *out = NULL;
	double t0;
	int r;

	snprintf(iamd_path, sizeof(iamd_path), "%s/daemon/iamd", bd ? bd : ".");
	if (access(iamd_path, X_OK) != 0) {
		printf("1..0 # SKIP no iamd at %s\n", iamd_path);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/libiam.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 99;
	}
	atexit(cleanup);
	snprintf(sock, sizeof(sock), "%s/run/api.sock", dir);

	r = iam_client_new(sock, &c);
	tap_ok(r == -ENOENT || r == -ECONNREFUSED,
	       "no daemon yet: iam_client_new fails at once (%d)", r);
	if (iamd_start() < 0) {
		printf("Bail out! iamd did not start (see %s/iamd.log)\n", dir);
		return 99;
	}
	setenv("IAMD_SOCKET", sock, 1);
	r = iam_client_new(NULL, &c);
	TAP_IS_INT(r, 0, "iam_client_new(NULL) connects to $IAMD_SOCKET");
	if (r < 0)
		return tap_done();
	tap_ok(strlen(iam_client_account_id(c)) == 12 &&
	       strspn(iam_client_account_id(c), "0123456789") == 12,
	       "Hello told the 12-digit account id");
	tap_ok(strncmp(iam_client_server(c), "iamd", 4) == 0, "and the server name");

	test_json_calls(c);
	test_typed_calls(c);

	r = iam_client_new(sock, &c2);
	{
		char *out2 = NULL;
		tap_ok(r == 0 && iam_call_json(c2, "GetUser", "{\"UserName\": \"alice\"}",
					       &out, NULL) == 0 &&
		       iam_call_json(c, "GetUser", "{\"UserName\": \"alice\"}", &out2,
				     NULL) == 0 && strcmp(out, out2) == 0,
		       "two clients interleave calls");
		iam_free(out2);
	}
	iam_free(out);
	out = NULL;
	iam_client_free(c2);

	/* a restart: the idle connection is gone; the next call reconnects */
	TAP_IS_INT(iamd_signal_wait(SIGTERM), 0, "iamd stops cleanly");
	tap_ok(iamd_start() == 0, "iamd restarts on the same state");
	r = iam_call_json(c, "GetUser", "{\"UserName\": \"alice\"}", &out, &e);
	tap_ok(r == 0 && out && strstr(out, "alice"),
	       "a call after the restart reconnects and finds alice again");
	iam_free(out);
	out = NULL;

	/* a frozen daemon: the deadline fires, nothing hangs */
	kill(iamd_pid, SIGSTOP);
	iam_client_set_timeout(c, 300);
	t0 = now_s();
	r = iam_call_json(c, "ListUsers", "{}", &out, &e);
	tap_ok(r == -ETIMEDOUT && now_s() - t0 < 3.0 && e == NULL,
	       "a frozen daemon times out after the deadline (%d, %.2fs)", r,
	       now_s() - t0);
	t0 = now_s();
	r = iam_client_new_with_timeout(sock, 300, &c2);
	tap_ok(r == -ETIMEDOUT && now_s() - t0 < 3.0,
	       "and a new client's Hello times out too (%d)", r);
	kill(iamd_pid, SIGCONT);
	r = iam_call_json(c, "ListUsers", "{}", &out, &e);
	tap_ok(r == 0, "once it thaws, the next call works on a new connection");
	iam_free(out);
	out = NULL;

	/* a dead daemon: fails fast */
	iamd_signal_wait(SIGKILL);
	iam_client_set_timeout(c, 0);   /* even without a deadline */
	t0 = now_s();
	r = iam_call_json(c, "GetUser", "{\"UserName\": \"alice\"}", &out, &e);
	tap_ok(r < 0 && e == NULL && now_s() - t0 < 2.0,
	       "a killed daemon fails the call at once (%d: %s)", r, strerror(-r));
	t0 = now_s();
	r = iam_client_new(sock, &c2);
	tap_ok((r == -ECONNREFUSED || r == -ENOENT) && now_s() - t0 < 2.0,
	       "and a new client at once (%d)", r);
	iam_client_free(c);
	iam_client_free(NULL);
	iam_error_free(NULL);
	iam_free(NULL);
	return tap_done();
}
