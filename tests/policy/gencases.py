#!/usr/bin/env python3
"""gencases.py - random policy evaluation cases in the shared format
(/work/shared/spec/policy-eval-cases.md), in the spirit of sample.jsonl:
realistic services and ARNs, action and resource patterns derived from the
request (so they match, nearly match or miss), NotAction/NotResource, every
condition operator family with IfExists and ForAllValues/ForAnyValue,
policy variables with defaults, permissions boundaries, session and
resource policies, same-account and cross-account.  Biased toward edge
cases.  The cases carry no "expect": tests/policy/refeval.py computes one.

    gencases.py [--seed N] [--count N] [--prefix ID]
"""
import json
import random
import sys

HOME = '111122223333'
OTHERS = ['444455556666', '777788889999']
REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1']

USERS = ['alice', 'bob', 'carol', 'eng/dave']
ROLES = {'AppRole': 'AppRole', 'DataRole': 'DataRole',
         'Deployer': 'service-role/Deployer'}
SESSIONS = ['sess-1', 'build-42', 'alice@example.com']

SERVICES = {
    's3': ['GetObject', 'PutObject', 'DeleteObject', 'ListBucket',
           'GetBucketPolicy', 'DeleteBucket', 'GetObjectAcl'],
    'ec2': ['StartInstances', 'TerminateInstances', 'RebootInstances',
            'DescribeInstances'],
    'sqs': ['SendMessage', 'ReceiveMessage', 'DeleteMessage',
            'ChangeMessageVisibility', 'PurgeQueue'],
    'dynamodb': ['GetItem', 'PutItem', 'DeleteItem', 'Query', 'DescribeTable',
                 'Scan'],
    'iam': ['GetUser', 'CreateUser', 'PassRole', 'DeleteUser'],
    'kms': ['Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey',
            'ScheduleKeyDeletion'],
    'sts': ['AssumeRole', 'GetSessionToken', 'TagSession'],
}

BUCKETS = ['example-bucket', 'logs-bucket', 'data.prod-bucket']
OBJECTS = ['README', 'home/alice/notes.txt', 'home/bob/x', 'teams/red/plan.txt',
           'teams/blue/a:b.txt', 'a*b', 'q?x']


def resource_for(r, svc, acct):
    reg = r.choice(REGIONS)
    if svc == 's3':
        b = r.choice(BUCKETS)
        if r.random() < 0.6:
            return 'arn:aws:s3:::%s/%s' % (b, r.choice(OBJECTS))
        return 'arn:aws:s3:::' + b
    if svc == 'ec2':
        return 'arn:aws:ec2:%s:%s:instance/%s' % (
            reg, acct, r.choice(['i-0abc1234def567890', 'i-1234']))
    if svc == 'sqs':
        return 'arn:aws:sqs:%s:%s:%s' % (reg, acct, r.choice(
            ['orders', 'orders-dlq', 'Payments']))
    if svc == 'dynamodb':
        return 'arn:aws:dynamodb:%s:%s:table/%s' % (reg, acct, r.choice(
            ['Orders', 'team-red', 'team-blue', 'Orders/index/byDate']))
    if svc == 'iam':
        return 'arn:aws:iam::%s:user/%s' % (acct, r.choice(USERS))
    if svc == 'kms':
        return 'arn:aws:kms:%s:%s:key/%s' % (reg, acct, r.choice(
            ['1234abcd-12ab-34cd-56ef-1234567890ab',
             '0987dcba-09fe-87dc-65ba-ab0987654321']))
    if svc == 'sts':
        rn = r.choice(list(ROLES.values()))
        return 'arn:aws:iam::%s:role/%s' % (acct, rn)
    return '*'


def scramble_case(r, s):
    return ''.join(c.upper() if r.random() < 0.5 else c.lower() for c in s)


def qmark(r, s, lo=0):
    if len(s) <= lo:
        return s + '?'
    i = r.randrange(lo, len(s))
    return s[:i] + '?' + s[i + 1:]


# ------------------------------------------------------------------ actions

