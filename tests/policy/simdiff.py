#!/usr/bin/env python3
"""simdiff.py - differential testing of iamd's policy simulator.

Policy evaluation cases in the shared format
(/work/shared/spec/policy-eval-cases.md) are asked of iamd the way a user
asks the AWS policy simulator, and each answer (EvalDecision) is compared
with the decision of refeval.py, the independent reference evaluator
written from the AWS documentation.  Prints TAP: one line per case (a case
that cannot be said to the simulator is an "ok ... # SKIP" with the reason).

    simdiff.py [--mode custom|principal|awscli] [--iamctl PATH]
               [--endpoint-url URL] [--limit N] [--every K] CASES...
    simdiff.py --gen SEED:COUNT[,SEED:COUNT...] [...]

--lenient (custom mode): also the cases AWS cannot take, with iamd's
extension: an assumed-role session or the root user as CallerArn.

Modes:
  custom     SimulateCustomPolicy through `iamctl iam simulate-custom-policy
             --cli-input-json` (IAMD_SOCKET names iamd's socket)
  principal  the case's identity policies and boundary stored on a fresh
             user (a user principal) or role (a session principal): the
             first, fourth... policy inline on the user/role, the second...
             a managed policy attached to it, the third... inline on a group
             the user is in (a role's go to it inline); the boundary a
             managed policy set as the permissions boundary; then
             SimulatePrincipalPolicy with PolicySourceArn
  awscli     SimulateCustomPolicy through the AWS CLI (--aws, default
             /usr/bin/aws) with --endpoint-url: its own encoding of
             --policy-input-list, --context-entries etc. (the environment
             must hold credentials)

How a case becomes a simulation (AWS API reference, SimulateCustomPolicy /
SimulatePrincipalPolicy / ContextEntry):
  identityPolicies    -> PolicyInputList (a case without any gets one that
                         grants nothing: PolicyInputList takes at least one)
  permissionsBoundary -> PermissionsBoundaryPolicyInputList
  resourcePolicy      -> ResourcePolicy, with CallerArn
  request.action      -> ActionNames
  request.resource    -> ResourceArns ("*": none given; AWS's default is *)
  resourceAccount     -> ResourceOwner, as the account's ARN
                         (arn:aws:iam::ACCOUNT:root, the form the
                         SimulateCustomPolicy reference gives); as the bare
                         account ID for SimulatePrincipalPolicy (its
                         reference says "An Amazon Web Services account ID")
  request.context     -> ContextEntries, each typed as the condition
                         operators of the case's policies read the key
                         (Numeric* numeric, Date* date, Bool boolean,
                         IpAddress ip, BinaryEquals binary, else string;
                         a list value -> the ...List type); a value that
                         is not of that type (an IP key given "not-an-ip")
                         goes as string
  an IAM user         -> CallerArn (custom) / the user itself or CallerArn
                         (principal)
Skipped, because the simulator has no input for them:
  - a session policy (sessionPolicy): AWS simulate has no session layer
  - the account root user as caller: "You can specify only the ARN of an
    IAM user" (CallerArn)
  - an assumed-role session with a resource policy: CallerArn is required
    with a ResourcePolicy and cannot be an assumed role
  - a resourceAccount other than the account in the resource's ARN:
    ResourceOwner is the owner "of any simulated resource that does not
    identify its owner in the resource ARN"
An assumed-role session without a resource policy is simulated without
CallerArn (custom) or with the role as PolicySourceArn (principal); the
keys AWS derives from the session (aws:PrincipalArn = the role's ARN,
aws:PrincipalType = AssumedRole, aws:PrincipalAccount) go in as context
entries unless the case gives them.  The simulating account must be the
cases' home account (111122223333, iamd --account-id).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import refeval  # noqa: E402

HOME = '111122223333'
NAMES = {'Allow': 'allowed', 'ExplicitDeny': 'explicitDeny',
         'ImplicitDeny': 'implicitDeny', 'Error': 'error'}
NOTHING = json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 'simdiff:NoSuchAction', 'Resource': '*'}]})

# operator family -> ContextKeyType
FAMILY_TYPE = [('Numeric', 'numeric'), ('Date', 'date'), ('Bool', 'boolean'),
               ('IpAddress', 'ip'), ('NotIpAddress', 'ip'),
               ('BinaryEquals', 'binary')]


def doc(p):
    return p if isinstance(p, str) else json.dumps(p)


def pol(p):
    return json.loads(p) if isinstance(p, str) else p


def operators_by_key(case):
    """key (lower case) -> set of base operator names reading it."""
    out = {}
    ps = list(case.get('identityPolicies') or [])
    for k in ('resourcePolicy', 'permissionsBoundary', 'sessionPolicy'):
        if case.get(k):
            ps.append(case[k])
    for p in ps:
        try:
            sts = refeval.statements(pol(p))
        except Exception:
            continue
        for st in sts:
            cond = st.get('Condition') if isinstance(st, dict) else None
            if not isinstance(cond, dict):
                continue
            for op, blk in cond.items():
                base = op.split(':')[-1]
                if base.endswith('IfExists'):
                    base = base[:-len('IfExists')]
                if isinstance(blk, dict):
                    for key in blk:
                        out.setdefault(key.lower(), set()).add(base)
    return out


def fits(typ, v):
    if typ == 'numeric':
        return refeval.parse_num(v) is not None
    if typ == 'date':
        return refeval.parse_date(v) is not None
    if typ == 'boolean':
        return v.lower() in ('true', 'false')
    if typ == 'ip':
        return refeval.parse_ip(v) is not None
    if typ == 'binary':
        return refeval.b64(v) is not None
    return True


def key_type(ops, vals):
    typ = 'string'
    for prefix, t in FAMILY_TYPE:
        if any(o.startswith(prefix) for o in ops):
            typ = t
            break
    if not all(fits(typ, v) for v in vals):
        typ = 'string'
    return typ


def context_entries(case, extra):
    ops = operators_by_key(case)
    ctx = dict((case['request'].get('context') or {}))
    have = set(k.lower() for k in ctx)
    for k, v in extra.items():
        if k.lower() not in have:
            ctx[k] = v
    ents = []
    for k, v in ctx.items():
        if v is None:
            continue
        multi = isinstance(v, list)
        vals = [refeval.as_str(x) for x in (v if multi else [v])]
        typ = key_type(ops.get(k.lower(), set()), vals)
        ents.append({'ContextKeyName': k, 'ContextKeyValues': vals,
                     'ContextKeyType': typ + ('List' if multi else '')})
    return ents


def session_keys(pr):
    d = pr.derived_keys()
    return {'aws:PrincipalArn': d['aws:principalarn'],
            'aws:PrincipalType': d['aws:principaltype'],
            'aws:PrincipalAccount': d['aws:principalaccount']}


def translate(case, mode, lenient=False):
    """(request dict, None) or (None, reason to skip)."""
    rq = case['request']
    pr = refeval.Principal(rq['principal'])
    if case.get('sessionPolicy'):
        return None, 'session policy: no simulator input for it'
    if lenient and mode == 'custom' and pr.kind in ('root', 'session'):
        pass   # iamd takes any principal as CallerArn (AWS: only a user)
    elif pr.kind == 'root':
        return None, 'the root user as caller: CallerArn takes only IAM users'
    elif pr.kind not in ('user', 'session'):
        return None, 'caller %s: not an IAM user' % pr.kind
    elif pr.kind == 'session' and case.get('resourcePolicy'):
        return None, 'session with a resource policy: CallerArn cannot be a session'
    if pr.account != HOME:
        return None, 'caller outside the simulating account'
    ra = rq.get('resourceAccount')
    segs = rq['resource'].split(':', 5)
    if ra and len(segs) == 6 and segs[4] and segs[4] != ra:
        return None, ('resourceAccount %s for a resource ARN of account %s: '
                      'ResourceOwner is only for ARNs without an account' % (ra, segs[4]))
    inp = {'ActionNames': [rq['action']]}
    ids = [doc(p) for p in case.get('identityPolicies') or []]
    inp['PolicyInputList'] = ids or [NOTHING]
    if rq['resource'] != '*':
        inp['ResourceArns'] = [rq['resource']]
    if case.get('permissionsBoundary'):
        inp['PermissionsBoundaryPolicyInputList'] = [doc(case['permissionsBoundary'])]
    if case.get('resourcePolicy'):
        inp['ResourcePolicy'] = doc(case['resourcePolicy'])
    if rq.get('resourceAccount'):
        ra = rq['resourceAccount']
        inp['ResourceOwner'] = ra if mode == 'principal' else 'arn:aws:iam::%s:root' % ra
    extra = {}
    if pr.kind == 'user' or (lenient and mode == 'custom'):
        inp['CallerArn'] = rq['principal']
    else:
        extra = session_keys(pr)
    ents = context_entries(case, extra)
    if ents:
        inp['ContextEntries'] = ents
    return inp, None


class Runner:
    def __init__(self, args):
        self.iamctl = args['iamctl']
        self.aws = args['aws']
        self.endpoint = args['endpoint']
        self.mode = args['mode']
        self.serial = 0
        self.tag = 'sd%x' % os.getpid()   # entity names unique per run

    def iam(self, *argv, check=True):
        p = subprocess.run([self.iamctl, 'iam'] + list(argv),
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError('iamctl iam %s: %s' % (argv[0], p.stderr.strip()))
        return p

    def simulate(self, inp):
        """(decision or None, error text, whole answer)"""
        if self.mode == 'awscli':
            argv = [self.aws, '--endpoint-url', self.endpoint, '--output', 'json',
                    'iam', 'simulate-custom-policy']
            for k, opt in (('PolicyInputList', '--policy-input-list'),
                           ('PermissionsBoundaryPolicyInputList',
                            '--permissions-boundary-policy-input-list'),
                           ('ActionNames', '--action-names'),
                           ('ResourceArns', '--resource-arns')):
                if k in inp:
                    argv += [opt] + inp[k]
            for k, opt in (('ResourcePolicy', '--resource-policy'),
                           ('ResourceOwner', '--resource-owner'),
                           ('CallerArn', '--caller-arn')):
                if k in inp:
                    argv += [opt, inp[k]]
            if 'ContextEntries' in inp:
                argv += ['--context-entries', json.dumps(inp['ContextEntries'])]
            p = subprocess.run(argv, capture_output=True, text=True)
        elif self.mode == 'principal':
            p = subprocess.run([self.iamctl, 'iam', 'simulate-principal-policy',
                                '--cli-input-json', json.dumps(inp)],
                               capture_output=True, text=True)
        else:
            p = subprocess.run([self.iamctl, 'iam', 'simulate-custom-policy',
                                '--cli-input-json', json.dumps(inp)],
                               capture_output=True, text=True)
        if p.returncode != 0:
            return None, p.stderr.strip(), None
        out = json.loads(p.stdout)
        return out['EvaluationResults'][0]['EvalDecision'], '', out

    def store(self, case, inp):
        """Stores the case's policies on a fresh user or role; returns the
        SimulatePrincipalPolicy request (or raises)."""
        self.serial += 1
        n = '%s-%d' % (self.tag, self.serial)
        pr = refeval.Principal(case['request']['principal'])
        ids = inp.pop('PolicyInputList')
        if ids == [NOTHING]:
            ids = []
        bd = inp.pop('PermissionsBoundaryPolicyInputList', None)
        if pr.kind == 'user':
            name = '%s-u' % n
            self.iam('create-user', '--user-name', name)
            kind = 'user'
        else:
            name = '%s-r' % n
            trust = json.dumps({'Version': '2012-10-17', 'Statement': [{
                'Effect': 'Allow', 'Principal': {'AWS': HOME},
                'Action': 'sts:AssumeRole'}]})
            self.iam('create-role', '--role-name', name,
                     '--assume-role-policy-document', trust)
            kind = 'role'
        for i, d in enumerate(ids):
            pname = '%s-p%d' % (n, i)
            if i % 3 == 1:
                o = self.iam('create-policy', '--policy-name', pname,
                             '--policy-document', d)
                arn = json.loads(o.stdout)['Policy']['Arn']
                self.iam('attach-%s-policy' % kind, '--%s-name' % kind, name,
                         '--policy-arn', arn)
            elif i % 3 == 2 and kind == 'user':
                g = '%s-g' % n
                self.iam('create-group', '--group-name', g)
                self.iam('put-group-policy', '--group-name', g, '--policy-name',
                         pname, '--policy-document', d)
                self.iam('add-user-to-group', '--group-name', g, '--user-name', name)
            else:
                self.iam('put-%s-policy' % kind, '--%s-name' % kind, name,
                         '--policy-name', pname, '--policy-document', d)
        if bd:
            o = self.iam('create-policy', '--policy-name', '%s-b' % n,
                         '--policy-document', bd[0])
            arn = json.loads(o.stdout)['Policy']['Arn']
            self.iam('put-%s-permissions-boundary' % kind, '--%s-name' % kind, name,
                     '--permissions-boundary', arn)
        inp['PolicySourceArn'] = 'arn:aws:iam::%s:%s/%s' % (HOME, kind, name)
        return inp


def read_cases(paths, gen):
    cases = []
    for spec in gen:
        for part in spec.split(','):
            seed, count = part.split(':')
            p = subprocess.run([sys.executable, os.path.join(HERE, 'gencases.py'),
                                '--seed', seed, '--count', count, '--prefix', 'sim'],
                               capture_output=True, text=True, check=True)
            cases += [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    for path in paths:
        cases += refeval.read_cases(path)
    return cases


def main(argv):
    args = {'iamctl': os.environ.get('IAMCTL', 'iamctl'), 'aws': '/usr/bin/aws',
            'endpoint': os.environ.get('IAMD_GATEWAY_URL'), 'mode': 'custom'}
    limit, every, gen, paths, verbose, lenient = None, 1, [], [], False, False
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ('--mode', '--iamctl', '--aws', '--endpoint-url', '--limit',
                 '--every', '--gen'):
            v = argv[i + 1]
            i += 2
            if a == '--mode':
                args['mode'] = v
            elif a == '--iamctl':
                args['iamctl'] = v
            elif a == '--aws':
                args['aws'] = v
            elif a == '--endpoint-url':
                args['endpoint'] = v
            elif a == '--limit':
                limit = int(v)
            elif a == '--every':
                every = int(v)
            else:
                gen.append(v)
            continue
        if a == '-v':
            verbose = True
        elif a == '--lenient':
            lenient = True
        else:
            paths.append(a)
        i += 1
    if args['mode'] not in ('custom', 'principal', 'awscli'):
        print('simdiff.py: unknown mode %s' % args['mode'], file=sys.stderr)
        return 2
    cases = read_cases(paths, gen)[::every]
    if limit is not None:
        cases = cases[:limit]
    run = Runner(args)
    print('1..%d' % len(cases))
    bad = skipped = agreed = 0
    for n, c in enumerate(cases, 1):
        try:
            want = refeval.evaluate(c)
        except Exception:
            want = 'Error'
        inp, why = translate(c, args['mode'], lenient)
        if inp is None:
            skipped += 1
            print('ok %d - %s # SKIP %s' % (n, c.get('id'), why))
            continue
        err = ''
        try:
            if args['mode'] == 'principal':
                if want == 'Error':
                    skipped += 1
                    print('ok %d - %s # SKIP invalid policy' % (n, c.get('id')))
                    continue
                inp = run.store(c, inp)
            got, err, out = run.simulate(inp)
        except RuntimeError as e:
            got, err, out = None, str(e), None
        gotname = got if got else 'error'
        if gotname == NAMES[want]:
            agreed += 1
            print('ok %d - %s %s' % (n, c.get('id'), gotname))
            if verbose:
                print('# ' + json.dumps(inp))
        else:
            bad += 1
            print('not ok %d - %s: simulate %s, refeval %s' % (n, c.get('id'), gotname,
                                                              NAMES[want]))
            print('# case: ' + json.dumps(c))
            print('# request: ' + json.dumps(inp))
            if err:
                print('# error: ' + err[:400])
    print('# %d agree, %d differ, %d skipped' % (agreed, bad, skipped))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
