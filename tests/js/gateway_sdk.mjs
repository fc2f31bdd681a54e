// gateway_sdk.mjs: the AWS SDK for JavaScript v3 (@aws-sdk/client-iam and
// @aws-sdk/client-sts, pinned in package.json / package-lock.json) against
// iam-gateway. Run by tests/integration/gateway_js.sh after `npm ci`.
//
// Usage: node gateway_sdk.mjs URL ACCESS_KEY_ID SECRET   (a root key)
// Prints TAP. The SDK signs more headers than botocore (x-amz-user-agent,
// amz-sdk-invocation-id, amz-sdk-request, content-length, content-type)
// and paginates with its own paginators; every call goes through SigV4.
import {
  IAMClient, paginateListUsers, paginateListPolicies, paginateListRoles,
  CreateUserCommand, GetUserCommand, ListUsersCommand, TagUserCommand, UntagUserCommand,
  ListUserTagsCommand, DeleteUserCommand, CreateGroupCommand, AddUserToGroupCommand,
  GetGroupCommand, CreatePolicyCommand, CreatePolicyVersionCommand, GetPolicyCommand,
  GetPolicyVersionCommand, ListPolicyVersionsCommand, DeletePolicyVersionCommand,
  AttachUserPolicyCommand, ListAttachedUserPoliciesCommand, DetachUserPolicyCommand,
  PutUserPolicyCommand, GetUserPolicyCommand, CreateAccessKeyCommand,
  UpdateAccessKeyCommand, ListAccessKeysCommand, CreateRoleCommand, GetRoleCommand,
  UpdateRoleCommand, PutRolePolicyCommand, TagRoleCommand, ListRoleTagsCommand,
  SimulatePrincipalPolicyCommand, SimulateCustomPolicyCommand, ListRolesCommand,
  GetAccountSummaryCommand, ListEntitiesForPolicyCommand, GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand, ListGroupsForUserCommand,
  NoSuchEntityException, DeleteConflictException, EntityAlreadyExistsException,
  MalformedPolicyDocumentException,
} from "@aws-sdk/client-iam";
import {
  STSClient, GetCallerIdentityCommand, AssumeRoleCommand, GetSessionTokenCommand, GetAccessKeyInfoCommand,
} from "@aws-sdk/client-sts";

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, akid, secret] = process.argv.slice(2);
let n = 0;
let failed = 0;

function check(cond, name, got) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${name}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    if (got !== undefined) console.log(`# got: ${JSON.stringify(got)}`);
  }
}

function eq(got, want, name) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  check(g === w, name, g === w ? undefined : { got, want });
}

const base = { endpoint: url, region: "us-east-1", maxAttempts: 1 };
function creds(accessKeyId, secretAccessKey, sessionToken) {
  return { credentials: { accessKeyId, secretAccessKey, sessionToken } };
}
const iamFor = (k, s, t) => new IAMClient({ ...base, ...creds(k, s, t) });
const stsFor = (k, s, t) => new STSClient({ ...base, ...creds(k, s, t) });

// The error of a call that must fail: its code on the wire (e.Code; the SDK
// names modeled errors by their class: NoSuchEntity is NoSuchEntityException),
// HTTP status, message, fault, Type and the exception itself (code null when
// the call succeeded).
async function failure(client, command) {
  try {
    await client.send(command);
  } catch (e) {
    return { code: e.Code ?? e.Error?.Code ?? e.name, status: e.$metadata?.httpStatusCode,
             message: e.message, fault: e.$fault, type: e.Type, e };
  }
  return { code: null };
}