def action_pattern(r, action):
    svc, name = action.split(':', 1)
    svc = svc.lower()
    k = r.randrange(16)
    if k == 0:
        return action
    if k == 1:
        return svc + ':' + scramble_case(r, name)
    if k == 2:
        return svc + ':' + name[:r.randrange(1, len(name))] + '*'
    if k == 3:
        return svc + ':' + qmark(r, name)
    if k == 4:
        return svc + ':' + name + '?'
    if k == 5:
        return svc + ':' + name[:-1]
    if k == 6:
        return svc + ':*'
    if k == 7:
        return '*'
    if k == 8:
        return svc + ':' + name[:2] + 'x*'
    if k == 9:
        return r.choice([s for s in SERVICES if s != svc]) + ':' + name
    if k == 10:
        return svc + ':*' + name[r.randrange(1, len(name)):]
    if k == 11:
        return svc + ':' + name[:r.randrange(1, len(name))] + '*?'
    if k == 12:
        return scramble_case(r, action)
    if k == 13:
        return svc + ':' + r.choice(SERVICES[svc])
    if k == 14:
        return svc + ':' + name[:1] + '*' + name[-1:]
    return r.choice(['*:' + name, svc + ':' + name + '*', svc[0] + '?' * (len(svc) - 1) + ':' + name,
                     '*' + svc[-1] + ':' + name, svc + '*:' + name[:3] + '*',
                     svc.upper() + ':' + name, svc + ':??' + name[2:]])


def actions_elem(r, action):
    n = r.choice([1, 1, 1, 2, 3])
    vals = [action_pattern(r, action) for _ in range(n)]
    return vals[0] if n == 1 and r.random() < 0.5 else vals


# ---------------------------------------------------------------- resources

VARS = ["${aws:username}", "${aws:PrincipalTag/team}", "${aws:userid}",
        "${aws:PrincipalTag/team, 'blue'}", "${aws:username, 'alice'}",
        "${aws:PrincipalAccount}", "${aws:PrincipalTag/Team}",
        "${aws:RequestedRegion}", "${aws:TagKeys}", "${aws:nosuchkey, ''}",
        "${ aws:username }", "${aws:SourceIp}"]


