/* iamctl policy: offline policy tools. Placeholder until lib/policy lands. */
#include <stdio.h>
int iamctl_policy_main(int argc, char **argv);
int iamctl_policy_main(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "iamctl policy: not built yet\n");
	return 2;
}