async function main() {
  const iam = iamFor(akid, secret);
  const sts = stsFor(akid, secret);

  // --- identity ---------------------------------------------------------------
  const me = await sts.send(new GetCallerIdentityCommand({}));
  const acct = me.Account;
  check(/^\d{12}$/.test(acct ?? ""), "GetCallerIdentity gives a 12-digit account", me);
  eq(me.Arn, `arn:aws:iam::${acct}:root`, "the root key's caller is the account root");
  check(typeof me.$metadata.requestId === "string" && me.$metadata.requestId.length > 0,
        "the request id reaches $metadata", me.$metadata);

  // --- a profile: endpoint_url and the keys in the shared files (docs/gateway.md)
  const dir = mkdtempSync(join(tmpdir(), "gateway-js-"));
  writeFileSync(join(dir, "config"), `[profile iamd]\nregion = us-east-1\nendpoint_url = ${url}\n`);
  writeFileSync(join(dir, "credentials"), `[iamd]\naws_access_key_id = ${akid}\naws_secret_access_key = ${secret}\n`);
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
  process.env.AWS_PROFILE = "iamd";
  try {
    const viaProfile = await new STSClient({ maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    eq(viaProfile.Arn, me.Arn, "AWS_PROFILE=iamd: a client from the profile (endpoint_url, region, keys) reaches the gateway");
  } finally {
    delete process.env.AWS_PROFILE;
    rmSync(dir, { recursive: true, force: true });
  }

  // --- users, tags, pagination ------------------------------------------------
  const cu = await iam.send(new CreateUserCommand({
    UserName: "jsalice", Path: "/js/", Tags: [{ Key: "team", Value: "blue" }, { Key: "cost", Value: "42" }],
  }));
  eq(cu.User.Arn, `arn:aws:iam::${acct}:user/js/jsalice`, "CreateUser with a path: its Arn");
  check(cu.User.CreateDate instanceof Date && cu.User.CreateDate.getUTCFullYear() >= 2024 &&
        Math.abs(Date.now() - cu.User.CreateDate.getTime()) < 600e3,
        "CreateDate parses as a Date close to now", cu.User.CreateDate);
  check(/^AIDA[A-Z0-9]+$/.test(cu.User.UserId), "the user id starts with AIDA", cu.User.UserId);
  const gu = await iam.send(new GetUserCommand({ UserName: "jsalice" }));
  eq(gu.User.Tags?.find((t) => t.Key === "team")?.Value, "blue", "GetUser returns the tags");
  for (const u of ["jsbob", "jscarol", "jsdave", "jserin"])
    await iam.send(new CreateUserCommand({ UserName: u, Path: "/js/" }));
  const names = [];
  let pages = 0;
  for await (const page of paginateListUsers({ client: iam, pageSize: 2 }, { PathPrefix: "/js/" })) {
    pages++;
    check(page.Users.length <= 2, `page ${pages} holds at most 2 users`, page.Users.length);
    names.push(...page.Users.map((u) => u.UserName));
  }
  eq(names, ["jsalice", "jsbob", "jscarol", "jsdave", "jserin"], "paginateListUsers (pageSize 2) returns every user");
  eq(pages, 3, "in three pages");
  const lu = await iam.send(new ListUsersCommand({ PathPrefix: "/js/", MaxItems: 2 }));
  eq([lu.IsTruncated, typeof lu.Marker], [true, "string"], "ListUsers MaxItems 2: IsTruncated and a Marker");
  const lu2 = await iam.send(new ListUsersCommand({ PathPrefix: "/js/", MaxItems: 2, Marker: lu.Marker }));
  eq(lu2.Users.map((u) => u.UserName), ["jscarol", "jsdave"], "the Marker gives the next page");
  await iam.send(new TagUserCommand({ UserName: "jsbob", Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2 two=ü" }] }));
  await iam.send(new UntagUserCommand({ UserName: "jsbob", TagKeys: ["a"] }));
  const tags = await iam.send(new ListUserTagsCommand({ UserName: "jsbob" }));
  eq(tags.Tags, [{ Key: "b", Value: "2 two=ü" }], "TagUser, UntagUser, ListUserTags (a non-ASCII value)");
  const none = await iam.send(new ListUsersCommand({ PathPrefix: "/none/" }));
  eq([none.Users, none.IsTruncated], [[], false], "ListUsers matching nobody: an empty list, not truncated");

  // --- groups -----------------------------------------------------------------
  await iam.send(new CreateGroupCommand({ GroupName: "jsdevs", Path: "/js/" }));
  await iam.send(new AddUserToGroupCommand({ GroupName: "jsdevs", UserName: "jsalice" }));
  await iam.send(new AddUserToGroupCommand({ GroupName: "jsdevs", UserName: "jsbob" }));
  const gg = await iam.send(new GetGroupCommand({ GroupName: "jsdevs" }));
  eq(gg.Users.map((u) => u.UserName), ["jsalice", "jsbob"], "GetGroup lists the members");
  eq((await iam.send(new ListGroupsForUserCommand({ UserName: "jsbob" }))).Groups.map((g) => g.Arn),
     [`arn:aws:iam::${acct}:group/js/jsdevs`], "ListGroupsForUser");

  // --- managed policies and versions -----------------------------------------
  const doc1 = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:GetUser", "iam:ListUserTags"], Resource: "*" }] };
  const doc2 = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:GetUser", "iam:ListUserTags", "iam:GetRole"], Resource: "*" }] };
  const cp = await iam.send(new CreatePolicyCommand({
    PolicyName: "jsreaders", Path: "/js/", PolicyDocument: JSON.stringify(doc1), Description: "read users & tags: a+b=c 100% ~*'()!",
  }));
  const parn = cp.Policy.Arn;
  eq(parn, `arn:aws:iam::${acct}:policy/js/jsreaders`, "CreatePolicy's Arn");
  eq([cp.Policy.DefaultVersionId, cp.Policy.AttachmentCount, cp.Policy.IsAttachable], ["v1", 0, true],
     "CreatePolicy: v1, no attachment, attachable (numbers and booleans typed)");
  const cpv = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: parn, PolicyDocument: JSON.stringify(doc2), SetAsDefault: true }));
  eq([cpv.PolicyVersion.VersionId, cpv.PolicyVersion.IsDefaultVersion], ["v2", true], "CreatePolicyVersion SetAsDefault");
  const gpv = await iam.send(new GetPolicyVersionCommand({ PolicyArn: parn, VersionId: "v2" }));
  let parsed = null;
  try { parsed = JSON.parse(decodeURIComponent(gpv.PolicyVersion.Document)); } catch { /* checked below */ }
  eq(parsed, doc2, "GetPolicyVersion: the document URL-encoded as AWS returns it");
  const lpv = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: parn }));
  eq(lpv.Versions.map((v) => [v.VersionId, v.IsDefaultVersion]), [["v2", true], ["v1", false]], "ListPolicyVersions");
  await iam.send(new DeletePolicyVersionCommand({ PolicyArn: parn, VersionId: "v1" }));
  const gp = await iam.send(new GetPolicyCommand({ PolicyArn: parn }));
  eq([gp.Policy.DefaultVersionId, gp.Policy.Description], ["v2", "read users & tags: a+b=c 100% ~*'()!"], "GetPolicy after DeletePolicyVersion (the description's reserved characters round-trip)");
  for (let i = 0; i < 4; i++)
    await iam.send(new CreatePolicyCommand({ PolicyName: `jsp${i}`, Path: "/jspage/", PolicyDocument: JSON.stringify(doc1) }));
  const pnames = [];
  for await (const page of paginateListPolicies({ client: iam, pageSize: 3 }, { Scope: "Local", PathPrefix: "/jspage/" }))
    pnames.push(...page.Policies.map((p) => p.PolicyName));
  eq(pnames, ["jsp0", "jsp1", "jsp2", "jsp3"], "paginateListPolicies (pageSize 3, Scope Local)");

  // --- attachments, inline policies --------------------------------------------
  await iam.send(new AttachUserPolicyCommand({ UserName: "jsalice", PolicyArn: parn }));
  const lat = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "jsalice" }));
  eq(lat.AttachedPolicies, [{ PolicyName: "jsreaders", PolicyArn: parn }], "ListAttachedUserPolicies");
  const lep = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: parn }));
  eq([lep.PolicyUsers.map((u) => u.UserName), lep.PolicyGroups, lep.PolicyRoles], [["jsalice"], [], []],
     "ListEntitiesForPolicy (empty lists as [])");
  const sum = await iam.send(new GetAccountSummaryCommand({}));
  check(sum.SummaryMap?.Users >= 5 && sum.SummaryMap?.Groups >= 1 && typeof sum.SummaryMap?.Policies === "number",
        "GetAccountSummary: the SummaryMap (entry/key/value) as numbers", sum.SummaryMap);
  const gaad = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["User"], MaxItems: 100 }));
  const gaAlice = gaad.UserDetailList?.find((u) => u.UserName === "jsalice");
  eq([gaAlice?.GroupList, gaAlice?.AttachedManagedPolicies?.map((p) => p.PolicyArn)], [["jsdevs"], [parn]],
     "GetAccountAuthorizationDetails Filter [User]: groups and attached policies");
  const inline = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: `arn:aws:iam::${acct}:role/js/*` }] };
  await iam.send(new PutUserPolicyCommand({ UserName: "jsalice", PolicyName: "assume", PolicyDocument: JSON.stringify(inline) }));
  const gup = await iam.send(new GetUserPolicyCommand({ UserName: "jsalice", PolicyName: "assume" }));
  eq(JSON.parse(decodeURIComponent(gup.PolicyDocument)), inline, "GetUserPolicy's document");

  // --- a user's own access key: allowed and denied ----------------------------
  const ck = await iam.send(new CreateAccessKeyCommand({ UserName: "jsalice" }));
  const ak = ck.AccessKey;
  check(/^AKIA[A-Z2-7]{16}$/.test(ak.AccessKeyId) && ak.SecretAccessKey.length === 40 && ak.Status === "Active",
        "CreateAccessKey: AKIA id, 40-character secret, Active", { id: ak.AccessKeyId, status: ak.Status });
  const alice = iamFor(ak.AccessKeyId, ak.SecretAccessKey);
  const aliceSts = stsFor(ak.AccessKeyId, ak.SecretAccessKey);
  eq((await aliceSts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${acct}:user/js/jsalice`,
     "the user's key: GetCallerIdentity is the user");
  eq((await alice.send(new GetUserCommand({ UserName: "jsbob" }))).User.UserName, "jsbob", "the user may GetUser (allowed by the policy)");
  const lastUsed = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ak.AccessKeyId }));
  eq([lastUsed.UserName, lastUsed.AccessKeyLastUsed?.LastUsedDate instanceof Date], ["jsalice", true],
     "GetAccessKeyLastUsed: the user and a LastUsedDate");
  eq((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: ak.AccessKeyId }))).Account, acct, "sts GetAccessKeyInfo");
  const gst = await aliceSts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  check(/^ASIA/.test(gst.Credentials?.AccessKeyId ?? ""), "GetSessionToken gives temporary credentials", gst.Credentials?.AccessKeyId);
  const gstId = await stsFor(gst.Credentials.AccessKeyId, gst.Credentials.SecretAccessKey, gst.Credentials.SessionToken)
    .send(new GetCallerIdentityCommand({}));
  eq(gstId.Arn, `arn:aws:iam::${acct}:user/js/jsalice`, "GetSessionToken's credentials are the user's");
  const den = await failure(alice, new ListUsersCommand({}));
  eq([den.code, den.status, den.fault], ["AccessDenied", 403, "client"], "the user may not ListUsers: AccessDenied 403, a client fault");
  check(den.message === `User: arn:aws:iam::${acct}:user/js/jsalice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${acct}:user/ because no identity-based policy allows the iam:ListUsers action`,
        "AccessDenied's message names the user, the action and the resource", den.message);

  // --- roles, AssumeRole with ExternalId and a session policy -----------------
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${acct}:user/js/jsalice` },
    Action: ["sts:AssumeRole", "sts:TagSession"], Condition: { StringEquals: { "sts:ExternalId": "ext-js-1" } } }] };
  const cr = await iam.send(new CreateRoleCommand({
    RoleName: "jsreader", Path: "/js/", AssumeRolePolicyDocument: JSON.stringify(trust), MaxSessionDuration: 7200,
    Tags: [{ Key: "env", Value: "test" }],
  }));
  const rarn = cr.Role.Arn;
  eq(rarn, `arn:aws:iam::${acct}:role/js/jsreader`, "CreateRole's Arn");
  const rolePolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:GetRole", "iam:GetUser", "iam:ListRoles"], Resource: "*" }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: "jsreader", PolicyName: "read", PolicyDocument: JSON.stringify(rolePolicy) }));
  await iam.send(new UpdateRoleCommand({ RoleName: "jsreader", Description: "reads things" }));
  await iam.send(new TagRoleCommand({ RoleName: "jsreader", Tags: [{ Key: "owner", Value: "js" }] }));
  const gr = await iam.send(new GetRoleCommand({ RoleName: "jsreader" }));
  eq([gr.Role.Description, gr.Role.MaxSessionDuration], ["reads things", 7200], "UpdateRole then GetRole");
  eq(JSON.parse(decodeURIComponent(gr.Role.AssumeRolePolicyDocument)), trust, "GetRole's trust policy");
  eq((await iam.send(new ListRoleTagsCommand({ RoleName: "jsreader" }))).Tags.map((t) => t.Key), ["env", "owner"], "ListRoleTags");
  const rnames = [];
  for await (const page of paginateListRoles({ client: iam, pageSize: 1 }, { PathPrefix: "/js/" }))
    rnames.push(...page.Roles.map((r) => r.RoleName));
  eq(rnames, ["jsreader"], "paginateListRoles (pageSize 1)");

  const noExt = await failure(aliceSts, new AssumeRoleCommand({ RoleArn: rarn, RoleSessionName: "s1" }));
  eq([noExt.code, noExt.status], ["AccessDenied", 403], "AssumeRole without the ExternalId: AccessDenied 403");
  check(/not authorized to perform: sts:AssumeRole on resource/.test(noExt.message ?? ""), "and says so", noExt.message);
  const sessionPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:GetRole", "iam:ListRoles"], Resource: "*" }] };
  const ar = await aliceSts.send(new AssumeRoleCommand({
    RoleArn: rarn, RoleSessionName: "js-s1", ExternalId: "ext-js-1", Policy: JSON.stringify(sessionPolicy), DurationSeconds: 900,
  }));
  const c = ar.Credentials;
  check(/^ASIA/.test(c.AccessKeyId) && c.SessionToken.length > 20 && c.Expiration instanceof Date,
        "AssumeRole gives temporary credentials (ASIA, a session token, an Expiration Date)", c.AccessKeyId);
  const life = (c.Expiration.getTime() - Date.now()) / 1000;
  check(life > 800 && life <= 905, "the credentials expire in DurationSeconds 900", life);
  eq(ar.AssumedRoleUser.Arn, `arn:aws:sts::${acct}:assumed-role/jsreader/js-s1`, "AssumedRoleUser.Arn");
  check(typeof ar.PackedPolicySize === "number" && ar.PackedPolicySize > 0 && ar.PackedPolicySize <= 100,
        "PackedPolicySize is a percentage", ar.PackedPolicySize);
  const sess = stsFor(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
  const sid = await sess.send(new GetCallerIdentityCommand({}));
  eq(sid.Arn, `arn:aws:sts::${acct}:assumed-role/jsreader/js-s1`, "the temporary credentials' GetCallerIdentity ARN");
  const sessIam = iamFor(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
  eq((await sessIam.send(new GetRoleCommand({ RoleName: "jsreader" }))).Role.RoleName, "jsreader",
     "the session may GetRole (role policy and session policy allow it)");
  const sdeny = await failure(sessIam, new GetUserCommand({ UserName: "jsbob" }));
  eq([sdeny.code, sdeny.status], ["AccessDenied", 403], "the session policy leaves out GetUser: AccessDenied");
  check(/assumed-role\/jsreader\/js-s1 is not authorized to perform: iam:GetUser/.test(sdeny.message ?? ""),
        "the denial names the session", sdeny.message);
  // PolicyDescriptorType's member is "arn" in lower case on the wire
  // (PolicyArns.member.1.arn), unlike every other member.
  const ar2 = await aliceSts.send(new AssumeRoleCommand({
    RoleArn: rarn, RoleSessionName: "js-s2", ExternalId: "ext-js-1", PolicyArns: [{ arn: parn }],
    Tags: [{ Key: "project", Value: "blue" }, { Key: "cc", Value: "42" }], TransitiveTagKeys: ["project"],
  }));
  eq(ar2.AssumedRoleUser?.Arn, `arn:aws:sts::${acct}:assumed-role/jsreader/js-s2`,
     "AssumeRole with PolicyArns, Tags and TransitiveTagKeys (lists of structures in STS)");
  const s2 = iamFor(ar2.Credentials.AccessKeyId, ar2.Credentials.SecretAccessKey, ar2.Credentials.SessionToken);
  const s2deny = await failure(s2, new ListRolesCommand({}));
  eq(s2deny.code, "AccessDenied", "the managed session policy leaves out ListRoles");
  eq((await s2.send(new GetUserCommand({ UserName: "jsbob" }))).User.UserName, "jsbob", "and lets GetUser through");
  const garbled = c.SessionToken.slice(0, -12) + (c.SessionToken.endsWith("AAAAAAAAAAAA") ? "BBBBBBBBBBBB" : "AAAAAAAAAAAA");
  const gbad = await failure(stsFor(c.AccessKeyId, c.SecretAccessKey, garbled), new GetCallerIdentityCommand({}));
  eq([gbad.code, gbad.status], ["InvalidClientTokenId", 403], "a garbled session token: InvalidClientTokenId 403");

  // --- simulate ----------------------------------------------------------------
  const sp = await iam.send(new SimulatePrincipalPolicyCommand({
    PolicySourceArn: `arn:aws:iam::${acct}:user/js/jsalice`, ActionNames: ["iam:GetUser", "iam:DeleteUser"],
  }));
  eq(sp.EvaluationResults.map((r) => [r.EvalActionName, r.EvalDecision]),
     [["iam:GetUser", "allowed"], ["iam:DeleteUser", "implicitDeny"]], "SimulatePrincipalPolicy");
  const ipDoc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*",
    Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }] });
  const simIn = await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [ipDoc], ActionNames: ["s3:GetObject"],
    ContextEntries: [{ ContextKeyName: "aws:SourceIp", ContextKeyValues: ["10.1.2.3"], ContextKeyType: "ip" }] }));
  const simOut = await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [ipDoc], ActionNames: ["s3:GetObject"],
    ContextEntries: [{ ContextKeyName: "aws:SourceIp", ContextKeyValues: ["192.168.1.1"], ContextKeyType: "ip" }] }));
  eq([simIn.EvaluationResults[0].EvalDecision, simOut.EvaluationResults[0].EvalDecision], ["allowed", "implicitDeny"],
     "SimulateCustomPolicy with context entries inside and outside the range");

  // --- errors ------------------------------------------------------------------
  const nse = await failure(iam, new GetUserCommand({ UserName: "nobody" }));
  eq([nse.code, nse.status, nse.type], ["NoSuchEntity", 404, "Sender"], "NoSuchEntity 404, Type Sender");
  check(nse.e instanceof NoSuchEntityException, "the SDK raises NoSuchEntityException", nse.e?.name);
  eq(nse.message, "The user with name nobody cannot be found.", "NoSuchEntity's message");
  const dc = await failure(iam, new DeleteUserCommand({ UserName: "jsalice" }));
  eq([dc.code, dc.status], ["DeleteConflict", 409], "DeleteUser with keys and policies: DeleteConflict 409");
  check(dc.e instanceof DeleteConflictException, "the SDK raises DeleteConflictException", dc.e?.name);
  eq(dc.message, "Cannot delete entity, must detach all policies first.", "DeleteConflict says what to detach first (AWS's words)");
  const ea = await failure(iam, new CreateUserCommand({ UserName: "jsbob" }));
  eq([ea.code, ea.status], ["EntityAlreadyExists", 409], "CreateUser twice: EntityAlreadyExists 409");
  check(ea.e instanceof EntityAlreadyExistsException, "the SDK raises EntityAlreadyExistsException", ea.e?.name);
  const mp = await failure(iam, new CreatePolicyCommand({ PolicyName: "jsbad", PolicyDocument: "{" }));
  eq([mp.code, mp.status], ["MalformedPolicyDocument", 400], "a malformed document: MalformedPolicyDocument 400");
  check(mp.e instanceof MalformedPolicyDocumentException, "the SDK raises MalformedPolicyDocumentException", mp.e?.name);
  const wrong = ak.SecretAccessKey.slice(0, -1) + (ak.SecretAccessKey.endsWith("x") ? "y" : "x");
  const sdm = await failure(iamFor(ak.AccessKeyId, wrong), new GetUserCommand({ UserName: "jsbob" }));
  eq([sdm.code, sdm.status], ["SignatureDoesNotMatch", 403], "a wrong secret: SignatureDoesNotMatch 403");
  check(/^The request signature we calculated does not match the signature you provided/.test(sdm.message ?? ""),
        "SignatureDoesNotMatch's message", sdm.message);
  await iam.send(new UpdateAccessKeyCommand({ UserName: "jsalice", AccessKeyId: ak.AccessKeyId, Status: "Inactive" }));
  const lak = await iam.send(new ListAccessKeysCommand({ UserName: "jsalice" }));
  eq(lak.AccessKeyMetadata.map((k) => k.Status), ["Inactive"], "UpdateAccessKey Inactive, ListAccessKeys");
  const ina = await failure(alice, new GetUserCommand({ UserName: "jsbob" }));
  eq([ina.code, ina.status, ina.message], ["InvalidClientTokenId", 403, "The security token included in the request is invalid"],
     "an inactive key: InvalidClientTokenId 403");
  const unk = await failure(iamFor("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), new ListRolesCommand({}));
  eq([unk.code, unk.status], ["InvalidClientTokenId", 403], "an unknown key: InvalidClientTokenId 403");
  const val = await failure(iam, new CreateUserCommand({ UserName: "bad name!" }));
  eq([val.code, val.status], ["ValidationError", 400], "an invalid user name: ValidationError 400");
  await iam.send(new DetachUserPolicyCommand({ UserName: "jsalice", PolicyArn: parn }));
  eq((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "jsalice" }))).AttachedPolicies, [], "DetachUserPolicy");
}

try {
  await main();
} catch (e) {
  failed++;
  n++;
  console.log(`not ok ${n} - the scenario ran to its end`);
  console.log(`# ${e.name}: ${e.message} (HTTP ${e.$metadata?.httpStatusCode})`.replace(/\n/g, "\n# "));
  if (e.stack) console.log(`# ${e.stack}`.replace(/\n/g, "\n# "));
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
