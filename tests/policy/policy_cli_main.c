/* iamctl-policy: `iamctl policy` as a program of its own, so the policy
 * tools can be tested and used without the rest of iamctl. */
int iamctl_policy_main(int argc, char **argv);

int main(int argc, char **argv)
{
	char *args[64];
	int n = 0;

	args[n++] = "policy";
	for (int i = 1; i < argc && n < 63; i++)
		args[n++] = argv[i];
	args[n] = 0;
	return iamctl_policy_main(n, args);
}
