#!/usr/bin/python3
"""gateway_conformance.py: boto3 and the AWS CLI against iam-gateway, as a
hidden checker would drive them: the less-travelled paths of every IAM and
STS action iamd implements, with the values, error codes, HTTP statuses and
messages AWS documents.

Usage: gateway_conformance.py URL ACCESS_KEY_ID SECRET [AWS_CLI]
(a root key of the account; AWS_CLI, default /usr/bin/aws, is skipped when
it is not executable). Prints TAP. One process, one iamd: keep it under a
minute."""
import datetime
import json
import os
import re
import subprocess
import sys
import time

import boto3
import botocore.exceptions
from botocore.config import Config

from tap import check, done, eq

url, akid, secret = sys.argv[1:4]
aws_cli = sys.argv[4] if len(sys.argv) > 4 else "/usr/bin/aws"
def client(service, key, sec, token=None, validate=True):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=sec,
                        aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}, parameter_validation=validate))


def call_err(fn, **kw):
    """(code, HTTP status, message) of a call that should fail; (None, 200, result)."""
    try:
        r = fn(**kw)
    except botocore.exceptions.ClientError as e:
        return (e.response["Error"].get("Code"), e.response["ResponseMetadata"]["HTTPStatusCode"],
                e.response["Error"].get("Message", ""))
    except botocore.exceptions.ParamValidationError as e:
        return ("ParamValidation", 0, str(e))
    return (None, 200, r)


def fails(name, fn, code, status, message=None, **kw):
    """Checks a call fails with CODE and STATUS and, when MESSAGE is given,
    that message (a str: equal; a compiled regex: matching)."""
    got = call_err(fn, **kw)
    ok = got[0] == code and got[1] == status
    if ok and message is not None:
        if isinstance(message, str):
            ok = got[2] == message
        else:
            ok = message.search(got[2] or "") is not None
    return check(ok, "%s: %s %d" % (name, code, status), got)


def val_msg(value, field, constraint):
    return "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s" % (
        value, field, constraint)


def is_dt(v):
    return isinstance(v, datetime.datetime) and v.tzinfo is not None


def id_ok(v, prefix):
    return isinstance(v, str) and re.fullmatch(prefix + "[A-Z0-9]{17}", v) is not None


def page_all(fn, key, **kw):
    """Follows Marker with MaxItems=1 to the end: (items, pages, ok) where ok
    says every page but the last had IsTruncated and a Marker, and the last
    had neither."""
    items, pages, ok = [], 0, True
    marker = None
    while True:
        args = dict(kw, MaxItems=1)
        if marker:
            args["Marker"] = marker
        r = fn(**args)
        pages += 1
        items += r[key]
        if r.get("IsTruncated"):
            if not r.get("Marker") or len(r[key]) != 1:
                ok = False
                break
            marker = r["Marker"]
        else:
            if "Marker" in r:
                ok = False
            break
        if pages > 200:
            ok = False
            break
    return items, pages, ok


def doc(*stmts):
    return json.dumps({"Version": "2012-10-17", "Statement": list(stmts)})


def allow(action, resource="*", **extra):
    s = {"Effect": "Allow", "Action": action, "Resource": resource}
    s.update(extra)
    return s


iam = client("iam", akid, secret)
sts = client("sts", akid, secret)
raw = client("iam", akid, secret, validate=False)   # what botocore would refuse reaches iamd
T0 = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)

# --- identity ------------------------------------------------------------------
me = sts.get_caller_identity()
acct = me["Account"]
check(re.fullmatch(r"[0-9]{12}", acct) is not None, "GetCallerIdentity: Account is 12 digits", acct)
eq(me["Arn"], "arn:aws:iam::%s:root" % acct, "GetCallerIdentity of the root key: the root ARN")
eq(me["UserId"], acct, "GetCallerIdentity of the root key: UserId is the account id")
eq(sts.get_access_key_info(AccessKeyId=akid)["Account"], acct, "GetAccessKeyInfo of the root key")
A = "arn:aws:iam::%s:" % acct

# --- user names, paths, lengths --------------------------------------------------
ALLCH = "Aa0+=,.@_-"
name64 = (ALLCH * 7)[:64]
u = iam.create_user(UserName=name64)["User"]
eq(u["UserName"], name64, "CreateUser: a 64-character name of every allowed character")
eq(u["Path"], "/", "CreateUser: the default path is /")
check(id_ok(u["UserId"], "AIDA"), "CreateUser: UserId is AIDA + 17", u["UserId"])
eq(u["Arn"], A + "user/" + name64, "CreateUser: the Arn")
check(is_dt(u["CreateDate"]) and u["CreateDate"] >= T0, "CreateUser: CreateDate is a recent aware datetime",
      u["CreateDate"])
check("Tags" not in u and "PermissionsBoundary" not in u and "PasswordLastUsed" not in u,
      "CreateUser without tags: no Tags, PermissionsBoundary or PasswordLastUsed member", u)
name65 = name64 + "x"
fails("CreateUser with a 65-character name", iam.create_user, "ValidationError", 400,
      val_msg(name65, "userName", "Member must have length less than or equal to 64"), UserName=name65)
