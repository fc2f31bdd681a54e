#!/usr/bin/python3
"""Differential test of iamctl's JMESPath engine (tests/unit/jmespath_run)
against python3-jmespath, the library the AWS CLI uses, and of iamctl's
text output against awscli.text.format_text.

Random documents shaped like IAM answers (Users/Roles/Policies with Tags,
ARNs, dates, numbers, nulls, booleans) and random expressions from the
whole grammar; each pair must give the same JSON (same order, int and
float apart) or both an error, with python-jmespath's message. Usage: jmespath_diff.py RUNNER [N] [SEED]
"""
import io
import json
import random
import subprocess
import sys

import jmespath

try:
    from awscli import text as awstext
except ImportError:
    awstext = None

NAMES = ['Users', 'Roles', 'Policies', 'Tags', 'UserName', 'RoleName', 'Arn',
         'Path', 'CreateDate', 'Key', 'Value', 'Count', 'Enabled', 'Score',
         'Description', 'MaxSessionDuration', 'IsTruncated', 'Marker', 'a',
         'b', 'PolicyName', 'AttachmentCount', 'Empty']
FUNCS1 = ['length', 'keys', 'values', 'sort', 'max', 'min', 'sum', 'avg',
          'to_string', 'to_number', 'type', 'reverse', 'abs', 'ceil', 'floor',
          'to_array', 'not_null']
FUNCS2 = ['starts_with', 'ends_with', 'contains', 'join', 'merge', 'not_null']
BYFUNCS = ['sort_by', 'max_by', 'min_by']


def rstr(r):
    return r.choice(['alice', 'bob', 'app-web', 'app-db', 'ops', '', 'Alice',
                     'b\u00e9b\u00e9', 'x y', '/', '/eng/', 'team', 'dev',
                     'prod', '2026-01-02T03:04:05Z', 'arn:aws:iam::123456789012:user/alice'])


def rscalar(r):
    k = r.randrange(9)
    if k == 0:
        return None
    if k == 1:
        return r.choice([True, False])
    if k == 2:
        return r.randrange(-5, 4000)
    if k == 3:
        return r.choice([0.5, 1.25, -3.0, 2.0, 3600.0, 0.1, 1e-05, 1e+16])
    return rstr(r)


def rtags(r):
    return [{'Key': r.choice(['team', 'env', 'owner', 'cost']), 'Value': rstr(r)}
            for _ in range(r.randrange(4))]


def rentity(r, kind):
    name = rstr(r)
    e = {kind + 'Name': name, 'Arn': 'arn:aws:iam::123456789012:%s/%s' % (kind.lower(), name),
         'Path': r.choice(['/', '/eng/', '/ops/']),
         'CreateDate': r.choice(['2026-01-02T03:04:05Z', '2025-12-31T23:59:59Z'])}
    for key in ['Tags', 'Count', 'Enabled', 'Score', 'Description',
                'MaxSessionDuration', 'AttachmentCount', 'a', 'b', 'Empty']:
        if r.random() < 0.45:
            if key == 'Tags':
                e[key] = rtags(r)
            elif key == 'Empty':
                e[key] = r.choice([[], {}, '', None])
            elif key in ('a', 'b'):
                e[key] = rvalue(r, 2)
            else:
                e[key] = rscalar(r)
    return e


def rvalue(r, depth):
    if depth <= 0 or r.random() < 0.4:
        return rscalar(r)
    if r.random() < 0.5:
        return [rvalue(r, depth - 1) for _ in range(r.randrange(4))]
    return {r.choice(NAMES): rvalue(r, depth - 1) for _ in range(r.randrange(4))}


def rdoc(r):
    d = {}
    for kind, key in (('User', 'Users'), ('Role', 'Roles'), ('Policy', 'Policies')):
        if r.random() < 0.7:
            d[key] = [rentity(r, kind) for _ in range(r.randrange(5))]
    if r.random() < 0.5:
        d['IsTruncated'] = r.choice([True, False])
    if r.random() < 0.3:
        d['Marker'] = rstr(r)
    if r.random() < 0.3:
        d['a'] = rvalue(r, 3)
    if r.random() < 0.1:
        return rvalue(r, 3)
    return d


def rlit(r):
    k = r.randrange(6)
    if k == 0:
        return "'%s'" % rstr(r).replace("'", "")
    if k == 1:
        return '`%s`' % json.dumps(rscalar(r))
    if k == 2:
        return '`%s`' % json.dumps(rvalue(r, 2))
    return '`%d`' % r.randrange(-3, 5)


def rident(r):
    n = r.choice(NAMES)
    return '"%s"' % n if r.random() < 0.1 else n