def resource_pattern(r, res, acct):
    if res == '*':
        return r.choice(['*', 'arn:aws:s3:::*', '*'])
    segs = res.split(':', 5)
    k = r.randrange(23)
    if k == 0:
        return res
    if k == 1:
        return res[:-len(segs[5])] + scramble_case(r, segs[5])
    if k == 2:
        return res + '?'
    if k == 3:
        return res[:r.randrange(len(res) // 2, len(res))] + '*'
    if k == 4:
        return res[:-len(segs[5])] + qmark(r, segs[5])
    if k == 5:
        return ':'.join(segs[:3]) + ':*'
    if k == 6:
        return ':'.join(segs[:4]) + ':*'
    if k == 7:
        o = r.choice([a for a in [HOME] + OTHERS if a != segs[4]] or [HOME])
        return ':'.join(segs[:4] + [o, segs[5]])
    if k == 8:
        return ':'.join(segs[:3] + [r.choice(REGIONS + ['*', 'us-*-1', '']),
                                    segs[4], segs[5]])
    if k == 9:
        return res[:-len(segs[5])] + 'Other' + segs[5]
    if k == 10:
        return '*'
    if k == 11:
        return 'arn:*:' + ':'.join(segs[2:])
    if k == 12:
        # a variable in the last segment, near a principal name
        return res[:-len(segs[5])] + var_in(r, segs[5])
    if k == 13:
        return ':'.join(segs[:4] + ['*', segs[5]])
    if k == 14:
        return 'arn:aws:' + r.choice(list(SERVICES)) + ':*'
    if k == 15:
        return ':'.join(segs[:5]) + ':*'
    if k == 16:
        return res.replace('/', '/*/', 1) if '/' in res else res + '/*'
    if k == 17:
        return res[:-len(segs[5])] + segs[5].split('/')[0] + '/*'
    if k == 18:
        return 'arn:aws:*:' + ':'.join(segs[3:])
    if k == 19:
        return res.replace('*', '${*}').replace('?', '${?}')
    if k == 20:
        return 'arn:aws:s3:::' + r.choice(BUCKETS) + '*'
    if k == 21:
        i = r.randrange(3, 6)
        return ':'.join(segs[:i]) + ':' + r.choice(['*', segs[i][:1] + '*'])
    return res[:-len(segs[5])] + segs[5][:2] + '*' + segs[5][-2:]


def var_in(r, last):
    v = r.choice(VARS)
    parts = last.split('/')
    if len(parts) > 1 and r.random() < 0.7:
        i = r.randrange(1, len(parts))
        parts[i] = v if r.random() < 0.6 else (v + '*')
        return '/'.join(parts)
    return r.choice([v, last + v, v + '*', last.split('/')[0] + '/' + v + '/*',
                     last.split('/')[0] + '/team-' + v])


def resources_elem(r, res, acct):
    n = r.choice([1, 1, 2, 3])
    vals = [resource_pattern(r, res, acct) for _ in range(n)]
    return vals[0] if n == 1 and r.random() < 0.5 else vals


# --------------------------------------------------------------- conditions

IPS = ['192.0.2.10', '203.0.113.77', '10.1.2.3', '2001:db8::abcd',
       '2001:db8:1234::1', '::ffff:192.0.2.10', '0.0.0.0', '255.255.255.255',
       '2001:db8::', 'not-an-ip']
CIDRS = ['2001:db8::/32', '172.16.0.0/12', '192.0.2.0/24', '192.0.3.0/24',
         '10.2.0.0/16', '2001:db8:0:1::/64', '10.0.0.0/8', '2600::/16',
         '2001:db8:1235::/48', '192.0.2.16/28', '2001:db8:1234::/48',
         '198.51.100.0/24', '192.0.2.8/29', '203.0.113.0/26',
         '203.0.114.0/24', '2001:db9::/32', '203.0.113.0/24', '10.1.0.0/16',
         '128.0.0.0/1', '203.0.113.64/26', '192.0.2.10/32',
         '2001:db8:1234::1/128', '192.0.0.0/16', '2001:db8::/64',
         '192.0.2.10', 'fd00::/8', '0.0.0.0/0', '::/0', '192.0.2.11/31',
         '2001:db8:1234::/47', '192.0.2.0/23', '::ffff:192.0.2.0/120']
DATES = ['2024-06-01T12:00:00Z', '2025-01-15T08:30:00Z',
         '2023-12-31T23:59:59Z', '2024-06-01T12:00:01Z', '1717243200',
         '1704067199', '1717243201', '1736929800']
NUMS = ['3599', '3600', '86400', '59', '60', '300', '30', '3601', '1', '0',
        '7.5', '95.5', '44.5', '10.25', '-1', '0.0', '007']
BINS = ['c2VjcmV0LWRhdGE=', 'AAECAwQ=', 'QmluYXJ5VmFsdWU=']

# key -> (type, context value pool)
KEYS = {
    'aws:SourceIp': ('ip', IPS),
    'aws:CurrentTime': ('date', DATES),
    'aws:EpochTime': ('date', DATES),
    'aws:TokenIssueTime': ('date', DATES),
    'aws:MultiFactorAuthAge': ('num', NUMS),
    's3:signatureAge': ('num', NUMS),
    's3:max-keys': ('num', NUMS),
    'aws:SecureTransport': ('bool', ['true', 'false', 'True', 'yes']),
    'aws:MultiFactorAuthPresent': ('bool', ['true', 'false']),
    'aws:ViaAWSService': ('bool', ['true', 'false']),
    'aws:RequestTag/blob': ('bin', BINS + ['c2VjcmV0LWRhdGE']),
    'aws:SourceArn': ('arn', [
        'arn:aws:lambda:us-west-2:444455556666:function:ingest',
        'arn:aws:sns:us-east-1:111122223333:topic',
        'arn:aws:s3:::example-bucket',
        'arn:aws:lambda:us-west-2:444455556666:function:ingest:prod']),
    'aws:PrincipalArn': ('arn', [
        'arn:aws:iam::111122223333:user/bob',
        'arn:aws:iam::111122223333:role/AppRole',
        'arn:aws:iam::444455556666:user/bob']),
    'aws:RequestedRegion': ('str', REGIONS),
    'aws:PrincipalTag/team': ('str', ['blue', 'red', 'green', 'Blue', '',
                                      'a*b']),
    'aws:RequestTag/project': ('str', ['gemini', 'apollo', 'mercury']),
    'aws:ResourceTag/env': ('str', ['staging', 'prod', 'dev']),
    'aws:PrincipalOrgID': ('str', ['o-abc123def4', 'o-zzz999yyy8']),
    'aws:SourceVpce': ('str', ['vpce-1a2b3c4d', 'vpce-9z8y7x6w']),
    'aws:UserAgent': ('str', ['console.amazonaws.com', 'Boto3/1.34.0']),
    'aws:username': ('str', ['alice', 'bob', 'mallory']),
    'aws:userid': ('str', ['AIDAEXAMPLECAROL', 'AROAEXAMPLEROLEID:build-42',
                           'AIDAJQABLZS4A3QDU576Q']),
    'aws:PrincipalAccount': ('str', [HOME, '999988887777']),
    'aws:PrincipalType': ('str', ['User', 'AssumedRole']),
    's3:prefix': ('str', ['home/alice/', 'home/bob/', '']),
    'kms:CallerAccount': ('str', [HOME, '444455556666']),
    'aws:TagKeys': ('mstr', ['team', 'cost-center', 'env', 'owner',
                             'Team']),
    'aws:CalledVia': ('mstr', ['athena.amazonaws.com',
                               'cloudformation.amazonaws.com',
                               'dynamodb.amazonaws.com']),
    'aws:PrincipalOrgPaths': ('mstr', ['o-abc123def4/r-ab12/ou-ab12-11111111/',
                                       'o-zzz999yyy8/r-zz99/']),
    'dynamodb:LeadingKeys': ('mstr', ['alice', 'bob', 'AIDAEXAMPLECAROL']),
    'kms:EncryptionContextKeys': ('mstr', ['dept', 'project', 'app']),
}

FAMILIES = {
    'str': ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase',
            'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
    'num': ['NumericEquals', 'NumericNotEquals', 'NumericLessThan',
            'NumericLessThanEquals', 'NumericGreaterThan',
            'NumericGreaterThanEquals'],
    'date': ['DateEquals', 'DateNotEquals', 'DateLessThan',
             'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
    'bool': ['Bool'],
    'bin': ['BinaryEquals'],
    'ip': ['IpAddress', 'NotIpAddress'],
    'arn': ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
}


def date_variant(r, v):
    """The same instant or a near one, in another format."""
    import datetime as dt
    if v.isdigit():
        t = int(v)
    else:
        t = int(dt.datetime.strptime(v[:19], '%Y-%m-%dT%H:%M:%S').replace(
            tzinfo=dt.timezone.utc).timestamp())
    t += r.choice([0, 0, 0, 1, -1, 86400, -86400, 3600])
    k = r.randrange(6)
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    if k == 0:
        return str(t)
    if k == 1:
        return d.strftime('%Y-%m-%dT%H:%M:%SZ')
    if k == 2:
        return d.strftime('%Y-%m-%dT%H:%M:%S.000Z')
    if k == 3:
        return (d + dt.timedelta(hours=2)).strftime('%Y-%m-%dT%H:%M:%S+02:00')
    if k == 4:
        return (d - dt.timedelta(hours=5)).strftime('%Y-%m-%dT%H:%M:%S-05:00')
    return r.choice([d.strftime('%Y-%m-%d'), d.strftime('%Y-%m-%dT%H:%M:%S'),
                     d.strftime('%Y-%m-%dT%H:%MZ'),
                     d.strftime('%Y-%m-%dT%H:%M:%S.5Z')])


def num_variant(r, v):
    try:
        x = float(v)
    except ValueError:
        return v
    x += r.choice([0, 0, 1, -1, 0.5, -0.5, 100, -100])
    k = r.randrange(5)
    if k == 0 and x.is_integer():
        return str(int(x))
    if k == 1:
        return repr(x)
    if k == 2 and x.is_integer():
        return '%d.0' % x
    return r.choice([str(int(x)) if x.is_integer() else repr(x), '%g' % x,
                     '%.2f' % x, '0%g' % x if x >= 0 else '%g' % x])


def str_variant(r, v, op):
    k = r.randrange(9)
    if k == 0:
        return v
    if k == 1:
        return scramble_case(r, v)
    if k == 2 and v:
        return v[:r.randrange(len(v))] + '*'
    if k == 3 and v:
        return qmark(r, v)
    if k == 4:
        return r.choice(VARS)
    if k == 5:
        return '*'
    if k == 6 and v:
        return '*' + v[-2:]
    if k == 7:
        return v + '${*}'
    return v + 'x'


def arn_variant(r, v):
    if not v.startswith('arn:'):
        return r.choice(['*', 'arn:*'])
    segs = v.split(':', 5)
    k = r.randrange(8)
    if k == 0:
        return v
    if k == 1:
        return ':'.join(segs[:5]) + ':*'
    if k == 2:
        return ':'.join(segs[:3]) + ':*'
    if k == 3:
        return ':'.join(segs[:3] + ['*', '*', segs[5]])
    if k == 4:
        return qmark(r, v, 10)
    if k == 5:
        return ':'.join(segs[:4] + ['999988887777', segs[5]])
    if k == 6:
        return ':'.join(segs[:5]) + ':' + segs[5].split('/')[0] + '/*'
    return r.choice(['arn:aws:iam::${aws:PrincipalAccount}:user/*',
                     'arn:aws:iam::111122223333:*', '*',
                     'arn:aws:lambda:*:*:function:*',
                     'arn:aws:iam::111122223333:user/${aws:username}'])


def policy_values(r, typ, pool, op):
    base = r.choice(pool)
    n = r.choice([1, 1, 1, 2, 3])
    out = []
    for _ in range(n):
        if op == 'Null':
            out.append(r.choice(['true', 'false', 'true', 'false', 'True']))
        elif op in ('IpAddress', 'NotIpAddress'):
            out.append(r.choice(CIDRS))
        elif op.startswith('Date'):
            out.append(date_variant(r, r.choice(DATES)))
        elif op.startswith('Numeric'):
            out.append(num_variant(r, r.choice(NUMS)))
        elif op == 'Bool':
            out.append(r.choice(['true', 'false', 'True', 'FALSE']))
        elif op == 'BinaryEquals':
            out.append(r.choice(BINS))
        elif op.startswith('Arn'):
            out.append(arn_variant(r, r.choice(pool) if typ == 'arn'
                                   else 'arn:aws:iam::111122223333:user/bob'))
        else:
            out.append(str_variant(r, r.choice(pool) if pool else base, op))
    if len(out) == 1 and r.random() < 0.4:
        v = out[0]
        if op == 'Bool' and r.random() < 0.3:
            return v.lower() == 'true'
        if (typ == 'num' or op.startswith('Numeric')) and r.random() < 0.3:
            try:
                return int(v)
            except ValueError:
                return v
        return v
    return out


def condition(r, ctxkeys):
    cond = {}
    for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
        if ctxkeys and r.random() < 0.75:
            key = r.choice(ctxkeys)
        else:
            key = r.choice(list(KEYS))
        typ, pool = KEYS[[k for k in KEYS if k.lower() == key.lower()][0]]
        if r.random() < 0.12:
            op = 'Null'
        elif typ == 'mstr' or r.random() < 0.06:
            fam = 'str' if typ in ('mstr', 'str') or r.random() < 0.5 else typ
            if r.random() < 0.2:
                fam = r.choice([f for f in FAMILIES if f != 'arn'])
            op = r.choice(FAMILIES[fam])
            if r.random() < 0.9:
                op = r.choice(['ForAllValues:', 'ForAnyValue:']) + op
        else:
            fam = typ if r.random() < 0.92 else r.choice(list(FAMILIES))
            if fam == 'arn' and typ != 'arn':
                fam = 'str'  # ARN operators on non-ARN values: undocumented
            op = r.choice(FAMILIES[fam])
        if op != 'Null' and r.random() < 0.2:
            op += 'IfExists'
        if r.random() < 0.05:
            key = scramble_case(r, key)
        vals = policy_values(r, typ, pool, op.split(':')[-1].replace(
            'IfExists', ''))
        blk = cond.setdefault(op, {})
        if key.lower() not in [k.lower() for k in blk]:
            blk[key] = vals
    return cond


def context(r, pr_kind):
    ctx = {}
    for key in r.sample(list(KEYS), r.randrange(0, 7)):
        typ, pool = KEYS[key]
        if typ == 'mstr':
            ctx[key] = r.sample(pool, r.randrange(0, min(3, len(pool)) + 1))
        else:
            v = r.choice(pool)
            if typ == 'date' and r.random() < 0.15:
                v = date_variant(r, v)
            ctx[key] = v
        if r.random() < 0.04:
            ctx[scramble_case(r, key)] = ctx.pop(key)
    return ctx


# ------------------------------------------------------------------ cases

def principal(r):
    k = r.random()
    if k < 0.58:
        return 'arn:aws:iam::%s:user/%s' % (HOME, r.choice(USERS))
    if k < 0.97:
        return 'arn:aws:sts::%s:assumed-role/%s/%s' % (
            HOME, r.choice(list(ROLES)), r.choice(SESSIONS))
    # (a role ARN never makes a request itself: its sessions do)
    return 'arn:aws:iam::%s:root' % HOME


def principal_value(r, pr):
    k = r.randrange(14)
    acct = pr.split(':')[4]
    if k == 0:
        return r.choice(['*', {'Service': 'ec2.amazonaws.com'},
                         {'AWS': '*', 'Service': 's3.amazonaws.com'}])
    if k == 1:
        return {'AWS': '*'}
    if k in (2, 3):
        return {'AWS': 'arn:aws:iam::%s:root' % r.choice([acct, acct] + OTHERS)}
    if k == 4:
        return {'AWS': r.choice([acct] + OTHERS)}
    if k in (5, 6):
        return {'AWS': pr}
    if k == 7 and ':assumed-role/' in pr:
        role = pr.split('/')[1]
        return {'AWS': 'arn:aws:iam::%s:role/%s' % (acct, ROLES.get(role, role))}
    if k == 8:
        return {'AWS': 'arn:aws:iam::%s:role/%s' % (
            acct, r.choice(list(ROLES.values()) + ['OtherRole']))}
    if k == 9:
        return {'AWS': 'arn:aws:iam::%s:user/%s' % (
            acct, r.choice(USERS + ['mallory']))}
    if k == 10:
        return {'AWS': 'arn:aws:sts::%s:assumed-role/%s/%s' % (
            acct, r.choice(list(ROLES)), r.choice(SESSIONS))}
    vals = set()
    for _ in range(r.choice([2, 3])):
        v = principal_value(r, pr)
        if isinstance(v, dict) and isinstance(v.get('AWS'), str) and v['AWS'] != '*':
            vals.add(v['AWS'])
    return {'AWS': sorted(vals) or '*'}


def notprincipal_value(r, pr):
    # As in sample.jsonl: every identity the caller is checked as (account,
    # user; or account, role and session) is listed, or none is.  Listing
    # only some is left out: AWS says such a policy "might" deny (E4).
    acct = pr.split(':')[4]
    mine = [pr, r.choice(['arn:aws:iam::%s:root' % acct, acct])]
    if ':assumed-role/' in pr:
        role = pr.split('/')[1]
        mine.append('arn:aws:iam::%s:role/%s' % (acct, ROLES.get(role, role)))
    foreign = ['arn:aws:iam::777788889999:root',
               'arn:aws:iam::777788889999:user/admin',
               'arn:aws:iam::%s:user/mallory' % acct]
    if r.random() < 0.5:
        vals = mine + r.sample(foreign, r.randrange(0, 2))
    else:
        vals = r.sample(foreign, r.randrange(1, 3))
    r.shuffle(vals)
    return {'AWS': vals}


def statement(r, req, ctxkeys, kind):
    st = {'Effect': 'Deny' if r.random() < 0.3 else 'Allow'}
    if r.random() < 0.2:
        st['Sid'] = '%s%d' % (st['Effect'], r.randrange(10000))
    if kind == 'resource':
        if st['Effect'] == 'Deny' and r.random() < 0.15:
            st['NotPrincipal'] = notprincipal_value(r, req['principal'])
        else:
            st['Principal'] = principal_value(r, req['principal'])
    action = req['action']
    if r.random() < 0.02:
        action = scramble_case(r, action)
    if r.random() < 0.8:
        st['Action'] = actions_elem(r, req['action'])
    else:
        st['NotAction'] = actions_elem(r, req['action'])
    racct = req.get('resourceAccount', HOME)
    if kind == 'resource' and r.random() < 0.1:
        pass  # no Resource: the resource the policy is attached to
    elif r.random() < 0.8:
        st['Resource'] = resources_elem(r, req['resource'], racct)
    else:
        st['NotResource'] = resources_elem(r, req['resource'], racct)
    if r.random() < 0.45:
        st['Condition'] = condition(r, ctxkeys)
    return st


def noise_statement(r, req, kind):
    svc = r.choice(list(SERVICES))
    st = {'Effect': r.choice(['Allow', 'Deny'])}
    if kind == 'resource':
        st['Principal'] = principal_value(r, req['principal'])
    st['Action'] = [svc + ':' + r.choice(SERVICES[svc]), svc + ':Describe*']
    st['Resource'] = r.choice(['*', resource_for(r, svc, HOME)])
    return st


def policy(r, req, ctxkeys, kind):
    sts = []
    for _ in range(r.choice([1, 1, 2, 2, 3])):
        if r.random() < 0.15:
            sts.append(noise_statement(r, req, kind))
        else:
            sts.append(statement(r, req, ctxkeys, kind))
    if kind in ('boundary', 'session') and r.random() < 0.6:
        for s in sts:
            if r.random() < 0.7:
                s['Effect'] = 'Allow'
    ver = '2012-10-17'
    x = r.random()
    if x < 0.04:
        ver = '2008-10-17'
    elif x < 0.08:
        ver = None
    p = {}
    if ver:
        p['Version'] = ver
    if r.random() < 0.1:
        p['Id'] = 'policy-%d' % r.randrange(1000)
    p['Statement'] = sts[0] if len(sts) == 1 and r.random() < 0.3 else sts
    if r.random() < 0.05:
        return json.dumps(p, separators=(',', ':'))
    return p


def case(r, cid):
    pr = principal(r)
    svc = r.choice(list(SERVICES))
    action = svc + ':' + r.choice(SERVICES[svc])
    x = r.random()
    acct = HOME if x < 0.6 else r.choice(OTHERS)
    res = resource_for(r, svc, acct)
    if svc == 'ec2' and 'Describe' in action or r.random() < 0.04:
        res = '*'
    req = {'principal': pr, 'action': action, 'resource': res}
    if svc in ('s3',) or r.random() < 0.3:
        req['resourceAccount'] = acct
        if r.random() < 0.05:
            req['resourceAccount'] = r.choice([HOME] + OTHERS)
    if r.random() < 0.05:
        req['action'] = scramble_case(r, action)
    ctx = context(r, pr)
    if ctx:
        req['context'] = ctx
    ctxkeys = list(ctx)
    c = {'id': cid, 'request': req}
    c['identityPolicies'] = [policy(r, req, ctxkeys, 'identity')
                             for _ in range(r.choice([0, 1, 1, 1, 2, 2, 3]))]
    if r.random() < 0.45:
        c['resourcePolicy'] = policy(r, req, ctxkeys, 'resource')
    if r.random() < 0.22:
        c['permissionsBoundary'] = policy(r, req, ctxkeys, 'boundary')
    if ':assumed-role/' in pr and r.random() < 0.35:
        c['sessionPolicy'] = policy(r, req, ctxkeys, 'session')
    return c


def main(argv):
    seed, count, prefix = 1, 1000, 'gen'
    i = 1
    while i < len(argv):
        if argv[i] == '--seed':
            seed = int(argv[i + 1])
        elif argv[i] == '--count':
            count = int(argv[i + 1])
        elif argv[i] == '--prefix':
            prefix = argv[i + 1]
        i += 2
    r = random.Random(seed)
    for n in range(count):
        print(json.dumps(case(r, '%s-%d-%05d' % (prefix, seed, n))))


if __name__ == '__main__':
    main(sys.argv)