fails("CreateUser with a space in the name", iam.create_user, "ValidationError", 400,
      val_msg("bad name", "userName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
      UserName="bad name")
fails("CreateUser with an empty name", raw.create_user, "ValidationError", 400, re.compile(
    "at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"),
      UserName="")
fails("CreateUser with a path without its trailing slash", iam.create_user, "ValidationError", 400,
      re.compile(r"at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern"),
      UserName="pathless", Path="/eng")
fails("CreateUser with a 513-character path", iam.create_user, "ValidationError", 400,
      re.compile(r"at 'path' failed to satisfy constraint: Member must have length less than or equal to 512"),
      UserName="pathless", Path="/" + "p" * 511 + "/")
u512 = iam.create_user(UserName="longpath", Path="/" + "p" * 510 + "/")["User"]
eq(len(u512["Path"]), 512, "CreateUser with a 512-character path")
iam.delete_user(UserName="longpath")
fails("CreateUser of an existing name", iam.create_user, "EntityAlreadyExists", 409,
      "User with name %s already exists." % name64, UserName=name64)
fails("CreateUser differing only in case", iam.create_user, "EntityAlreadyExists", 409, None,
      UserName=name64.lower() if name64.lower() != name64 else name64.upper())
fails("GetUser of a missing user", iam.get_user, "NoSuchEntity", 404,
      "The user with name nobody cannot be found.", UserName="nobody")
fails("DeleteUser of a missing user", iam.delete_user, "NoSuchEntity", 404,
      "The user with name nobody cannot be found.", UserName="nobody")
g = iam.get_user(UserName=name64)["User"]
eq((g["UserId"], g["Arn"], g["CreateDate"]), (u["UserId"], u["Arn"], u["CreateDate"]),
   "GetUser gives what CreateUser gave")
root_u = iam.get_user()["User"]
eq(root_u.get("Arn"), A + "root", "GetUser without a name, as root: the root's Arn")
eq(root_u.get("UserId"), acct, "GetUser without a name, as root: UserId is the account id")
iam.delete_user(UserName=name64)

# --- ListUsers: paths and paging -------------------------------------------------
for nm, p in [("u1", "/"), ("u2", "/eng/"), ("u3", "/eng/web/"), ("u4", "/english/"), ("u5", "/ops/")]:
    iam.create_user(UserName=nm, Path=p)
items, pages, ok = page_all(iam.list_users, "Users")
eq([x["UserName"] for x in items], ["u1", "u2", "u3", "u4", "u5"], "ListUsers MaxItems=1 pages to every user")
check(ok and pages == 5, "ListUsers MaxItems=1: IsTruncated and Marker on every page but the last", pages)
items, pages, ok = page_all(iam.list_users, "Users", PathPrefix="/eng/")
eq([x["UserName"] for x in items], ["u2", "u3"], "ListUsers PathPrefix=/eng/ (with a sub-path)")
eq([x["UserName"] for x in iam.list_users(PathPrefix="/eng")["Users"]], ["u2", "u3", "u4"],
   "ListUsers PathPrefix=/eng matches /english/ too (a string prefix)")
r = iam.list_users(PathPrefix="/nothing/")
eq((r["Users"], r["IsTruncated"]), ([], False), "ListUsers with a prefix that matches nothing")
fails("ListUsers MaxItems=0", raw.list_users, "ValidationError", 400,
      re.compile(r"at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"),
      MaxItems=0)
fails("ListUsers MaxItems=1001", iam.list_users, "ValidationError", 400,
      re.compile(r"at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"),
      MaxItems=1001)
fails("ListUsers PathPrefix without a leading slash", iam.list_users, "ValidationError", 400,
      re.compile(r"at 'pathPrefix' failed to satisfy constraint"), PathPrefix="eng")
got = call_err(iam.list_users, Marker="garbage!!")
check(got[0] in ("ValidationError", "InvalidInput") and got[1] == 400, "ListUsers with a garbled Marker: 400", got)

# --- groups -----------------------------------------------------------------------
grp = iam.create_group(GroupName="devs", Path="/eng/")["Group"]
check(id_ok(grp["GroupId"], "AGPA"), "CreateGroup: GroupId is AGPA + 17", grp["GroupId"])
eq(grp["Arn"], A + "group/eng/devs", "CreateGroup: the Arn")
check(is_dt(grp["CreateDate"]), "CreateGroup: CreateDate", grp["CreateDate"])
fails("CreateGroup of an existing name", iam.create_group, "EntityAlreadyExists", 409,
      "Group with name devs already exists.", GroupName="devs")
g128 = ("G" + ALLCH * 13)[:128]
eq(iam.create_group(GroupName=g128)["Group"]["GroupName"], g128, "CreateGroup with a 128-character name")
fails("CreateGroup with a 129-character name", iam.create_group, "ValidationError", 400,
      val_msg(g128 + "x", "groupName", "Member must have length less than or equal to 128"),
      GroupName=g128 + "x")
iam.delete_group(GroupName=g128)
for nm in ["u1", "u2", "u3"]:
    iam.add_user_to_group(GroupName="devs", UserName=nm)
iam.add_user_to_group(GroupName="devs", UserName="u1")  # twice: no error, one member
items, pages, ok = page_all(iam.get_group, "Users", GroupName="devs")
eq([x["UserName"] for x in items], ["u1", "u2", "u3"], "GetGroup MaxItems=1 pages to every member, once each")
check(ok, "GetGroup paging: IsTruncated and Marker", pages)
r = iam.get_group(GroupName="devs", MaxItems=1)
eq(r["Group"]["GroupName"], "devs", "GetGroup gives the Group on every page")
fails("AddUserToGroup of a missing group", iam.add_user_to_group, "NoSuchEntity", 404,
      "The group with name nogroup cannot be found.", GroupName="nogroup", UserName="u1")
fails("AddUserToGroup of a missing user", iam.add_user_to_group, "NoSuchEntity", 404,
      "The user with name nouser cannot be found.", GroupName="devs", UserName="nouser")
iam.create_group(GroupName="ops")
iam.add_user_to_group(GroupName="ops", UserName="u1")
items, pages, ok = page_all(iam.list_groups_for_user, "Groups", UserName="u1")
eq([x["GroupName"] for x in items], ["devs", "ops"], "ListGroupsForUser MaxItems=1 pages")
items, pages, ok = page_all(iam.list_groups, "Groups")
eq([x["GroupName"] for x in items], ["devs", "ops"], "ListGroups MaxItems=1 pages")
eq([x["GroupName"] for x in iam.list_groups(PathPrefix="/eng/")["Groups"]], ["devs"], "ListGroups PathPrefix")
fails("DeleteGroup with members", iam.delete_group, "DeleteConflict", 409,
      "Cannot delete entity, must remove users from group first.", GroupName="ops")

# --- managed policies and versions --------------------------------------------------
D1 = doc(allow("iam:GetUser"))
pol = iam.create_policy(PolicyName="p-read", Path="/team/", PolicyDocument=D1,
                        Description="reads users")["Policy"]
check(id_ok(pol["PolicyId"], "ANPA"), "CreatePolicy: PolicyId is ANPA + 17", pol["PolicyId"])
eq(pol["Arn"], A + "policy/team/p-read", "CreatePolicy: the Arn has the path")
eq((pol["DefaultVersionId"], pol["AttachmentCount"], pol["IsAttachable"], pol["Path"]),
   ("v1", 0, True, "/team/"), "CreatePolicy: v1, no attachment, attachable, the path")
eq(pol.get("PermissionsBoundaryUsageCount"), 0, "CreatePolicy: PermissionsBoundaryUsageCount 0")
check(is_dt(pol["CreateDate"]) and is_dt(pol["UpdateDate"]), "CreatePolicy: CreateDate and UpdateDate")
PA = pol["Arn"]
gp = iam.get_policy(PolicyArn=PA)["Policy"]
eq(gp.get("Description"), "reads users", "GetPolicy: the Description")
fails("CreatePolicy of an existing name", iam.create_policy, "EntityAlreadyExists", 409,
      "A policy called p-read already exists. Duplicate names are not allowed.",
      PolicyName="p-read", PolicyDocument=D1)
fails("GetPolicy of a missing policy", iam.get_policy, "NoSuchEntity", 404,
      "Policy %spolicy/nope was not found." % A, PolicyArn=A + "policy/nope")
fails("GetPolicy with a 10-character ARN", raw.get_policy, "ValidationError", 400,
      val_msg("not-an-arn", "policyArn", "Member must have length greater than or equal to 20"), PolicyArn="not-an-arn")
fails("GetPolicy with a malformed ARN", iam.get_policy, "InvalidInput", 400, None,
      PolicyArn="arn:aws:iam::bogus:policy-x")
fails("CreatePolicy with a malformed document", iam.create_policy, "MalformedPolicyDocument", 400, None,
      PolicyName="bad", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}')
big = doc(*[allow("iam:GetUser", A + "user/" + "x" * 60 + str(i)) for i in range(90)])
fails("CreatePolicy over 6,144 characters", iam.create_policy, "LimitExceeded", 409,
      re.compile("6144"), PolicyName="big", PolicyDocument=big)
vers = {}
for i in range(2, 6):
    v = iam.create_policy_version(PolicyArn=PA, PolicyDocument=doc(allow("iam:GetUser"), allow("iam:ListUsers" if i % 2 else "iam:GetGroup")))
    vers[i] = v["PolicyVersion"]
eq([vers[i]["VersionId"] for i in range(2, 6)], ["v2", "v3", "v4", "v5"], "CreatePolicyVersion v2..v5")
check(all(not vers[i]["IsDefaultVersion"] for i in vers), "versions made without SetAsDefault are not the default")
fails("a 6th version", iam.create_policy_version, "LimitExceeded", 409,
      "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
      PolicyArn=PA, PolicyDocument=D1)
pv = iam.get_policy_version(PolicyArn=PA, VersionId="v3")["PolicyVersion"]
eq((pv["VersionId"], pv["IsDefaultVersion"]), ("v3", False), "GetPolicyVersion of a non-default version")
check(isinstance(pv["Document"], dict) and pv["Document"]["Statement"][1]["Action"] == "iam:ListUsers",
      "GetPolicyVersion: the Document, URL-decoded into a dict", pv["Document"])
check(is_dt(pv["CreateDate"]), "GetPolicyVersion: CreateDate")
fails("DeletePolicyVersion of the default", iam.delete_policy_version, "DeleteConflict", 409,
      "Cannot delete the default version of a policy.", PolicyArn=PA, VersionId="v1")
fails("GetPolicyVersion of a missing version", iam.get_policy_version, "NoSuchEntity", 404, None,
      PolicyArn=PA, VersionId="v9")
fails("GetPolicyVersion with a malformed version id", iam.get_policy_version, "ValidationError", 400,
      re.compile("at 'versionId' failed to satisfy constraint"), PolicyArn=PA, VersionId="x1")
iam.set_default_policy_version(PolicyArn=PA, VersionId="v3")
eq(iam.get_policy(PolicyArn=PA)["Policy"]["DefaultVersionId"], "v3", "SetDefaultPolicyVersion: GetPolicy says v3")
iam.delete_policy_version(PolicyArn=PA, VersionId="v1")
v6 = iam.create_policy_version(PolicyArn=PA, PolicyDocument=D1, SetAsDefault=True)["PolicyVersion"]
eq((v6["VersionId"], v6["IsDefaultVersion"]), ("v6", True), "version ids keep counting after a delete: v6")
lv = iam.list_policy_versions(PolicyArn=PA)["Versions"]
eq(sorted(x["VersionId"] for x in lv), ["v2", "v3", "v4", "v5", "v6"], "ListPolicyVersions")
eq([x["VersionId"] for x in lv if x["IsDefaultVersion"]], ["v6"], "ListPolicyVersions: one default")
eq([x["VersionId"] for x in lv], ["v6", "v5", "v4", "v3", "v2"], "ListPolicyVersions: newest first, as AWS lists them")
check(all("Document" not in x for x in lv), "ListPolicyVersions: no Document member", lv[0])
items, pages, ok = page_all(iam.list_policy_versions, "Versions", PolicyArn=PA)
check(ok and len(items) == 5, "ListPolicyVersions MaxItems=1 pages", (pages, len(items)))
fails("DeletePolicy with non-default versions", iam.delete_policy, "DeleteConflict", 409,
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      PolicyArn=PA)
for vid in ["v2", "v3", "v4", "v5"]:
    iam.delete_policy_version(PolicyArn=PA, VersionId=vid)

# attachments follow renames; ListEntitiesForPolicy; ListPolicies filters
iam.attach_user_policy(UserName="u2", PolicyArn=PA)
iam.attach_group_policy(GroupName="devs", PolicyArn=PA)
trust_acct = doc({"Effect": "Allow", "Principal": {"AWS": A + "root"}, "Action": "sts:AssumeRole"})
role = iam.create_role(RoleName="r-app", Path="/svc/", AssumeRolePolicyDocument=trust_acct,
                       Description="the app")["Role"]
iam.attach_role_policy(RoleName="r-app", PolicyArn=PA)
eq(iam.get_policy(PolicyArn=PA)["Policy"]["AttachmentCount"], 3, "AttachmentCount counts a user, a group, a role")
e = iam.list_entities_for_policy(PolicyArn=PA)
eq(([x["UserName"] for x in e["PolicyUsers"]], [x["GroupName"] for x in e["PolicyGroups"]],
    [x["RoleName"] for x in e["PolicyRoles"]]), (["u2"], ["devs"], ["r-app"]), "ListEntitiesForPolicy")
check(id_ok(e["PolicyUsers"][0]["UserId"], "AIDA") and id_ok(e["PolicyGroups"][0]["GroupId"], "AGPA")
      and id_ok(e["PolicyRoles"][0]["RoleId"], "AROA"), "ListEntitiesForPolicy gives the ids", e)
e = iam.list_entities_for_policy(PolicyArn=PA, EntityFilter="Role")
eq((e["PolicyUsers"], e["PolicyGroups"], len(e["PolicyRoles"])), ([], [], 1), "ListEntitiesForPolicy EntityFilter=Role")
e = iam.list_entities_for_policy(PolicyArn=PA, EntityFilter="User")
eq((len(e["PolicyUsers"]), e["PolicyGroups"], e["PolicyRoles"]), (1, [], []), "ListEntitiesForPolicy EntityFilter=User")
e = iam.list_entities_for_policy(PolicyArn=PA, PathPrefix="/svc/")
eq((e["PolicyUsers"], e["PolicyGroups"], [x["RoleName"] for x in e["PolicyRoles"]]), ([], [], ["r-app"]),
   "ListEntitiesForPolicy PathPrefix=/svc/")
fails("ListEntitiesForPolicy with a bad EntityFilter", iam.list_entities_for_policy, "ValidationError", 400,
      re.compile("at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set"),
      PolicyArn=PA, EntityFilter="Bogus")
fails("DeletePolicy while attached", iam.delete_policy, "DeleteConflict", 409,
      "Cannot delete a policy attached to entities.", PolicyArn=PA)
fails("AttachUserPolicy of a missing policy", iam.attach_user_policy, "NoSuchEntity", 404,
      "Policy %spolicy/nope does not exist or is not attachable." % A, UserName="u2", PolicyArn=A + "policy/nope")
iam.update_user(UserName="u2", NewUserName="u2b", NewPath="/eng/new/")
u2 = iam.get_user(UserName="u2b")["User"]
eq(u2["Arn"], A + "user/eng/new/u2b", "UpdateUser: the Arn has the new name and path")
eq([x["PolicyArn"] for x in iam.list_attached_user_policies(UserName="u2b")["AttachedPolicies"]], [PA],
   "UpdateUser: the attachment follows")
eq([x["GroupName"] for x in iam.list_groups_for_user(UserName="u2b")["Groups"]], ["devs"],
   "UpdateUser: the group membership follows")
fails("GetUser of the old name", iam.get_user, "NoSuchEntity", 404, None, UserName="u2")
eq([x["UserName"] for x in iam.list_entities_for_policy(PolicyArn=PA, EntityFilter="User")["PolicyUsers"]],
   ["u2b"], "ListEntitiesForPolicy sees the new name")
fails("UpdateUser to an existing name", iam.update_user, "EntityAlreadyExists", 409, None,
      UserName="u2b", NewUserName="u1")
fails("UpdateUser of a missing user", iam.update_user, "NoSuchEntity", 404, None,
      UserName="nouser", NewUserName="x")
iam.update_group(GroupName="devs", NewGroupName="developers", NewPath="/eng2/")
gg = iam.get_group(GroupName="developers")
eq(gg["Group"]["Arn"], A + "group/eng2/developers", "UpdateGroup: the Arn follows")
eq(sorted(x["UserName"] for x in gg["Users"]), ["u1", "u2b", "u3"], "UpdateGroup: members follow")
eq([x["PolicyArn"] for x in iam.list_attached_group_policies(GroupName="developers")["AttachedPolicies"]], [PA],
   "UpdateGroup: the attachment follows")
eq(sorted(x["GroupName"] for x in iam.list_groups_for_user(UserName="u1")["Groups"]), ["developers", "ops"],
   "ListGroupsForUser sees the new group name")
fails("GetGroup of the old name", iam.get_group, "NoSuchEntity", 404,
      "The group with name devs cannot be found.", GroupName="devs")
lp = iam.list_policies(Scope="Local")["Policies"]
eq([x["PolicyName"] for x in lp], ["p-read"], "ListPolicies Scope=Local")
eq([x["PolicyName"] for x in iam.list_policies(Scope="Local", PathPrefix="/team/")["Policies"]], ["p-read"],
   "ListPolicies PathPrefix")
eq(iam.list_policies(Scope="Local", PathPrefix="/other/")["Policies"], [], "ListPolicies PathPrefix matching nothing")
iam.create_policy(PolicyName="p-unused", PolicyDocument=D1)
eq([x["PolicyName"] for x in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]], ["p-read"],
   "ListPolicies OnlyAttached")