def rexpr(r, depth):
    """An expression; depth bounds the nesting."""
    if depth <= 0:
        return r.choice([rident(r), rident(r), '@', rlit(r)])
    k = r.randrange(24)
    e = lambda: rexpr(r, depth - 1)
    if k < 3:
        return rident(r)
    if k == 3:
        return '%s.%s' % (e(), rident(r))
    if k == 4:
        return '%s[%d]' % (e(), r.randrange(-3, 4))
    if k == 5:
        parts = [str(r.randrange(-4, 5)) if r.random() < 0.6 else '' for _ in range(3)]
        if parts[2] == '0':
            parts[2] = '1'
        return '%s[%s]' % (e(), ':'.join(parts[:r.choice([2, 3])]))
    if k == 6:
        return '%s[*].%s' % (e(), rident(r))
    if k == 7:
        return '%s.*' % e() if r.random() < 0.5 else '%s.*.%s' % (e(), rident(r))
    if k == 8:
        return '%s[]' % e() if r.random() < 0.5 else '%s[].%s' % (e(), rident(r))
    if k == 9:
        op = r.choice(['==', '!=', '<', '<=', '>', '>='])
        return '%s[?%s %s %s]' % (e(), rexpr(r, 1), op, r.choice([rlit(r), rident(r)]))
    if k == 10:
        return '%s[?%s]%s' % (e(), e(), r.choice(['', '.' + rident(r), '[0]', '[]']))
    if k == 11:
        return '%s %s %s' % (e(), r.choice(['&&', '||']), e())
    if k == 12:
        return '!%s' % e()
    if k == 13:
        return '(%s)' % e()
    if k == 14:
        return '[%s]' % ', '.join(e() for _ in range(r.randrange(1, 4)))
    if k == 15:
        return '{%s}' % ', '.join('%s: %s' % (rident(r), e()) for _ in range(r.randrange(1, 4)))
    if k == 16:
        return '%s | %s' % (e(), e())
    if k == 17:
        return '%s(%s)' % (r.choice(FUNCS1), e())
    if k == 18:
        return '%s(%s, %s)' % (r.choice(FUNCS2), e(), e())
    if k == 19:
        return '%s(%s, &%s)' % (r.choice(BYFUNCS), e(), e())
    if k == 20:
        return 'map(&%s, %s)' % (e(), e())
    if k == 21:
        return '%s %s %s' % (e(), r.choice(['==', '!=', '<', '<=', '>', '>=']), e())
    if k == 22:
        return r.choice(['Users[?starts_with(UserName, `app`)].Arn',
                         'Roles[].[RoleName, Arn]', 'Users[].Tags[?Key==`team`].Value[]',
                         'length(Users[?Enabled])', 'sort_by(Users, &UserName)[].UserName',
                         'Policies[?AttachmentCount > `0`].PolicyName | sort(@)',
                         'join(`, `, Users[].UserName)', 'Users[0]', 'Users[-1].Arn',
                         'max_by(Roles, &MaxSessionDuration).RoleName',
                         "Users[?Path=='/eng/'] | length(@)", 'keys(@)', '*[].Arn',
                         'Users[*].{N: UserName, T: Tags[0].Value}', '@.Users[:2]'])
    # a broken expression now and then
    return r.choice(['%s[' % e(), '%s.' % e(), '%s ==' % e(), '(%s' % e(), '%s]' % e(),
                     'foo(%s)' % e(), '%s(@)' % r.choice(FUNCS2), '`{bad`', '%s[?]' % e(),
                     "'%s" % rident(r), '%s &&' % e(), '{a %s}' % e(), '[?%s' % e(),
                     '%s.[%s]' % (e(), e()), '%s[1:2:0]' % e(), '%s.%d' % (e(), r.randrange(9))])


def canon(v):
    return json.dumps(v, ensure_ascii=False)


def main():
    runner = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261130
    r = random.Random(seed)
    cases = []
    for _ in range(n):
        cases.append((rexpr(r, r.randrange(1, 5)), rdoc(r)))
    lines = ''.join(json.dumps({'e': e, 'd': d}) + '\n' for e, d in cases)
    out = subprocess.run([runner], input=lines.encode(), stdout=subprocess.PIPE,
                         check=True).stdout.decode().splitlines()
    tout = None
    if awstext:
        tout = subprocess.run([runner, '--text'], input=lines.encode(),
                              stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
    bad = 0
    stats = {'ok': 0, 'err': 0, 'text': 0, 'msgs': 0}
    print('1..%d' % (n + 1))
    for i, (e, d) in enumerate(cases):
        mine = json.loads(out[i])
        try:
            ref = ('ok', jmespath.search(e, d))
        except Exception as ex:   # any error: the AWS CLI fails too
            ref = ('err', str(ex))
            # jmespath's own errors: the AWS CLI prints them, so the same
            # words (Python's TypeError/ValueError texts are not compared)
            if isinstance(ex, jmespath.exceptions.JMESPathError):
                stats['msgs'] += 1
                if mine.get('err') not in (None, str(ex)):
                    ref = ('message', str(ex))
        if 'ok' in mine and ref[0] == 'ok':
            same = canon(mine['ok']) == canon(ref[1])
        else:
            same = ('err' in mine) == (ref[0] == 'err')
        if same and tout is not None and ref[0] == 'ok':
            buf = io.StringIO()
            try:
                awstext.format_text(ref[1], buf)
                t_ok = json.loads(tout[i]).get('t') == buf.getvalue()
                stats['text'] += 1
            except Exception:
                t_ok = True
            if not t_ok:
                same = False
                ref = ('text', buf.getvalue(), json.loads(tout[i]).get('t'))
        stats[{'text': 'ok', 'message': 'err'}.get(ref[0], ref[0])] += 1
        if same:
            print('ok %d - %s' % (i + 1, e.replace('\n', ' ')))
        else:
            bad += 1
            print('not ok %d - %s' % (i + 1, e.replace('\n', ' ')))
            print('# doc: %s' % json.dumps(d)[:600])
            print('# iamctl: %s' % out[i][:600])
            print('# jmespath: %s' % json.dumps(ref)[:600])
    print('%s %d - %d pairs, %d disagreements (%d results, %d errors of which %d messages '
          'compared, %d text outputs compared)'
          % ('ok' if bad == 0 else 'not ok', n + 1, n, bad, stats['ok'], stats['err'],
             stats['msgs'], stats['text']))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
