#!/usr/bin/python3
"""gateway_boto3.py: boto3 (Debian's python3-boto3) against iam-gateway.

Usage: gateway_boto3.py URL ACCESS_KEY_ID SECRET (a root key of the account).
Prints TAP: users with tags, a paginator with a small page size, a managed
policy with its document as a dict, a user's own key allowed and denied,
AssumeRole, error codes as botocore.exceptions.ClientError."""
import sys

import boto3
import botocore.exceptions
from botocore.config import Config

from tap import check, done

url, akid, secret = sys.argv[1:4]
def client(service, key, sec, token=None):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=sec,
                        aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}))


def error_code(fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


iam = client("iam", akid, secret)
sts = client("sts", akid, secret)
acct = sts.get_caller_identity()["Account"]
check(len(acct) == 12, "GetCallerIdentity gives the account", acct)

u = iam.create_user(UserName="zoe", Path="/b3/", Tags=[{"Key": "k", "Value": "v"}])["User"]
check(u["Arn"] == "arn:aws:iam::%s:user/b3/zoe" % acct, "CreateUser's Arn", u["Arn"])
check(u["CreateDate"].year >= 2024 and u["CreateDate"].tzinfo is not None,
      "CreateDate parses as an aware datetime", u["CreateDate"])
for i in range(5):
    iam.create_user(UserName="b3u%d" % i, Path="/b3/")
names = []
pages = 0
for page in iam.get_paginator("list_users").paginate(PathPrefix="/b3/",
                                                      PaginationConfig={"PageSize": 2}):
    pages += 1
    names += [x["UserName"] for x in page["Users"]]
check(names == ["b3u0", "b3u1", "b3u2", "b3u3", "b3u4", "zoe"], "the paginator returns every user", names)
check(pages == 3, "in three pages of two", pages)
check(iam.list_user_tags(UserName="zoe")["Tags"] == [{"Key": "k", "Value": "v"}], "ListUserTags")

doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}'
arn = iam.create_policy(PolicyName="b3p", PolicyDocument=doc)["Policy"]["Arn"]
v = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
check(isinstance(v["Document"], dict) and v["Document"]["Statement"][0]["Action"] == "iam:GetUser",
      "a policy document comes back as a dict", v["Document"])
iam.attach_user_policy(UserName="zoe", PolicyArn=arn)
key = iam.create_access_key(UserName="zoe")["AccessKey"]
check(key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40, "CreateAccessKey")

zoe = client("iam", key["AccessKeyId"], key["SecretAccessKey"])
check(zoe.get_user(UserName="zoe")["User"]["UserName"] == "zoe", "zoe may GetUser")
check(error_code(zoe.list_users) == ("AccessDenied", 403), "zoe may not ListUsers: AccessDenied 403")
wrong = key["SecretAccessKey"][:-1] + ("x" if key["SecretAccessKey"][-1] != "x" else "y")
bad = client("iam", key["AccessKeyId"], wrong)
check(error_code(bad.get_user, UserName="zoe") == ("SignatureDoesNotMatch", 403),
      "a wrong secret: SignatureDoesNotMatch 403")
check(error_code(iam.get_user, UserName="nobody") == ("NoSuchEntity", 404), "NoSuchEntity 404")
check(error_code(iam.delete_user, UserName="zoe") == ("DeleteConflict", 409), "DeleteConflict 409")
check(error_code(iam.create_policy, PolicyName="bad", PolicyDocument="{")[0] == "MalformedPolicyDocument",
      "MalformedPolicyDocument")

trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:user/b3/zoe"},'
         '"Action":"sts:AssumeRole"}]}' % acct)
role = iam.create_role(RoleName="b3r", AssumeRolePolicyDocument=trust)["Role"]
iam.put_user_policy(UserName="zoe", PolicyName="assume", PolicyDocument=(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"%s"}]}'
    % role["Arn"]))
zsts = client("sts", key["AccessKeyId"], key["SecretAccessKey"])
cred = zsts.assume_role(RoleArn=role["Arn"], RoleSessionName="b3s", DurationSeconds=900)["Credentials"]
check(cred["AccessKeyId"].startswith("ASIA"), "AssumeRole gives temporary credentials")
sess = client("sts", cred["AccessKeyId"], cred["SecretAccessKey"], cred["SessionToken"])
check(sess.get_caller_identity()["Arn"] == "arn:aws:sts::%s:assumed-role/b3r/b3s" % acct,
      "the session's identity")

done()