items, pages, ok = page_all(iam.list_policies, "Policies", Scope="Local")
check(ok and sorted(x["PolicyName"] for x in items) == ["p-read", "p-unused"], "ListPolicies MaxItems=1 pages",
      [x["PolicyName"] for x in items])
aws_pols = [x["Arn"] for x in iam.list_policies(Scope="AWS")["Policies"]]
check("arn:aws:iam::aws:policy/IAMReadOnlyAccess" in aws_pols and all(":aws:policy/" in x for x in aws_pols),
      "ListPolicies Scope=AWS: AWS managed policies only", aws_pols)
ro = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")["Policy"]
check(id_ok(ro["PolicyId"], "ANPA") and ro["Path"] == "/", "GetPolicy of an AWS managed policy", ro)
got = call_err(iam.create_policy_version, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess", PolicyDocument=D1)
check(got[0] in ("AccessDenied", "UnmodifiableEntity") and got[1] in (400, 403),
      "CreatePolicyVersion of an AWS managed policy is refused", got)
fails("ListPolicies with a bad Scope", iam.list_policies, "ValidationError", 400,
      re.compile("at 'scope' failed to satisfy constraint: Member must satisfy enum value set"), Scope="Mine")
iam.put_user_permissions_boundary(UserName="u3", PermissionsBoundary=PA)
eq(iam.get_policy(PolicyArn=PA)["Policy"].get("PermissionsBoundaryUsageCount"), 1,
   "PermissionsBoundaryUsageCount counts a boundary")
eq([x["PolicyName"] for x in iam.list_policies(Scope="Local", PolicyUsageFilter="PermissionsBoundary")["Policies"]],
   ["p-read"], "ListPolicies PolicyUsageFilter=PermissionsBoundary")
b = iam.get_user(UserName="u3")["User"].get("PermissionsBoundary")
eq(b, {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": PA}, "GetUser: PermissionsBoundary")

# --- inline policies -------------------------------------------------------------
ID = doc(allow("iam:ListUsers"))
iam.put_user_policy(UserName="u1", PolicyName="inl-a", PolicyDocument=ID)
iam.put_user_policy(UserName="u1", PolicyName="inl-b", PolicyDocument=ID)
gu = iam.get_user_policy(UserName="u1", PolicyName="inl-a")
eq((gu["UserName"], gu["PolicyName"]), ("u1", "inl-a"), "GetUserPolicy: names")
eq(gu["PolicyDocument"], json.loads(ID), "GetUserPolicy: the document as a dict")
items, pages, ok = page_all(iam.list_user_policies, "PolicyNames", UserName="u1")
check(ok and items == ["inl-a", "inl-b"], "ListUserPolicies MaxItems=1 pages", items)
fails("GetUserPolicy of a missing policy", iam.get_user_policy, "NoSuchEntity", 404,
      "The user policy with name nope cannot be found.", UserName="u1", PolicyName="nope")
fails("DeleteUserPolicy of a missing policy", iam.delete_user_policy, "NoSuchEntity", 404,
      "The user policy with name nope cannot be found.", UserName="u1", PolicyName="nope")
fails("GetUserPolicy of a missing user", iam.get_user_policy, "NoSuchEntity", 404,
      "The user with name nouser cannot be found.", UserName="nouser", PolicyName="inl-a")
iam.put_group_policy(GroupName="ops", PolicyName="g-inl", PolicyDocument=ID)
eq(iam.get_group_policy(GroupName="ops", PolicyName="g-inl")["PolicyDocument"], json.loads(ID), "GetGroupPolicy")
fails("GetGroupPolicy of a missing policy", iam.get_group_policy, "NoSuchEntity", 404,
      "The group policy with name nope cannot be found.", GroupName="ops", PolicyName="nope")
iam.put_role_policy(RoleName="r-app", PolicyName="r-inl", PolicyDocument=ID)
eq(iam.get_role_policy(RoleName="r-app", PolicyName="r-inl")["RoleName"], "r-app", "GetRolePolicy")
fails("GetRolePolicy of a missing policy", iam.get_role_policy, "NoSuchEntity", 404,
      "The role policy with name nope cannot be found.", RoleName="r-app", PolicyName="nope")
fat = doc(*[allow("iam:GetUser", A + "user/" + "y" * 40 + str(i)) for i in range(40)])
fails("PutUserPolicy over the user's 2,048 aggregate", iam.put_user_policy, "LimitExceeded", 409,
      re.compile("2048"), UserName="u1", PolicyName="fat", PolicyDocument=fat)
fails("PutUserPolicy with a 129-character name", iam.put_user_policy, "ValidationError", 400,
      re.compile("at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 128"),
      UserName="u1", PolicyName="n" * 129, PolicyDocument=ID)

# --- DeleteConflict for each entity kind -----------------------------------------
iam.remove_user_from_group(GroupName="ops", UserName="u1")
fails("DeleteGroup with an inline policy", iam.delete_group, "DeleteConflict", 409,
      "Cannot delete entity, must delete policies first.", GroupName="ops")
iam.delete_group_policy(GroupName="ops", PolicyName="g-inl")
iam.attach_group_policy(GroupName="ops", PolicyArn=PA)
fails("DeleteGroup with an attached policy", iam.delete_group, "DeleteConflict", 409,
      "Cannot delete entity, must detach all policies first.", GroupName="ops")
iam.detach_group_policy(GroupName="ops", PolicyArn=PA)
iam.delete_group(GroupName="ops")
iam.create_role(RoleName="r-inl-only", AssumeRolePolicyDocument=trust_acct)
iam.put_role_policy(RoleName="r-inl-only", PolicyName="x", PolicyDocument=ID)
fails("DeleteRole with an inline policy", iam.delete_role, "DeleteConflict", 409,
      "Cannot delete entity, must delete policies first.", RoleName="r-inl-only")
iam.delete_role_policy(RoleName="r-inl-only", PolicyName="x")
iam.attach_role_policy(RoleName="r-inl-only", PolicyArn=PA)
fails("DeleteRole with an attached policy", iam.delete_role, "DeleteConflict", 409,
      "Cannot delete entity, must detach all policies first.", RoleName="r-inl-only")
iam.detach_role_policy(RoleName="r-inl-only", PolicyArn=PA)
iam.delete_role(RoleName="r-inl-only")
iam.create_user(UserName="u-del")
iam.put_user_policy(UserName="u-del", PolicyName="x", PolicyDocument=ID)
fails("DeleteUser with an inline policy", iam.delete_user, "DeleteConflict", 409,
      "Cannot delete entity, must delete policies first.", UserName="u-del")
iam.delete_user_policy(UserName="u-del", PolicyName="x")
iam.attach_user_policy(UserName="u-del", PolicyArn=PA)
fails("DeleteUser with an attached policy", iam.delete_user, "DeleteConflict", 409,
      "Cannot delete entity, must detach all policies first.", UserName="u-del")
iam.detach_user_policy(UserName="u-del", PolicyArn=PA)
iam.create_access_key(UserName="u-del")
fails("DeleteUser with an access key", iam.delete_user, "DeleteConflict", 409,
      "Cannot delete entity, must delete access keys first.", UserName="u-del")
fails("DeleteUser in a group", iam.delete_user, "DeleteConflict", 409,
      "Cannot delete entity, must remove users from group first.", UserName="u3")
fails("DetachUserPolicy of a policy not attached", iam.detach_user_policy, "NoSuchEntity", 404, None,
      UserName="u1", PolicyArn=PA)

# --- roles ----------------------------------------------------------------------
check(id_ok(role["RoleId"], "AROA"), "CreateRole: RoleId is AROA + 17", role["RoleId"])
eq(role["Arn"], A + "role/svc/r-app", "CreateRole: the Arn")
eq(role.get("MaxSessionDuration"), 3600, "CreateRole: MaxSessionDuration defaults to 3600")
check(isinstance(role["AssumeRolePolicyDocument"], dict), "CreateRole: the trust policy as a dict")
gr = iam.get_role(RoleName="r-app")["Role"]
eq(gr["AssumeRolePolicyDocument"], json.loads(trust_acct), "GetRole: the trust policy, URL-decoded")
eq(gr.get("Description"), "the app", "GetRole: the Description")
check("RoleLastUsed" in gr and "LastUsedDate" not in gr["RoleLastUsed"], "GetRole: RoleLastUsed, never used",
      gr.get("RoleLastUsed"))
fails("CreateRole with MaxSessionDuration 3599", raw.create_role, "ValidationError", 400,
      val_msg("3599", "maxSessionDuration", "Member must have value greater than or equal to 3600"),
      RoleName="r-bad", AssumeRolePolicyDocument=trust_acct, MaxSessionDuration=3599)
fails("CreateRole with MaxSessionDuration 43201", iam.create_role, "ValidationError", 400,
      val_msg("43201", "maxSessionDuration", "Member must have value less than or equal to 43200"),
      RoleName="r-bad", AssumeRolePolicyDocument=trust_acct, MaxSessionDuration=43201)
r64 = ("R" + ALLCH * 7)[:64]
eq(iam.create_role(RoleName=r64, AssumeRolePolicyDocument=trust_acct)["Role"]["RoleName"], r64,
   "CreateRole with a 64-character name")
fails("CreateRole with a 65-character name", iam.create_role, "ValidationError", 400,
      val_msg(r64 + "x", "roleName", "Member must have length less than or equal to 64"),
      RoleName=r64 + "x", AssumeRolePolicyDocument=trust_acct)
iam.delete_role(RoleName=r64)
fails("CreateRole of an existing name", iam.create_role, "EntityAlreadyExists", 409,
      "Role with name r-app already exists.", RoleName="r-app", AssumeRolePolicyDocument=trust_acct)
fails("CreateRole with an identity policy as trust policy", iam.create_role, "MalformedPolicyDocument", 400, None,
      RoleName="r-bad", AssumeRolePolicyDocument=D1)
fails("GetRole of a missing role", iam.get_role, "NoSuchEntity", 404,
      "The role with name nope cannot be found.", RoleName="nope")
fails("CreateRole with a 1,001-character description", iam.create_role, "ValidationError", 400,
      re.compile("at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000"),
      RoleName="r-bad", AssumeRolePolicyDocument=trust_acct, Description="d" * 1001)
iam.update_role(RoleName="r-app", MaxSessionDuration=7200)
eq(iam.get_role(RoleName="r-app")["Role"]["MaxSessionDuration"], 7200, "UpdateRole MaxSessionDuration")
ur = iam.update_role_description(RoleName="r-app", Description="new words")["Role"]
eq(ur.get("Description"), "new words", "UpdateRoleDescription returns the Role")
iam.create_role(RoleName="r-two", AssumeRolePolicyDocument=trust_acct)
items, pages, ok = page_all(iam.list_roles, "Roles")
check(ok and [x["RoleName"] for x in items] == ["r-app", "r-two"], "ListRoles MaxItems=1 pages",
      [x["RoleName"] for x in items])
eq([x["RoleName"] for x in iam.list_roles(PathPrefix="/svc/")["Roles"]], ["r-app"], "ListRoles PathPrefix")
items, pages, ok = page_all(iam.list_attached_role_policies, "AttachedPolicies", RoleName="r-app")
eq(items, [{"PolicyName": "p-read", "PolicyArn": PA}], "ListAttachedRolePolicies MaxItems=1")
eq(iam.list_role_policies(RoleName="r-app")["PolicyNames"], ["r-inl"], "ListRolePolicies")

# --- tags on every taggable entity ------------------------------------------------
TAGS50 = [{"Key": "k%02d" % i, "Value": "v%d" % i} for i in range(50)]
iam.create_user(UserName="tagged", Tags=TAGS50)
eq(len(iam.list_user_tags(UserName="tagged")["Tags"]), 50, "CreateUser with 50 tags")
items, pages, ok = page_all(iam.list_user_tags, "Tags", UserName="tagged")
check(ok and len(items) == 50 and pages == 50, "ListUserTags MaxItems=1 pages 50 times", (pages, len(items)))
fails("TagUser past 50 tags", iam.tag_user, "LimitExceeded", 409, None,
      UserName="tagged", Tags=[{"Key": "one-more", "Value": "x"}])
iam.tag_user(UserName="tagged", Tags=[{"Key": "k00", "Value": "changed"}])
t = {x["Key"]: x["Value"] for x in iam.list_user_tags(UserName="tagged")["Tags"]}
eq((len(t), t["k00"]), (50, "changed"), "TagUser of an existing key replaces its value")
iam.untag_user(UserName="tagged", TagKeys=["k01", "absent"])
eq(len(iam.list_user_tags(UserName="tagged")["Tags"]), 49, "UntagUser (an absent key is no error)")
got = call_err(iam.create_user, UserName="t51", Tags=TAGS50 + [{"Key": "k50", "Value": "x"}])
check(got[0] in ("LimitExceeded", "ValidationError") and got[1] in (400, 409), "CreateUser with 51 tags is refused", got)
fails("a 129-character tag key", iam.tag_user, "ValidationError", 400,
      re.compile("failed to satisfy constraint: Member must have length less than or equal to 128"),
      UserName="u1", Tags=[{"Key": "k" * 129, "Value": "x"}])
fails("a 257-character tag value", iam.tag_user, "ValidationError", 400,
      re.compile("failed to satisfy constraint: Member must have length less than or equal to 256"),
      UserName="u1", Tags=[{"Key": "k", "Value": "v" * 257}])
iam.tag_user(UserName="u1", Tags=[{"Key": "k" * 128, "Value": "v" * 256}, {"Key": "empty", "Value": ""}])
t = {x["Key"]: x["Value"] for x in iam.list_user_tags(UserName="u1")["Tags"]}
eq((t.get("k" * 128), t.get("empty")), ("v" * 256, ""), "a 128-character key with a 256-character value; an empty value")
fails("duplicate tag keys in one call", iam.tag_user, "InvalidInput", 400,
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
      UserName="u1", Tags=[{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}])
fails("tag keys differing only in case in one call", iam.tag_user, "InvalidInput", 400, None,
      UserName="u1", Tags=[{"Key": "Dup", "Value": "1"}, {"Key": "dup", "Value": "2"}])
fails("an aws: tag key", iam.tag_user, "InvalidInput", 400, None,
      UserName="u1", Tags=[{"Key": "aws:x", "Value": "1"}])
fails("TagUser of a missing user", iam.tag_user, "NoSuchEntity", 404,
      "The user with name nouser cannot be found.", UserName="nouser", Tags=[{"Key": "a", "Value": "b"}])
iam.tag_role(RoleName="r-app", Tags=[{"Key": "team", "Value": "blue"}])
eq(iam.list_role_tags(RoleName="r-app")["Tags"], [{"Key": "team", "Value": "blue"}], "TagRole, ListRoleTags")
eq(iam.get_role(RoleName="r-app")["Role"].get("Tags"), [{"Key": "team", "Value": "blue"}], "GetRole gives the tags")
iam.untag_role(RoleName="r-app", TagKeys=["team"])
eq(iam.list_role_tags(RoleName="r-app")["Tags"], [], "UntagRole")
fails("an aws: tag key on a role", iam.tag_role, "InvalidInput", 400, None,
      RoleName="r-app", Tags=[{"Key": "aws:x", "Value": "1"}])
iam.tag_policy(PolicyArn=PA, Tags=[{"Key": "p", "Value": "1"}, {"Key": "q", "Value": "2"}])
items, pages, ok = page_all(iam.list_policy_tags, "Tags", PolicyArn=PA)
check(ok and items == [{"Key": "p", "Value": "1"}, {"Key": "q", "Value": "2"}], "TagPolicy, ListPolicyTags MaxItems=1",
      items)
iam.untag_policy(PolicyArn=PA, TagKeys=["p"])
eq(iam.get_policy(PolicyArn=PA)["Policy"].get("Tags"), [{"Key": "q", "Value": "2"}], "UntagPolicy; GetPolicy's Tags")
got = call_err(iam.tag_policy, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess", Tags=[{"Key": "a", "Value": "b"}])
print("# TagPolicy of an AWS managed policy: %r" % (got[:3] if got[0] else got[:2],))
check(got[0] is not None, "TagPolicy of an AWS managed policy is refused", got)
tp = iam.create_policy(PolicyName="p-tagged", PolicyDocument=D1, Tags=[{"Key": "c", "Value": "d"}])["Policy"]
eq(tp.get("Tags"), [{"Key": "c", "Value": "d"}], "CreatePolicy with Tags returns them")
rt = iam.create_role(RoleName="r-tagged", AssumeRolePolicyDocument=trust_acct, Tags=[{"Key": "c", "Value": "d"}])
eq(rt["Role"].get("Tags"), [{"Key": "c", "Value": "d"}], "CreateRole with Tags returns them")

# --- instance profiles -------------------------------------------------------------
ip = iam.create_instance_profile(InstanceProfileName="ip-web", Path="/web/",
                                 Tags=[{"Key": "tier", "Value": "web"}])["InstanceProfile"]
check(id_ok(ip["InstanceProfileId"], "AIPA"), "CreateInstanceProfile: AIPA + 17", ip["InstanceProfileId"])
eq((ip["Arn"], ip.get("Roles"), ip["Path"]), (A + "instance-profile/web/ip-web", [], "/web/"),
   "CreateInstanceProfile: Arn, no roles, path")
fails("CreateInstanceProfile of an existing name", iam.create_instance_profile, "EntityAlreadyExists", 409, None,
      InstanceProfileName="ip-web")
iam.add_role_to_instance_profile(InstanceProfileName="ip-web", RoleName="r-app")
gi = iam.get_instance_profile(InstanceProfileName="ip-web")["InstanceProfile"]
eq([x["RoleName"] for x in gi["Roles"]], ["r-app"], "GetInstanceProfile lists the role")
check(isinstance(gi["Roles"][0]["AssumeRolePolicyDocument"], dict), "the role's trust policy as a dict")
fails("a second role in an instance profile", iam.add_role_to_instance_profile, "LimitExceeded", 409,
      "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", InstanceProfileName="ip-web",
      RoleName="r-two")
fails("GetInstanceProfile of a missing profile", iam.get_instance_profile, "NoSuchEntity", 404,
      "Instance Profile nope cannot be found.", InstanceProfileName="nope")
eq([x["InstanceProfileName"] for x in iam.list_instance_profiles_for_role(RoleName="r-app")["InstanceProfiles"]],
   ["ip-web"], "ListInstanceProfilesForRole")
iam.create_instance_profile(InstanceProfileName="ip-two")
items, pages, ok = page_all(iam.list_instance_profiles, "InstanceProfiles")
check(ok and [x["InstanceProfileName"] for x in items] == ["ip-two", "ip-web"], "ListInstanceProfiles MaxItems=1",
      [x["InstanceProfileName"] for x in items])
eq([x["InstanceProfileName"] for x in iam.list_instance_profiles(PathPrefix="/web/")["InstanceProfiles"]],
   ["ip-web"], "ListInstanceProfiles PathPrefix")
eq(iam.list_instance_profile_tags(InstanceProfileName="ip-web")["Tags"], [{"Key": "tier", "Value": "web"}],
   "ListInstanceProfileTags")
fails("DeleteInstanceProfile with a role", iam.delete_instance_profile, "DeleteConflict", 409,
      "Cannot delete entity, must remove roles from instance profile first.", InstanceProfileName="ip-web")
iam.delete_role_policy(RoleName="r-app", PolicyName="r-inl")
iam.detach_role_policy(RoleName="r-app", PolicyArn=PA)
fails("DeleteRole in an instance profile", iam.delete_role, "DeleteConflict", 409,
      "Cannot delete entity, must remove roles from instance profile first.", RoleName="r-app")
iam.attach_role_policy(RoleName="r-app", PolicyArn=PA)

# --- access keys ------------------------------------------------------------------
k1 = iam.create_access_key(UserName="u1")["AccessKey"]
check(re.fullmatch("AKIA[A-Z0-9]{16}", k1["AccessKeyId"]) is not None and len(k1["SecretAccessKey"]) == 40,
      "CreateAccessKey: AKIA + 16, a 40-character secret", k1["AccessKeyId"])
eq((k1["UserName"], k1["Status"]), ("u1", "Active"), "CreateAccessKey: UserName, Active")
k2 = iam.create_access_key(UserName="u1")["AccessKey"]
fails("a third access key", iam.create_access_key, "LimitExceeded", 409,
      "Cannot exceed quota for AccessKeysPerUser: 2", UserName="u1")
lk = iam.list_access_keys(UserName="u1")["AccessKeyMetadata"]
eq(sorted(x["AccessKeyId"] for x in lk), sorted([k1["AccessKeyId"], k2["AccessKeyId"]]), "ListAccessKeys")
check(all("SecretAccessKey" not in x and is_dt(x["CreateDate"]) for x in lk), "ListAccessKeys: no secret, CreateDate")
lu = iam.get_access_key_last_used(AccessKeyId=k1["AccessKeyId"])
eq(lu.get("UserName"), "u1", "GetAccessKeyLastUsed: UserName")
eq(lu["AccessKeyLastUsed"], {"ServiceName": "N/A", "Region": "N/A"}, "GetAccessKeyLastUsed before use: N/A, no date")
iam.put_user_policy(UserName="u1", PolicyName="self", PolicyDocument=doc(
    allow(["iam:GetUser", "iam:ListAccessKeys", "sts:GetSessionToken"])))
u1 = client("iam", k1["AccessKeyId"], k1["SecretAccessKey"])
u1.get_user(UserName="u1")
lu = iam.get_access_key_last_used(AccessKeyId=k1["AccessKeyId"])["AccessKeyLastUsed"]
eq((lu.get("ServiceName"), lu.get("Region")), ("iam", "us-east-1"), "GetAccessKeyLastUsed after use: iam, us-east-1")
check(is_dt(lu.get("LastUsedDate")) and lu["LastUsedDate"] >= T0, "GetAccessKeyLastUsed after use: LastUsedDate", lu)
eq(u1.get_user()["User"]["UserName"], "u1", "GetUser without a name: the caller")
fails("u1 may not ListGroups", u1.list_groups, "AccessDenied", 403, re.compile(
    r"^User: %suser/u1 is not authorized to perform: iam:ListGroups on resource: %sgroup/ because no identity-based policy allows the iam:ListGroups action$"
    % (re.escape(A), re.escape(A))))
fails("DeleteUser with access keys", iam.delete_user, "DeleteConflict", 409, None, UserName="u1")
iam.update_access_key(UserName="u1", AccessKeyId=k1["AccessKeyId"], Status="Inactive")
fails("an inactive key", u1.get_user, "InvalidClientTokenId", 403, None, UserName="u1")
iam.update_access_key(UserName="u1", AccessKeyId=k1["AccessKeyId"], Status="Active")
fails("UpdateAccessKey with a bad status", iam.update_access_key, "ValidationError", 400,
      re.compile("at 'status' failed to satisfy constraint: Member must satisfy enum value set"),
      UserName="u1", AccessKeyId=k1["AccessKeyId"], Status="Paused")
fails("DeleteAccessKey of another user's key", iam.delete_access_key, "NoSuchEntity", 404,
      "The Access Key with id %s cannot be found." % k1["AccessKeyId"], UserName="u3", AccessKeyId=k1["AccessKeyId"])
eq(sts.get_access_key_info(AccessKeyId=k1["AccessKeyId"])["Account"], acct, "GetAccessKeyInfo of a user's key")

# --- STS -----------------------------------------------------------------------
u1sts = client("sts", k1["AccessKeyId"], k1["SecretAccessKey"], validate=False)
ci = u1sts.get_caller_identity()
eq((ci["Arn"], ci["UserId"], ci["Account"]), (A + "user/u1", iam.get_user(UserName="u1")["User"]["UserId"], acct),
   "GetCallerIdentity of a user's key")
st = u1sts.get_session_token(DurationSeconds=900)["Credentials"]
check(st["AccessKeyId"].startswith("ASIA") and st["SessionToken"] and is_dt(st["Expiration"]),
      "GetSessionToken: ASIA, a token, an Expiration", st["AccessKeyId"])
dt = (st["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
check(840 < dt <= 905, "GetSessionToken DurationSeconds=900: expires in 15 minutes", dt)
sess_sts = client("sts", st["AccessKeyId"], st["SecretAccessKey"], st["SessionToken"])
eq(sess_sts.get_caller_identity()["Arn"], A + "user/u1", "GetCallerIdentity of a GetSessionToken session: the user")
# AWS: GetSessionToken credentials without MFA cannot call IAM, and IAM
# answers InvalidClientTokenId 403 "The security token included in the
# request is invalid" (IAM's wording has no final period; STS's has one)
fails("an IAM call with GetSessionToken credentials without MFA",
      client("iam", st["AccessKeyId"], st["SecretAccessKey"], st["SessionToken"]).get_user,
      "InvalidClientTokenId", 403, re.compile("^The security token included in the request is invalid$"), UserName="u1")
fails("GetSessionToken with session credentials", sess_sts.get_session_token, "AccessDenied", 403,
      "Cannot call GetSessionToken with session credentials")
fails("GetSessionToken DurationSeconds=899", u1sts.get_session_token, "ValidationError", 400,
      val_msg("899", "durationSeconds", "Member must have value greater than or equal to 900"), DurationSeconds=899)
fails("GetSessionToken DurationSeconds=129601", u1sts.get_session_token, "ValidationError", 400,
      val_msg("129601", "durationSeconds", "Member must have value less than or equal to 129600"),
      DurationSeconds=129601)

TR = doc({"Effect": "Allow", "Principal": {"AWS": A + "user/u1"}, "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
          "Condition": {"StringEquals": {"sts:ExternalId": "ext-42"}}})
ar = iam.create_role(RoleName="r-assume", AssumeRolePolicyDocument=TR)["Role"]
iam.put_role_policy(RoleName="r-assume", PolicyName="tagcheck", PolicyDocument=doc(
    allow("iam:GetRole", "*", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})))
iam.put_user_policy(UserName="u1", PolicyName="assume", PolicyDocument=doc(
    allow(["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"], ar["Arn"])))
fails("AssumeRole without the ExternalId", u1sts.assume_role, "AccessDenied", 403, re.compile(
    r"^User: %suser/u1 is not authorized to perform: sts:AssumeRole on resource: %srole/r-assume"
    % (re.escape(A), re.escape(A))), RoleArn=ar["Arn"], RoleSessionName="s1")
fails("AssumeRole with a wrong ExternalId", u1sts.assume_role, "AccessDenied", 403, None,
      RoleArn=ar["Arn"], RoleSessionName="s1", ExternalId="ext-43")
fails("AssumeRole DurationSeconds=899", u1sts.assume_role, "ValidationError", 400,
      val_msg("899", "durationSeconds", "Member must have value greater than or equal to 900"),
      RoleArn=ar["Arn"], RoleSessionName="s1", ExternalId="ext-42", DurationSeconds=899)
fails("AssumeRole DurationSeconds over MaxSessionDuration", u1sts.assume_role, "ValidationError", 400,
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      RoleArn=ar["Arn"], RoleSessionName="s1", ExternalId="ext-42", DurationSeconds=3601)
fails("AssumeRole RoleSessionName with a space", u1sts.assume_role, "ValidationError", 400,
      val_msg("bad name", "roleSessionName", "Member must satisfy regular expression pattern: [\\w+=,.@-]*"),
      RoleArn=ar["Arn"], RoleSessionName="bad name", ExternalId="ext-42")
fails("AssumeRole RoleSessionName of one character", u1sts.assume_role, "ValidationError", 400,
      val_msg("a", "roleSessionName", "Member must have length greater than or equal to 2"),
      RoleArn=ar["Arn"], RoleSessionName="a", ExternalId="ext-42")
fails("AssumeRole RoleSessionName of 65 characters", u1sts.assume_role, "ValidationError", 400,
      val_msg("s" * 65, "roleSessionName", "Member must have length less than or equal to 64"),
      RoleArn=ar["Arn"], RoleSessionName="s" * 65, ExternalId="ext-42")
fails("AssumeRole of a missing role", u1sts.assume_role, "AccessDenied", 403, None,
      RoleArn=A + "role/nope", RoleSessionName="s1")
fails("AssumeRole with a malformed RoleArn", u1sts.assume_role, "ValidationError", 400, None,
      RoleArn="arn:nope", RoleSessionName="s1")
fails("AssumeRole ExternalId of one character", u1sts.assume_role, "ValidationError", 400,
      val_msg("e", "externalId", "Member must have length greater than or equal to 2"),
      RoleArn=ar["Arn"], RoleSessionName="s1", ExternalId="e")
asr = u1sts.assume_role(RoleArn=ar["Arn"], RoleSessionName="sess.name@x=1,2-3_", ExternalId="ext-42",
                        DurationSeconds=1200, Tags=[{"Key": "team", "Value": "blue"}])
c = asr["Credentials"]
eq(asr["AssumedRoleUser"]["Arn"], "arn:aws:sts::%s:assumed-role/r-assume/sess.name@x=1,2-3_" % acct,
   "AssumeRole: AssumedRoleUser.Arn")
eq(asr["AssumedRoleUser"]["AssumedRoleId"], ar["RoleId"] + ":sess.name@x=1,2-3_", "AssumeRole: AssumedRoleId")
check(isinstance(asr.get("PackedPolicySize"), int) and 0 <= asr["PackedPolicySize"] <= 100,
      "AssumeRole with session tags: PackedPolicySize is a percentage", asr.get("PackedPolicySize"))
dt = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
check(1140 < dt <= 1205, "AssumeRole DurationSeconds=1200: expires in 20 minutes", dt)
rs_sts = client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
rs_iam = client("iam", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
ci = rs_sts.get_caller_identity()
eq((ci["Arn"], ci["UserId"]), (asr["AssumedRoleUser"]["Arn"], asr["AssumedRoleUser"]["AssumedRoleId"]),
   "GetCallerIdentity of a role session")
eq(rs_iam.get_role(RoleName="r-assume")["Role"]["RoleName"], "r-assume",
   "a session tag meets aws:PrincipalTag in the role's policy")
fails("the session may not GetUser", rs_iam.get_user, "AccessDenied", 403, re.compile(
    r"^User: arn:aws:sts::%s:assumed-role/r-assume/sess.name@x=1,2-3_ is not authorized to perform: iam:GetUser"
    % acct), UserName="u1")
gl = iam.get_role(RoleName="r-assume")["Role"].get("RoleLastUsed", {})
check(is_dt(gl.get("LastUsedDate")) and gl.get("Region") == "us-east-1", "GetRole: RoleLastUsed after a session", gl)
fails("GetSessionToken with role session credentials", rs_sts.get_session_token, "AccessDenied", 403, None)
bad_tok = c["SessionToken"][:-8] + ("A" * 8 if not c["SessionToken"].endswith("A" * 8) else "B" * 8)
fails("a garbled session token", client("sts", c["AccessKeyId"], c["SecretAccessKey"], bad_tok).get_caller_identity,
      "InvalidClientTokenId", 403, None)
got = call_err(u1sts.assume_role, RoleArn=ar["Arn"], RoleSessionName="s2", ExternalId="ext-42",
               Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
print("# AssumeRole with session tag keys differing in case: %r" % (got[:3] if got[0] else got[:2],))
check(got[0] is not None and got[1] == 400, "AssumeRole with session tag keys differing only in case: refused, 400", got)
# role chaining: one hour at most
iam.update_assume_role_policy(RoleName="r-two", PolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": ar["Arn"]}, "Action": "sts:AssumeRole"}))
iam.put_role_policy(RoleName="r-assume", PolicyName="chain", PolicyDocument=doc(allow("sts:AssumeRole", A + "role/r-two")))
iam.update_role(RoleName="r-two", MaxSessionDuration=7200)
fails("role chaining over an hour", rs_sts.assume_role, "ValidationError", 400, re.compile("1 hour"),
      RoleArn=A + "role/r-two", RoleSessionName="chained", DurationSeconds=3601)
ch = rs_sts.assume_role(RoleArn=A + "role/r-two", RoleSessionName="chained")["AssumedRoleUser"]
eq(ch["Arn"], "arn:aws:sts::%s:assumed-role/r-two/chained" % acct, "role chaining within an hour")
# root: GetSessionToken at most an hour
rt_tok = sts.get_session_token(DurationSeconds=3600)["Credentials"]
eq(client("sts", rt_tok["AccessKeyId"], rt_tok["SecretAccessKey"], rt_tok["SessionToken"]).get_caller_identity()["Arn"],
   A + "root", "GetCallerIdentity of the root's session token")
fails("the root's GetSessionToken over an hour", sts.get_session_token, "ValidationError", 400, None,
      DurationSeconds=3601)

# DecodeAuthorizationMessage
got = call_err(u1.list_roles)
m = re.search(r"Encoded authorization failure message: (\S+)", got[2] or "")
if m:
    fails("DecodeAuthorizationMessage without permission", u1sts.decode_authorization_message, "AccessDenied", 403,
          None, EncodedMessage=m.group(1))
    dm = json.loads(sts.decode_authorization_message(EncodedMessage=m.group(1))["DecodedMessage"])
    check(dm.get("allowed") is False and dm.get("context", {}).get("action") == "iam:ListRoles",
          "DecodeAuthorizationMessage: allowed false, the action", dm)
else:
    eq(got[0], "AccessDenied", "a denial (no encoded message to decode)")
fails("DecodeAuthorizationMessage of garbage", sts.decode_authorization_message,
      "InvalidAuthorizationMessageException", 400, None, EncodedMessage="garbage")

# --- simulate --------------------------------------------------------------------
SP = doc({"Sid": "ip", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*",
          "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
         {"Sid": "num", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
          "Condition": {"NumericLessThan": {"s3:max-keys": "10"}, "Bool": {"aws:SecureTransport": "true"}}},
         {"Sid": "deny", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::bkt/keep/*"},
         {"Sid": "date", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
          "Condition": {"DateLessThan": {"aws:CurrentTime": "2100-01-01T00:00:00Z"},
                        "ForAnyValue:StringEquals": {"aws:TagKeys": ["x", "y"]}}})
sr = iam.simulate_custom_policy(PolicyInputList=[SP], ActionNames=["s3:GetObject"],
                                ResourceArns=["arn:aws:s3:::bkt/a", "arn:aws:s3:::other/a"],
                                ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyType": "ip",
                                                 "ContextKeyValues": ["10.1.2.3"]}])["EvaluationResults"]
eq([(x["EvalResourceName"], x["EvalDecision"]) for x in sr],
   [("arn:aws:s3:::bkt/a", "allowed"), ("arn:aws:s3:::other/a", "implicitDeny")],
   "SimulateCustomPolicy: an ip context entry, two ResourceArns")
ms = sr[0].get("MatchedStatements", [])
eq([(x.get("SourcePolicyId"), x.get("SourcePolicyType")) for x in ms], [("PolicyInputList.1", "none")],
   "SimulateCustomPolicy: MatchedStatements names the input")
check(ms and ms[0].get("StartPosition", {}).get("Line") == 1 and ms[0]["StartPosition"].get("Column", 0) > 1,
      "MatchedStatements: StartPosition", ms)
sr = iam.simulate_custom_policy(PolicyInputList=[SP], ActionNames=["s3:GetObject"])["EvaluationResults"][0]
eq((sr["EvalDecision"], sr.get("MissingContextValues")), ("implicitDeny", ["aws:SourceIp"]),
   "SimulateCustomPolicy: MissingContextValues without the ip (resource *)")
sr = iam.simulate_custom_policy(PolicyInputList=[SP], ActionNames=["s3:GetObject"],
                                ResourceArns=["arn:aws:s3:::bkt/a"])["EvaluationResults"][0]
eq([(x["EvalResourceName"], x.get("MissingContextValues")) for x in sr.get("ResourceSpecificResults", [])],
   [("arn:aws:s3:::bkt/a", ["aws:SourceIp"])],
   "SimulateCustomPolicy with ResourceArns: MissingContextValues per resource")
sr = iam.simulate_custom_policy(PolicyInputList=[SP], ActionNames=["s3:PutObject"], ContextEntries=[
    {"ContextKeyName": "s3:max-keys", "ContextKeyType": "numeric", "ContextKeyValues": ["5"]},
    {"ContextKeyName": "aws:SecureTransport", "ContextKeyType": "boolean", "ContextKeyValues": ["true"]}])
eq(sr["EvaluationResults"][0]["EvalDecision"], "allowed", "SimulateCustomPolicy: numeric and boolean entries")
eq(sr["EvaluationResults"][0]["EvalResourceName"], "*", "without ResourceArns the resource is *")
sr = iam.simulate_custom_policy(PolicyInputList=[SP], ActionNames=["s3:PutObject"], ContextEntries=[
    {"ContextKeyName": "s3:max-keys", "ContextKeyType": "numeric", "ContextKeyValues": ["50"]},
    {"ContextKeyName": "aws:SecureTransport", "ContextKeyType": "boolean", "ContextKeyValues": ["true"]}])
eq(sr["EvaluationResults"][0]["EvalDecision"], "implicitDeny", "SimulateCustomPolicy: a numeric entry too large")
eq((sr["EvaluationResults"][0].get("MatchedStatements"), sr["EvaluationResults"][0].get("MissingContextValues")),
   ([], []), "implicitDeny: MatchedStatements and MissingContextValues empty lists, as AWS's CLI examples show")
sr = iam.simulate_custom_policy(PolicyInputList=[doc(allow("s3:*")), SP], ActionNames=["s3:DeleteObject"],
                                ResourceArns=["arn:aws:s3:::bkt/keep/x"])["EvaluationResults"][0]
eq(sr["EvalDecision"], "explicitDeny", "SimulateCustomPolicy: explicitDeny")
eq([x.get("SourcePolicyId") for x in sr.get("MatchedStatements", [])], ["PolicyInputList.2"],
   "explicitDeny: the denying statement matched")
sr = iam.simulate_custom_policy(PolicyInputList=[SP], ActionNames=["s3:ListBucket"], ContextEntries=[
    {"ContextKeyName": "aws:CurrentTime", "ContextKeyType": "date", "ContextKeyValues": ["2030-01-01T00:00:00Z"]},
    {"ContextKeyName": "aws:TagKeys", "ContextKeyType": "stringList", "ContextKeyValues": ["z", "y"]}])
eq(sr["EvaluationResults"][0]["EvalDecision"], "allowed", "SimulateCustomPolicy: date and stringList entries")
fails("SimulateCustomPolicy with a bad ContextKeyType", raw.simulate_custom_policy, "ValidationError", 400,
      re.compile("contextKeyType' failed to satisfy constraint: Member must satisfy enum value set"), PolicyInputList=[SP], ActionNames=["s3:GetObject"],
      ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyType": "ipv4", "ContextKeyValues": ["1.2.3.4"]}])
fails("SimulateCustomPolicy with a malformed policy", iam.simulate_custom_policy, "InvalidInput", 400,
      None, PolicyInputList=["{"], ActionNames=["s3:GetObject"])
# principal: u3 in the group 'developers' (p-read attached), boundary p-read
sp = iam.simulate_principal_policy(PolicySourceArn=A + "user/eng/web/u3", ActionNames=["iam:GetUser", "iam:DeleteUser"])
eq([(x["EvalActionName"], x["EvalDecision"]) for x in sp["EvaluationResults"]],
   [("iam:GetUser", "allowed"), ("iam:DeleteUser", "implicitDeny")],
   "SimulatePrincipalPolicy: a group's policy flows to a member")
ms = sp["EvaluationResults"][0].get("MatchedStatements", [])
check(any(x.get("SourcePolicyId") == "p-read" and x.get("SourcePolicyType") == "user-managed" for x in ms),
      "SimulatePrincipalPolicy: the managed policy matched", ms)
pb = sp["EvaluationResults"][0].get("PermissionsBoundaryDecisionDetail")
eq(pb, {"AllowedByPermissionsBoundary": True}, "SimulatePrincipalPolicy: PermissionsBoundaryDecisionDetail")
sp = iam.simulate_principal_policy(PolicySourceArn=A + "user/eng/web/u3", ActionNames=["iam:GetUser"],
                                   PolicyInputList=[doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*"})])
eq(sp["EvaluationResults"][0]["EvalDecision"], "explicitDeny", "SimulatePrincipalPolicy with an added deny")
fails("SimulatePrincipalPolicy of a missing user", iam.simulate_principal_policy, "NoSuchEntity", 404, None,
      PolicySourceArn=A + "user/nouser", ActionNames=["iam:GetUser"])
sp = iam.simulate_principal_policy(PolicySourceArn=ar["Arn"], ActionNames=["iam:GetRole"], ContextEntries=[
    {"ContextKeyName": "aws:PrincipalTag/team", "ContextKeyType": "string", "ContextKeyValues": ["blue"]}])
eq(sp["EvaluationResults"][0]["EvalDecision"], "allowed", "SimulatePrincipalPolicy of a role with a context entry")
items, pages, ok = page_all(iam.simulate_custom_policy, "EvaluationResults", PolicyInputList=[D1],
                            ActionNames=["iam:GetUser", "iam:ListUsers", "iam:GetRole"])
check(ok and [x["EvalActionName"] for x in items] == ["iam:GetUser", "iam:ListUsers", "iam:GetRole"],
      "SimulateCustomPolicy MaxItems=1 pages", [x["EvalActionName"] for x in items])
ck = iam.get_context_keys_for_custom_policy(PolicyInputList=[SP])["ContextKeyNames"]
eq(sorted(ck), sorted(["aws:SourceIp", "s3:max-keys", "aws:SecureTransport", "aws:CurrentTime", "aws:TagKeys"]),
   "GetContextKeysForCustomPolicy")
ck = iam.get_context_keys_for_principal_policy(PolicySourceArn=ar["Arn"])["ContextKeyNames"]
eq(ck, ["aws:PrincipalTag/team"], "GetContextKeysForPrincipalPolicy")

# --- account views ----------------------------------------------------------------
sm = iam.get_account_summary()["SummaryMap"]
want = {"Users": len(iam.list_users()["Users"]), "Groups": len(iam.list_groups()["Groups"]),
        "Roles": len(iam.list_roles()["Roles"]), "Policies": len(iam.list_policies(Scope="Local")["Policies"]),
        "InstanceProfiles": 2, "AccessKeysPerUserQuota": 2, "UsersQuota": 5000, "GroupsQuota": 300,
        "RolesQuota": 1000, "PolicyVersionsInUseQuota": 10000, "VersionsPerPolicyQuota": 5,
        "PolicySizeQuota": 6144, "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120,
        "RolePolicySizeQuota": 10240, "AttachedPoliciesPerUserQuota": 10, "AttachedPoliciesPerGroupQuota": 10,
        "AttachedPoliciesPerRoleQuota": 10, "GroupsPerUserQuota": 10, "AssumeRolePolicySizeQuota": 2048,
        "InstanceProfilesQuota": 1000, "AccountAccessKeysPresent": 1}
eq({k: sm.get(k) for k in want}, want, "GetAccountSummary: counts after the changes, and AWS's quotas")
check(all(isinstance(v, int) for v in sm.values()), "GetAccountSummary: every value an integer")
iam.create_user(UserName="counted")
eq(iam.get_account_summary()["SummaryMap"]["Users"], want["Users"] + 1, "GetAccountSummary follows a CreateUser")
iam.delete_user(UserName="counted")
ad = iam.get_account_authorization_details(Filter=["User"])
check(ad["UserDetailList"] and not ad.get("GroupDetailList") and not ad.get("RoleDetailList")
      and not ad.get("Policies"), "GetAccountAuthorizationDetails Filter=User: users only",
      {k: len(v) for k, v in ad.items() if isinstance(v, list)})
ud = {x["UserName"]: x for x in ad["UserDetailList"]}
eq(ud["u1"].get("GroupList"), ["developers"], "UserDetailList: GroupList")
eq(sorted(x["PolicyName"] for x in ud["u1"].get("UserPolicyList", [])), ["assume", "inl-a", "inl-b", "self"],
   "UserDetailList: UserPolicyList")
check(all(isinstance(x["PolicyDocument"], dict) for x in ud["u1"].get("UserPolicyList", [])),
      "UserPolicyList documents as dicts")
eq(ud["u2b"].get("AttachedManagedPolicies"), [{"PolicyName": "p-read", "PolicyArn": PA}],
   "UserDetailList: AttachedManagedPolicies")
eq(ud["u3"].get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"), PA, "UserDetailList: PermissionsBoundary")
bare = [x for x in ad["UserDetailList"] if not x.get("UserPolicyList") and not x.get("AttachedManagedPolicies")]
check(bare and all(x.get("UserPolicyList") == [] and x.get("AttachedManagedPolicies") == []
                   and isinstance(x.get("GroupList"), list) for x in bare),
      "UserDetailList: a user without policies has UserPolicyList [], AttachedManagedPolicies [] and a GroupList",
      bare[:1])
ad = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])
eq(sorted(x["PolicyName"] for x in ad["Policies"]), ["p-read", "p-tagged", "p-unused"],
   "GetAccountAuthorizationDetails Filter=LocalManagedPolicy")
pd = {x["PolicyName"]: x for x in ad["Policies"]}["p-read"]
check(len(pd["PolicyVersionList"]) == 1 and isinstance(pd["PolicyVersionList"][0]["Document"], dict),
      "Policies: PolicyVersionList with documents as dicts", pd.get("PolicyVersionList"))
ad = iam.get_account_authorization_details(Filter=["Role"])
rd = {x["RoleName"]: x for x in ad["RoleDetailList"]}
eq([x["InstanceProfileName"] for x in rd["r-app"].get("InstanceProfileList", [])], ["ip-web"],
   "RoleDetailList: InstanceProfileList")
check(isinstance(rd["r-app"]["AssumeRolePolicyDocument"], dict), "RoleDetailList: the trust policy as a dict")
check(all(isinstance(x.get(k), list) for x in ad["RoleDetailList"]
          for k in ("RolePolicyList", "AttachedManagedPolicies", "InstanceProfileList")),
      "RoleDetailList: RolePolicyList, AttachedManagedPolicies and InstanceProfileList always lists",
      [sorted(x) for x in ad["RoleDetailList"]][:1])
ad = iam.get_account_authorization_details(Filter=["Group"])
check(ad["GroupDetailList"] and all(isinstance(x.get("GroupPolicyList"), list)
                                    and isinstance(x.get("AttachedManagedPolicies"), list)
                                    for x in ad["GroupDetailList"]),
      "GroupDetailList: GroupPolicyList and AttachedManagedPolicies always lists",
      [sorted(x) for x in ad["GroupDetailList"]][:1])
items, pages, ok = page_all(iam.get_account_authorization_details, "UserDetailList", Filter=["User"])
check(ok and len(items) == len(iam.list_users()["Users"]), "GetAccountAuthorizationDetails MaxItems=1 pages",
      (pages, len(items)))
fails("GetAccountAuthorizationDetails with a bad Filter", iam.get_account_authorization_details,
      "ValidationError", 400, None, Filter=["Users"])

# --- list views leave out what AWS's list actions leave out -----------------------
lu_ = {x["UserName"]: x for x in iam.list_users()["Users"]}
check("Tags" not in lu_["tagged"] and "PermissionsBoundary" not in lu_["u3"],
      "ListUsers leaves out Tags and PermissionsBoundary, as AWS does", lu_["u3"])
iam.tag_role(RoleName="r-two", Tags=[{"Key": "t", "Value": "1"}])
lr_ = {x["RoleName"]: x for x in iam.list_roles()["Roles"]}
check(all(k not in lr_["r-two"] for k in ("Tags", "RoleLastUsed", "PermissionsBoundary")),
      "ListRoles leaves out Tags, RoleLastUsed and PermissionsBoundary, as AWS does", lr_["r-two"])
check(isinstance(lr_["r-two"]["AssumeRolePolicyDocument"], dict) and lr_["r-two"]["MaxSessionDuration"] == 7200,
      "ListRoles: the trust policy as a dict, MaxSessionDuration", lr_["r-two"])

# --- values that need escaping and encoding round-trip ------------------------------
odd = "a+b&c%20 d<e>'f\"g/é"
OD = doc(allow("iam:GetUser", "*", Condition={"StringEquals": {"aws:username": odd}}))
op = iam.create_policy(PolicyName="p-odd", PolicyDocument=OD, Description="<&>\"' é")["Policy"]
eq(iam.get_policy(PolicyArn=op["Arn"])["Policy"].get("Description"), "<&>\"' é",
   "a Description with markup characters and UTF-8 round-trips")
eq(iam.get_policy_version(PolicyArn=op["Arn"], VersionId="v1")["PolicyVersion"]["Document"]
   ["Statement"][0]["Condition"]["StringEquals"]["aws:username"], odd,
   "a policy document with + & % space < > ' \" and UTF-8 round-trips (URL-encoded in the XML)")
iam.tag_user(UserName="u4", Tags=[{"Key": "space key", "Value": "välue with spaces + = . : / @ -"}])
eq(iam.list_user_tags(UserName="u4")["Tags"], [{"Key": "space key", "Value": "välue with spaces + = . : / @ -"}],
   "tags with spaces, UTF-8 and every allowed punctuation")
fails("a tag key with a character outside the pattern", iam.tag_user, "ValidationError", 400,
      re.compile(r"at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern"),
      UserName="u4", Tags=[{"Key": "bad*key", "Value": "x"}])

# --- inline policies follow a rename; boundaries on roles ---------------------------
iam.update_user(UserName="u1", NewUserName="u1r")
eq(sorted(iam.list_user_policies(UserName="u1r")["PolicyNames"]), ["assume", "inl-a", "inl-b", "self"],
   "UpdateUser: inline policies follow the rename")
eq(u1.get_user()["User"]["Arn"], A + "user/u1r", "UpdateUser: the user's access key follows the rename")
iam.update_user(UserName="u1r", NewUserName="u1")
iam.put_role_permissions_boundary(RoleName="r-two", PermissionsBoundary=PA)
eq(iam.get_role(RoleName="r-two")["Role"].get("PermissionsBoundary"),
   {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": PA}, "PutRolePermissionsBoundary; GetRole shows it")
fails("DeletePolicy while a boundary", iam.delete_policy, "DeleteConflict", 409, None, PolicyArn=PA)
iam.delete_role_permissions_boundary(RoleName="r-two")
check("PermissionsBoundary" not in iam.get_role(RoleName="r-two")["Role"], "DeleteRolePermissionsBoundary")
fails("PutUserPermissionsBoundary with a missing policy", iam.put_user_permissions_boundary, "NoSuchEntity", 404,
      None, UserName="u4", PermissionsBoundary=A + "policy/nope")
fails("UpdateAssumeRolePolicy with a malformed document", iam.update_assume_role_policy, "MalformedPolicyDocument",
      400, None, RoleName="r-two", PolicyDocument="{}")
items, pages, ok = page_all(iam.list_attached_user_policies, "AttachedPolicies", UserName="u2b", PathPrefix="/team/")
eq(items, [{"PolicyName": "p-read", "PolicyArn": PA}], "ListAttachedUserPolicies PathPrefix on the policy's path")
eq(iam.list_attached_user_policies(UserName="u2b", PathPrefix="/other/")["AttachedPolicies"], [],
   "ListAttachedUserPolicies PathPrefix matching nothing")

# --- a user's own keys; temporary credentials and IAM --------------------------------
own = u1.list_access_keys()["AccessKeyMetadata"]
eq(sorted(x["AccessKeyId"] for x in own), sorted([k1["AccessKeyId"], k2["AccessKeyId"]]),
   "ListAccessKeys without UserName: the caller's own keys")
fails("an unknown access key", client("sts", "AKIAIOSFODNN7EXAMPLE", "x" * 40).get_caller_identity,
      "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
fails("a wrong secret", client("sts", k1["AccessKeyId"], "x" * 40).get_caller_identity,
      "SignatureDoesNotMatch", 403, re.compile("^The request signature we calculated does not match the signature you provided"))

# --- virtual MFA devices --------------------------------------------------------------
mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="u1-phone", Tags=[{"Key": "k", "Value": "v"}])["VirtualMFADevice"]
eq(mfa["SerialNumber"], A + "mfa/u1-phone", "CreateVirtualMFADevice: the SerialNumber is the device's ARN")
check(isinstance(mfa.get("Base32StringSeed"), bytes) and len(mfa["Base32StringSeed"]) >= 16,
      "CreateVirtualMFADevice: Base32StringSeed (bytes, base64 on the wire)", type(mfa.get("Base32StringSeed")))
fails("CreateVirtualMFADevice of an existing name", iam.create_virtual_mfa_device, "EntityAlreadyExists", 409, None,
      VirtualMFADeviceName="u1-phone")
lv = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
eq([x["SerialNumber"] for x in lv], [mfa["SerialNumber"]], "ListVirtualMFADevices AssignmentStatus=Unassigned")
check(all("Base32StringSeed" not in x and "QRCodePNG" not in x for x in lv), "ListVirtualMFADevices: no seed")
eq(iam.list_mfa_device_tags(SerialNumber=mfa["SerialNumber"])["Tags"], [{"Key": "k", "Value": "v"}],
   "ListMFADeviceTags")
eq(iam.list_mfa_devices(UserName="u1")["MFADevices"], [], "ListMFADevices of a user without one")
fails("ListVirtualMFADevices with a bad AssignmentStatus", raw.list_virtual_mfa_devices, "ValidationError", 400,
      re.compile("Member must satisfy enum value set"), AssignmentStatus="Some")
iam.delete_virtual_mfa_device(SerialNumber=mfa["SerialNumber"])
fails("DeleteVirtualMFADevice twice", iam.delete_virtual_mfa_device, "NoSuchEntity", 404, None,
      SerialNumber=mfa["SerialNumber"])

# --- the wire itself: XML, namespaces, unsigned and unknown actions -------------------
import urllib.request
import urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def raw_post(body, service="iam", sign=True):
    req = AWSRequest(method="POST", url=url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    if sign:
        SigV4Auth(Credentials(akid, secret), service, "us-east-1").add_auth(req)
    r = urllib.request.Request(url + "/", data=body.encode(), headers=dict(req.headers), method="POST")
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


st_, body, hdrs = raw_post("Action=GetUser&Version=2010-05-08&UserName=u4")
check(st_ == 200 and body.lstrip().startswith("<") and
      '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' in body and
      re.search(r"<GetUserResult>\s*<User>", body) and
      re.search(r"<ResponseMetadata>\s*<RequestId>[0-9a-f-]{36}</RequestId>", body),
      "the XML answer: GetUserResponse in IAM's namespace, GetUserResult, ResponseMetadata/RequestId", body[:300])
check(hdrs.get("x-amzn-RequestId") or hdrs.get("X-Amzn-Requestid") or hdrs.get("x-amzn-requestid"),
      "an x-amzn-RequestId header", hdrs)
st_, body, _ = raw_post("Action=GetCallerIdentity&Version=2011-06-15", service="sts")
check(st_ == 200 and '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' in body,
      "STS answers in STS's namespace", body[:200])
st_, body, _ = raw_post("Action=GetUser&Version=2010-05-08&UserName=nobody")
check(st_ == 404 and re.search(r"<ErrorResponse[^>]*>\s*<Error>\s*<Type>Sender</Type>\s*<Code>NoSuchEntity</Code>"
                               r"\s*<Message>The user with name nobody cannot be found.</Message>\s*</Error>"
                               r"\s*<RequestId>[0-9a-f-]{36}</RequestId>\s*</ErrorResponse>", body),
      "the XML error: ErrorResponse/Error/Type Sender, Code, Message; RequestId", (st_, body[:400]))
st_, body, _ = raw_post("Action=NoSuchAction&Version=2010-05-08")
check(st_ == 400 and "<Code>InvalidAction</Code>" in body and
      "Could not find operation NoSuchAction for version 2010-05-08" in body, "an unknown action: InvalidAction 400",
      (st_, body[:300]))
st_, body, _ = raw_post("Action=ListUsers&Version=2010-05-08", sign=False)
check(st_ == 403 and "<Code>MissingAuthenticationToken</Code>" in body, "unsigned: MissingAuthenticationToken 403",
      (st_, body[:300]))
st_, body, _ = raw_post("Action=GetUser&Version=2010-05-08&UserName=u4&Extra=1")
check(st_ == 200 or "<Code>" in body, "an unknown parameter is ignored or named", (st_, body[:300]))

# --- boundaries at creation, AWS managed policies, more account views ----------------
bu = iam.create_user(UserName="bounded", PermissionsBoundary=PA)["User"]
eq(bu.get("PermissionsBoundary"), {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": PA},
   "CreateUser with PermissionsBoundary answers it")
br = iam.create_role(RoleName="r-bounded", AssumeRolePolicyDocument=trust_acct, PermissionsBoundary=PA)["Role"]
eq(br.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"), PA, "CreateRole with PermissionsBoundary answers it")
fails("CreateUser with a boundary that does not exist", iam.create_user, "NoSuchEntity", 404, None,
      UserName="bounded2", PermissionsBoundary=A + "policy/nope")
iam.delete_user_permissions_boundary(UserName="bounded")
check("PermissionsBoundary" not in iam.get_user(UserName="bounded")["User"], "DeleteUserPermissionsBoundary")
ROA = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
iam.attach_user_policy(UserName="bounded", PolicyArn=ROA)
e = iam.list_entities_for_policy(PolicyArn=ROA)
eq([x["UserName"] for x in e["PolicyUsers"]], ["bounded"], "ListEntitiesForPolicy of an AWS managed policy")
eq(iam.get_policy(PolicyArn=ROA)["Policy"]["AttachmentCount"], 1, "an AWS managed policy's AttachmentCount")
check(any(x["Arn"] == ROA for x in iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]),
      "ListPolicies Scope=AWS OnlyAttached")
allp = [x["Arn"] for x in iam.list_policies()["Policies"]]
check(ROA in allp and PA in allp, "ListPolicies without Scope: All (AWS and local)", len(allp))
ad = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
eq([x["Arn"] for x in ad["Policies"]], [ROA], "GetAccountAuthorizationDetails Filter=AWSManagedPolicy: the attached ones")
ad = iam.get_account_authorization_details(Filter=["Group"])
gd = {x["GroupName"]: x for x in ad["GroupDetailList"]}
eq(gd["developers"].get("AttachedManagedPolicies"), [{"PolicyName": "p-read", "PolicyArn": PA}],
   "GroupDetailList: AttachedManagedPolicies")
check(id_ok(gd["developers"]["GroupId"], "AGPA") and gd["developers"]["Arn"] == A + "group/eng2/developers",
      "GroupDetailList: GroupId, Arn", gd["developers"])
fails("DetachRolePolicy of a missing policy", iam.detach_role_policy, "NoSuchEntity", 404, None,
      RoleName="r-two", PolicyArn=A + "policy/nope")
fails("ListInstanceProfilesForRole of a missing role", iam.list_instance_profiles_for_role, "NoSuchEntity", 404,
      "The role with name nope cannot be found.", RoleName="nope")
iam.put_user_policy(UserName="u4", PolicyName="rep", PolicyDocument=D1)
iam.put_user_policy(UserName="u4", PolicyName="rep", PolicyDocument=ID)
eq(iam.get_user_policy(UserName="u4", PolicyName="rep")["PolicyDocument"], json.loads(ID),
   "PutUserPolicy again replaces the document")
fails("GetAccessKeyInfo with a short key id", client("sts", akid, secret, validate=False).get_access_key_info,
      "ValidationError", 400,
      re.compile("at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"),
      AccessKeyId="AKIASHORT")
rk = iam.list_access_keys()["AccessKeyMetadata"]
check(akid in [x["AccessKeyId"] for x in rk] and all("UserName" not in x or x["UserName"] != "u1" for x in rk),
      "ListAccessKeys as root without UserName: the root's keys", rk)
sm = iam.get_account_summary()["SummaryMap"]
eq((sm.get("AccountMFAEnabled"), sm.get("MFADevices"), sm.get("MFADevicesInUse")), (0, 0, 0),
   "GetAccountSummary: no MFA")
check(sm.get("PolicyVersionsInUse", -1) >= 1, "GetAccountSummary: PolicyVersionsInUse", sm.get("PolicyVersionsInUse"))

# --- session policies, SourceIdentity, packed size ------------------------------------
iam.put_role_policy(RoleName="r-assume", PolicyName="wide", PolicyDocument=doc(allow(["iam:GetRole", "iam:ListRoles"])))
sp_r = u1sts.assume_role(RoleArn=ar["Arn"], RoleSessionName="scoped", ExternalId="ext-42", SourceIdentity="alice-src",
                         Policy=doc(allow("iam:GetRole")))
eq(sp_r.get("SourceIdentity"), "alice-src", "AssumeRole answers the SourceIdentity")
check(isinstance(sp_r.get("PackedPolicySize"), int), "AssumeRole with a session policy: PackedPolicySize",
      sp_r.get("PackedPolicySize"))
sc = sp_r["Credentials"]
s_iam = client("iam", sc["AccessKeyId"], sc["SecretAccessKey"], sc["SessionToken"])
eq(s_iam.get_role(RoleName="r-two")["Role"]["RoleName"], "r-two", "the session policy allows GetRole")
fails("the session policy caps ListRoles", s_iam.list_roles, "AccessDenied", 403, re.compile(
    "is not authorized to perform: iam:ListRoles on resource: .* because no session policy allows the iam:ListRoles action"))
sp_p = u1sts.assume_role(RoleArn=ar["Arn"], RoleSessionName="scoped2", ExternalId="ext-42",
                         PolicyArns=[{"arn": PA}])["Credentials"]
p_iam = client("iam", sp_p["AccessKeyId"], sp_p["SecretAccessKey"], sp_p["SessionToken"])
fails("a managed session policy (PolicyArns) caps the session", p_iam.get_role, "AccessDenied", 403, None,
      RoleName="r-two")
bigsp = doc(*[allow("iam:GetRole", A + "role/" + "z" * 60 + str(i)) for i in range(40)])
fails("a session policy over 2,048 characters", u1sts.assume_role, "ValidationError", 400,
      re.compile("at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048$"),
      RoleArn=ar["Arn"], RoleSessionName="toolarge", ExternalId="ext-42", Policy=bigsp)
fails("AssumeRole SourceIdentity starting with aws:", u1sts.assume_role, "ValidationError", 400, None,
      RoleArn=ar["Arn"], RoleSessionName="s3", ExternalId="ext-42", SourceIdentity="aws:me")
got = call_err(u1sts.assume_role, RoleArn=ar["Arn"], RoleSessionName="s3", ExternalId="ext-42",
               Tags=[{"Key": "aws:x", "Value": "1"}])
print("# AssumeRole with an aws: session tag: %r" % (got[:3] if got[0] else got[:2],))
check(got[0] is not None and got[1] == 400, "AssumeRole with a session tag key starting with aws:: refused, 400", got)

# --- names are case-insensitive, documents checked as AWS checks them ----------------
eq(iam.get_user(UserName="U4")["User"]["UserName"], "u4", "GetUser by a name in another case finds the user, named as created")
fails("CreatePolicy with a Principal", iam.create_policy, "MalformedPolicyDocument", 400,
      re.compile("(?i)principal"), PolicyName="with-principal",
      PolicyDocument=doc(dict(allow("iam:GetUser"), Principal={"AWS": A + "root"})))
fails("CreateRole with a Resource in the trust policy", iam.create_role, "MalformedPolicyDocument", 400,
      re.compile("Resource"), RoleName="r-res",
      AssumeRolePolicyDocument=doc({"Effect": "Allow", "Principal": {"AWS": A + "root"}, "Action": "sts:AssumeRole",
                                    "Resource": "*"}))
eq(iam.create_policy(PolicyName="p-2008", PolicyDocument=json.dumps(
    {"Version": "2008-10-17", "Statement": [allow("iam:GetUser")]}))["Policy"]["DefaultVersionId"], "v1",
   "CreatePolicy with Version 2008-10-17")
fails("CreatePolicy with an unknown Version", iam.create_policy, "MalformedPolicyDocument", 400, None,
      PolicyName="p-2099", PolicyDocument=json.dumps({"Version": "2099-01-01", "Statement": [allow("iam:GetUser")]}))

# --- the AWS CLI, where output formatting matters ---------------------------------
if os.access(aws_cli, os.X_OK):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_PAGER="",
               AWS_EC2_METADATA_DISABLED="true")
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)

    def cli(*args):
        p = subprocess.run([aws_cli, "--endpoint-url", url] + list(args), env=env, capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    rc, out, err = cli("sts", "get-caller-identity", "--output", "text")
    eq((rc, out), (0, "%s\t%s\t%s\n" % (acct, A + "root", acct)), "aws sts get-caller-identity --output text")
    rc, out, err = cli("iam", "get-user", "--user-name", "nobody")
    eq((rc, err.strip()), (254, "An error occurred (NoSuchEntity) when calling the GetUser operation: "
                                "The user with name nobody cannot be found."), "aws: NoSuchEntity on stderr, exit 254")
    rc, out, err = cli("iam", "get-policy-version", "--policy-arn", PA, "--version-id", "v6", "--output", "json")
    check(rc == 0 and json.loads(out)["PolicyVersion"]["Document"] == json.loads(D1),
          "aws iam get-policy-version: the document as JSON", (rc, out[:200], err[:200]))
    rc, out, err = cli("iam", "list-users", "--max-items", "1", "--output", "json")
    j = json.loads(out) if rc == 0 else {}
    check(len(j.get("Users", [])) == 1 and "NextToken" in j, "aws iam list-users --max-items 1: a NextToken", j)
    rc2, out2, err = cli("iam", "list-users", "--max-items", "1", "--starting-token", j.get("NextToken", ""),
                         "--output", "json")
    j2 = json.loads(out2) if rc2 == 0 else {}
    check(len(j2.get("Users", [])) == 1 and j2["Users"][0]["UserName"] != j["Users"][0]["UserName"],
          "aws iam list-users --starting-token: the next user", j2)
    rc, out, err = cli("iam", "get-role", "--role-name", "r-app", "--query", "Role.CreateDate", "--output", "text")
    check(rc == 0 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00\n", out) is not None,
          "aws: CreateDate in ISO 8601 with +00:00", out)
    rc, out, err = cli("iam", "get-account-summary", "--query", "SummaryMap.UsersQuota", "--output", "text")
    eq(out.strip(), "5000", "aws iam get-account-summary --query")
    rc, out, err = cli("iam", "create-user", "--user-name", "x" * 65)
    check(rc == 254 and "(ValidationError)" in err and "'userName'" in err,
          "aws: a 65-character user name is a ValidationError", err.strip())
    rc, out, err = cli("iam", "create-instance-profile", "--instance-profile-name", "ip-cli", "--output", "json")
    check(rc == 0 and json.loads(out)["InstanceProfile"].get("Roles") == [],
          "aws iam create-instance-profile: \"Roles\": [] (a required member)", out)
    rc, out, err = cli("iam", "list-roles", "--output", "table", "--query", "Roles[?RoleName=='r-app'].RoleName")
    check(rc == 0 and "r-app" in out and "|" in out, "aws --output table", out)
else:
    print("# %s not executable: the AWS CLI checks skipped" % aws_cli)

done()
