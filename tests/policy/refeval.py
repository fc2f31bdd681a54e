#!/usr/bin/env python3
"""refeval.py - an independent reference evaluator of AWS IAM policies.

Written from the AWS IAM User Guide, not from iamd's C code, to test
lib/policy by differential testing (tests/policy/differential.sh).  It reads
cases in the shared format (/work/shared/spec/policy-eval-cases.md) - JSON
Lines or a JSON array - and prints one {"id", "decision"} object per case.

    refeval.py [--check] CASES...     ("-" reads stdin)

--check compares each decision with the case's "expect" and prints the ones
that differ (exit status 1 if any).

Pages relied on (docs.aws.amazon.com/IAM/latest/UserGuide/...):
  E1 reference_policies_evaluation-logic.html and
     reference_policies_evaluation-logic_policy-eval-denyallow.html:
     explicit deny in any policy wins; an allow is needed; default deny.
  E2 reference_policies_evaluation-logic_policy-eval-basics.html and
     access_policies_boundaries.html: within one account a resource-based
     policy that names the IAM user ARN or the role-session ARN grants on its
     own (not limited by an implicit deny in a boundary or session policy);
     one that names the role ARN is added to the role's identity permissions
     and is limited by the boundary and the session policy; one that names
     the account delegates to the account's identity-based policies.
  E3 reference_policies_evaluation-logic-cross-account.html: across
     accounts the identity side (identity policies, boundary, session
     policy) and the resource-based policy must both allow.
  E4 reference_policies_elements_notprincipal.html: a Deny with NotPrincipal
     always denies a principal with a permissions boundary; an assumed-role
     session is checked as the account, the role and the session, so each
     must be listed to be exempt.
  R1 reference_policies_elements_resource.html: wildcards (* ?) within the
     colon-separated segments of an ARN; a * that is the last character of a
     segment can expand across colons; resources are case-sensitive.
  A1 reference_policies_elements_action.html: actions case-insensitive,
     * and ? wildcards.
  C1 reference_policies_elements_condition_operators.html: operator
     families; negated operators are true on a missing key; ...IfExists;
     Null; ArnEquals/ArnLike compare the six segments each with wildcards.
  C2 reference_policies_condition-logic-multiple-context-keys-or-values.html:
     operators and keys AND, values OR (NOR for negated operators).
  C3 reference_policies_condition-single-vs-multi-valued-context-keys.html:
     ForAllValues true on an empty or missing key; ForAnyValue false.
  V1 reference_policies_variables.html: ${key}, ${key, 'default'},
     ${*} ${?} ${$}; only under Version 2012-10-17; a variable whose key is
     missing (or multivalued) makes that Resource/Condition value match
     nothing; without a Version element variables are literal text.
  K1 reference_policies_condition-keys.html: aws:PrincipalArn (a session's
     is its role's ARN), aws:PrincipalAccount, aws:PrincipalType,
     aws:username (IAM users only).
"""
import base64
import ipaddress
import json
import re
import sys
from datetime import datetime, timezone

# ---------------------------------------------------------------- matching


def glob_re(pat, ignore_case=False, colon_bounded=False):
    """Regex for a * ? pattern.  colon_bounded: * and ? stay inside a
    colon-separated segment except a * that ends a segment (R1)."""
    out = []
    n = len(pat)
    for i, ch in enumerate(pat):
        if ch == '*':
            if colon_bounded and not (i + 1 == n or pat[i + 1] == ':'):
                out.append('[^:]*')
            else:
                out.append('.*')
        elif ch == '?':
            out.append('[^:]' if colon_bounded else '.')
        else:
            out.append(re.escape(ch))
    return re.compile('\\A' + ''.join(out) + '\\Z',
                      re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob(pat, s, ignore_case=False):
    return glob_re(pat, ignore_case).match(s) is not None


def arn_segments(s):
    return s.split(':', 5)


def resource_match(pat, res):
    """Resource/NotResource element (R1)."""
    if pat == '*':
        return True
    if res == '*':
        return False
    ps = arn_segments(pat)
    rs = arn_segments(res)
    if len(ps) == 6 and len(rs) == 6:
        return all(glob(p, r) for p, r in zip(ps, rs))
    # fewer segments in the pattern: a trailing * of a segment spans colons
    return glob_re(pat, colon_bounded=True).match(res) is not None


def arn_like(pat, val):
    """ArnEquals/ArnLike (C1): six segments compared one by one, each with
    wildcards, case-sensitive."""
    ps = arn_segments(pat)
    vs = arn_segments(val)
    if len(vs) != 6 or not val.startswith('arn:'):
        return False
    if len(ps) != 6:
        return resource_match(pat, val)
    return all(glob(p, v) for p, v in zip(ps, vs))


def action_match(pat, action):
    return glob(pat, action, ignore_case=True)


# --------------------------------------------------------------- variables

class Missing(Exception):
    pass


VAR_RE = re.compile(r"\$\{([^}]*)\}")


def substitute(text, ctx, enabled, lit=False):
    """Replace policy variables (V1).  Raises Missing when a variable has no
    value and no default.  lit: escape the result for glob matching (the
    variable values and ${*} ${?} are literal characters)."""
    if not enabled or '${' not in text:
        return glob_escape_none(text, lit)
    out = []
    pos = 0
    for m in VAR_RE.finditer(text):
        out.append(('L', text[pos:m.start()]))
        body = m.group(1)
        pos = m.end()
        b = body.strip()
        if b in ('*', '?', '$'):
            out.append(('V', b))
            continue
        default = None
        dm = re.match(r"^\s*([^,\s]+)\s*,\s*'(.*)'\s*$", body)
        if dm:
            key, default = dm.group(1), dm.group(2)
        else:
            key = b
        v = ctx.get(key.lower())
        if v is None or isinstance(v, list):
            if default is None:
                raise Missing(key)
            out.append(('V', default))
        else:
            out.append(('V', v))
    out.append(('L', text[pos:]))
    if not lit:
        return ''.join(s for _, s in out)
    return ''.join(s if k == 'L' else ESC_OPEN + s + ESC_CLOSE for k, s in out)


# Literal runs inside a glob pattern are marked with two private-use
# characters so * and ? from variable values are not wildcards.
ESC_OPEN = '\ue000'
ESC_CLOSE = '\ue001'


def glob_escape_none(text, lit):
    return text


def lit_glob_re(pat, ignore_case=False, colon_bounded=False):
    out = []
    inlit = False
    n = len(pat)
    for i, ch in enumerate(pat):
        if ch == ESC_OPEN:
            inlit = True
        elif ch == ESC_CLOSE:
            inlit = False
        elif inlit:
            out.append(re.escape(ch))
        elif ch == '*':
            if colon_bounded and not (i + 1 == n or pat[i + 1] == ':'):
                out.append('[^:]*')
            else:
                out.append('.*')
        elif ch == '?':
            out.append('[^:]' if colon_bounded else '.')
        else:
            out.append(re.escape(ch))
    return re.compile('\\A' + ''.join(out) + '\\Z',
                      re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def strip_lit(s):
    return s.replace(ESC_OPEN, '').replace(ESC_CLOSE, '')


def lit_segments(pat):
    """Split a marked pattern on colons outside literal runs, max 6 parts."""
    parts = ['']
    inlit = False
    for ch in pat:
        if ch == ESC_OPEN:
            inlit = True
        elif ch == ESC_CLOSE:
            inlit = False
        if ch == ':' and not inlit and len(parts) < 6:
            parts.append('')
        else:
            parts[-1] += ch
    return parts


def resource_match_lit(pat, res):
    if pat == '*':
        return True
    if res == '*':
        return strip_lit(pat) == '*' and ESC_OPEN not in pat
    ps = lit_segments(pat)
    rs = arn_segments(res)
    if len(ps) == 6 and len(rs) == 6:
        return all(lit_glob_re(p).match(r) is not None for p, r in zip(ps, rs))
    return lit_glob_re(pat, colon_bounded=True).match(res) is not None


# --------------------------------------------------------------- principal

class Principal:
    def __init__(self, arn):
        self.arn = arn
        p = arn.split(':', 5)
        self.account = p[4] if len(p) == 6 else ''
        rest = p[5] if len(p) == 6 else ''
        self.kind = 'other'
        self.role_name = None
        self.role_arn = None
        self.name = None
        if len(p) == 6 and p[2] == 'iam' and rest == 'root':
            self.kind = 'root'
        elif len(p) == 6 and p[2] == 'iam' and rest.startswith('user/'):
            self.kind = 'user'
            self.name = rest.split('/')[-1]
        elif len(p) == 6 and p[2] == 'iam' and rest.startswith('role/'):
            self.kind = 'role'
            self.role_name = rest.split('/')[-1]
            self.role_arn = arn
        elif len(p) == 6 and p[2] == 'sts' and rest.startswith('assumed-role/'):
            self.kind = 'session'
            parts = rest.split('/')
            self.role_name = parts[1] if len(parts) > 1 else ''
            self.role_arn = 'arn:%s:iam::%s:role/%s' % (p[1], self.account,
                                                        self.role_name)
        elif len(p) == 6 and p[2] == 'sts' and rest.startswith('federated-user/'):
            self.kind = 'federated'
        self.partition = p[1] if len(p) > 1 else 'aws'

    def derived_keys(self):
        """K1: keys AWS puts in the request context for this principal."""
        d = {'aws:principalaccount': self.account}
        if self.kind == 'session':
            d['aws:principalarn'] = self.role_arn
            d['aws:principaltype'] = 'AssumedRole'
        elif self.kind == 'user':
            d['aws:principalarn'] = self.arn
            d['aws:principaltype'] = 'User'
            d['aws:username'] = self.name
        elif self.kind == 'root':
            d['aws:principalarn'] = self.arn
            d['aws:principaltype'] = 'Account'
        elif self.kind == 'federated':
            d['aws:principalarn'] = self.arn
            d['aws:principaltype'] = 'FederatedUser'
        else:
            d['aws:principalarn'] = self.arn
        return d


def principal_entry_match(entry, pr):
    """How one Principal value names the caller: None (not at all),
    'any' (*), 'account', 'user', 'role', 'session', 'root'."""
    if entry == '*':
        return 'any'
    if re.fullmatch(r'\d{12}', entry):
        return 'account' if entry == pr.account else None
    p = entry.split(':', 5)
    if len(p) != 6 or p[0] != 'arn':
        return None
    acct, rest = p[4], p[5]
    if p[2] == 'iam' and rest == 'root':
        return 'account' if acct == pr.account else None
    if acct != pr.account:
        return None
    if p[2] == 'iam' and rest.startswith('user/') and pr.kind == 'user':
        return 'user' if entry == pr.arn else None
    if p[2] == 'iam' and rest.startswith('role/'):
        # a role ARN (with its path) names every session of the role (E2)
        if pr.kind in ('session', 'role') and rest.split('/')[-1] == pr.role_name:
            return 'role'
        return None
    if p[2] == 'sts' and rest.startswith('assumed-role/') and pr.kind == 'session':
        return 'session' if entry == pr.arn else None
    if entry == pr.arn:
        return 'user'
    return None


def principal_values(elem):
    """All values of a Principal/NotPrincipal element (AWS only matters)."""
    if elem == '*':
        return ['*']
    vals = []
    if isinstance(elem, dict):
        for k, v in elem.items():
            if k == 'AWS':
                vals.extend(v if isinstance(v, list) else [v])
    return vals


# -------------------------------------------------------------- conditions

NEGATED = {'StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike',
           'NumericNotEquals', 'DateNotEquals', 'NotIpAddress',
           'ArnNotEquals', 'ArnNotLike'}


def as_str(v):
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_num(s):
    try:
        if not re.fullmatch(r'\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*', s):
            return None
        return float(s)
    except ValueError:
        return None


DATE_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?'
    r'(Z|[+-]\d{2}:?\d{2})?)?$')


def parse_date(s):
    s = s.strip()
    if re.fullmatch(r'-?\d+', s):
        return float(int(s))
    m = DATE_RE.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0),
                      int(ss or 0), tzinfo=timezone.utc)
    except ValueError:
        return None
    t = dt.timestamp() + (float(frac) if frac else 0.0)
    if tz and tz != 'Z':
        sign = 1 if tz[0] == '+' else -1
        z = tz[1:].replace(':', '')
        t -= sign * (int(z[:2]) * 3600 + int(z[2:]) * 60)
    return t


def parse_ip(s):
    try:
        return ipaddress.ip_network(s.strip(), strict=False)
    except ValueError:
        return None


def b64(s):
    try:
        return base64.b64decode(s, validate=True)
    except Exception:
        return None


def base_match(base, ctxv, polv):
    """One request value against one (substituted) policy value for the
    positive form of an operator family."""
    if base in ('StringEquals', 'StringNotEquals'):
        return ctxv == strip_lit(polv)
    if base in ('StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'):
        return ctxv.lower() == strip_lit(polv).lower()
    if base in ('StringLike', 'StringNotLike'):
        return lit_glob_re(polv).match(ctxv) is not None
    polv = strip_lit(polv)
    if base.startswith('Numeric'):
        a, b = parse_num(ctxv), parse_num(polv)
        if a is None or b is None:
            return None
        return {'NumericEquals': a == b, 'NumericNotEquals': a == b,
                'NumericLessThan': a < b, 'NumericLessThanEquals': a <= b,
                'NumericGreaterThan': a > b,
                'NumericGreaterThanEquals': a >= b}[base]
    if base.startswith('Date'):
        a, b = parse_date(ctxv), parse_date(polv)
        if a is None or b is None:
            return None
        return {'DateEquals': a == b, 'DateNotEquals': a == b,
                'DateLessThan': a < b, 'DateLessThanEquals': a <= b,
                'DateGreaterThan': a > b, 'DateGreaterThanEquals': a >= b}[base]
    if base == 'Bool':
        return ctxv.lower() == polv.lower()
    if base == 'BinaryEquals':
        a, b = b64(ctxv), b64(polv)
        if a is None or b is None:
            return ctxv == polv
        return a == b
    if base in ('IpAddress', 'NotIpAddress'):
        net = parse_ip(polv)
        try:
            ip = ipaddress.ip_address(ctxv.strip())
        except ValueError:
            return None
        if net is None or ip.version != net.version:
            return False
        return ip in net
    if base in ('ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'):
        return arn_like(polv, ctxv)
    raise ValueError('unknown operator ' + base)


KNOWN = {'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase',
         'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
         'NumericEquals', 'NumericNotEquals', 'NumericLessThan',
         'NumericLessThanEquals', 'NumericGreaterThan',
         'NumericGreaterThanEquals', 'DateEquals', 'DateNotEquals',
         'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan',
         'DateGreaterThanEquals', 'Bool', 'BinaryEquals', 'IpAddress',
         'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike',
         'Null'}


def one_value_ok(base, negated, ctxv, polvals):
    """Single request value: OR over the policy values (C2), NOR when
    negated.  Unparseable values match nothing."""
    hits = [base_match(base, ctxv, p) for p in polvals]
    anyhit = any(h is True for h in hits)
    if negated:
        return not anyhit
    return anyhit


def cond_key(op, key, polvals_raw, ctx, vars_on):
    setop = None
    name = op
    if ':' in op:
        setop, name = op.split(':', 1)
    ifexists = False
    if name.endswith('IfExists') and name != 'IfExists':
        ifexists = True
        name = name[:-len('IfExists')]
    if name not in KNOWN:
        raise ValueError('unknown operator ' + op)
    negated = name in NEGATED
    raw = polvals_raw if isinstance(polvals_raw, list) else [polvals_raw]
    polvals = []
    for v in raw:
        s = as_str(v)
        try:
            polvals.append(substitute(s, ctx, vars_on, lit=True))
        except Missing:
            pass  # V1: the value matches nothing
    present = key.lower() in ctx
    cv = ctx.get(key.lower())
    if name == 'Null':
        # Null true: the key is absent; false: present (C1)
        isnull = cv is None or (isinstance(cv, list) and len(cv) == 0)
        return any(strip_lit(p).lower() == ('true' if isnull else 'false')
                   for p in polvals)
    if setop is None:
        if not present:
            return True if ifexists else negated
        vals = cv if isinstance(cv, list) else [cv]
        if not vals:
            return True if ifexists else negated
        if negated:
            return all(one_value_ok(name, True, v, polvals) for v in vals)
        return any(one_value_ok(name, False, v, polvals) for v in vals)
    if not present and ifexists:
        # C1 IfExists: "If the key is not present, evaluate the condition
        # element as true" - with a set operator too
        return True
    vals = cv if isinstance(cv, list) else ([] if cv is None else [cv])
    if setop == 'ForAllValues':
        return all(one_value_ok(name, negated, v, polvals) for v in vals)
    if setop == 'ForAnyValue':
        return any(one_value_ok(name, negated, v, polvals) for v in vals)
    raise ValueError('unknown set operator ' + setop)


def condition_ok(cond, ctx, vars_on):
    for op, block in cond.items():
        for key, vals in block.items():
            if not cond_key(op, key, vals, ctx, vars_on):
                return False
    return True


# --------------------------------------------------------------- policies

def as_list(v):
    return v if isinstance(v, list) else [v]


def load_policy(p):
    if p is None:
        return None
    if isinstance(p, str):
        p = json.loads(p)
    return p


def statements(pol):
    st = pol.get('Statement', [])
    return st if isinstance(st, list) else [st]


def stmt_applies(st, req, ctx, vars_on, implicit_resource=False):
    """Action, Resource and Condition (not Principal).  implicit_resource:
    a resource-based policy statement without Resource/NotResource (a role
    trust policy) applies to the resource it is attached to."""
    action = req['action']
    if 'Action' in st:
        if not any(action_match(a, action) for a in as_list(st['Action'])):
            return False
    elif 'NotAction' in st:
        if any(action_match(a, action) for a in as_list(st['NotAction'])):
            return False
    else:
        return False
    res = req['resource']

    def rmatch(pat):
        try:
            p = substitute(pat, ctx, vars_on, lit=True)
        except Missing:
            return False
        return resource_match_lit(p, res)
    if 'Resource' in st:
        if not any(rmatch(r) for r in as_list(st['Resource'])):
            return False
    elif 'NotResource' in st:
        if any(rmatch(r) for r in as_list(st['NotResource'])):
            return False
    elif not implicit_resource:
        return False
    if 'Condition' in st:
        if not condition_ok(st['Condition'], ctx, vars_on):
            return False
    return True


def vars_enabled(pol):
    return pol.get('Version') == '2012-10-17'


def eval_identity_like(pol, req, ctx):
    """(allowed, denied) for a policy without Principal elements."""
    allow = deny = False
    if pol is None:
        return allow, deny
    von = vars_enabled(pol)
    for st in statements(pol):
        if stmt_applies(st, req, ctx, von):
            if st.get('Effect') == 'Deny':
                deny = True
            elif st.get('Effect') == 'Allow':
                allow = True
    return allow, deny


def eval_resource(pol, req, ctx, pr, has_boundary):
    """(set of how allow statements name the caller, denied)."""
    kinds = set()
    deny = False
    if pol is None:
        return kinds, deny
    von = vars_enabled(pol)
    for st in statements(pol):
        eff = st.get('Effect')
        if 'Principal' in st:
            ms = [principal_entry_match(v, pr)
                  for v in principal_values(st['Principal'])]
            ms = [m for m in ms if m]
            if not ms:
                continue
        elif 'NotPrincipal' in st:
            if eff == 'Allow':
                continue  # unsupported with Allow (E4); grants nothing here
            ms = None
        else:
            continue
        if not stmt_applies(st, req, ctx, von, implicit_resource=True):
            continue
        if eff == 'Deny':
            if ms is not None:
                deny = True
            else:
                # E4: exempt only if every identity the caller is checked as
                # is listed: the account, the role and the session, or the
                # account and the user; always denied with a boundary.
                listed = [principal_entry_match(v, pr)
                          for v in principal_values(st['NotPrincipal'])]
                if has_boundary or not notprincipal_exempt(listed, pr):
                    deny = True
        elif eff == 'Allow':
            kinds.update(ms)
    return kinds, deny


def notprincipal_exempt(listed, pr):
    if 'any' in listed:
        return True
    if 'account' not in listed:
        return False
    if pr.kind == 'session':
        return 'role' in listed and 'session' in listed
    if pr.kind == 'user':
        return 'user' in listed
    if pr.kind == 'root':
        return True
    return 'user' in listed or 'role' in listed


def build_context(req, pr):
    ctx = {}
    for k, v in pr.derived_keys().items():
        ctx[k] = v
    for k, v in (req.get('context') or {}).items():
        if isinstance(v, list):
            ctx[k.lower()] = [as_str(x) for x in v]
        else:
            ctx[k.lower()] = as_str(v)
    return ctx


def evaluate(case):
    req = case['request']
    pr = Principal(req['principal'])
    ctx = build_context(req, pr)
    res = req['resource']
    racct = req.get('resourceAccount')
    if not racct:
        p = res.split(':', 5)
        racct = p[4] if len(p) == 6 and p[4] else pr.account
    cross = racct != pr.account

    idps = [load_policy(p) for p in case.get('identityPolicies') or []]
    rp = load_policy(case.get('resourcePolicy'))
    pb = load_policy(case.get('permissionsBoundary'))
    sp = load_policy(case.get('sessionPolicy'))

    id_allow = False
    deny = False
    for p in idps:
        a, d = eval_identity_like(p, req, ctx)
        id_allow |= a
        deny |= d
    b_allow, b_deny = eval_identity_like(pb, req, ctx)
    s_allow, s_deny = eval_identity_like(sp, req, ctx)
    r_kinds, r_deny = eval_resource(rp, req, ctx, pr, pb is not None)
    if b_deny or s_deny or r_deny:
        deny = True
    if deny:
        return 'ExplicitDeny'

    bound_ok = pb is None or b_allow
    sess_ok = sp is None or s_allow
    if cross:
        # E3: identity side and resource side must both allow
        ident = id_allow and bound_ok and sess_ok
        if ident and r_kinds:
            return 'Allow'
        return 'ImplicitDeny'
    if pr.kind == 'root':
        return 'Allow'  # E1: the root user has full access in its account
    # E2: grants to the user ARN, the session ARN or * stand on their own
    if r_kinds & {'user', 'session', 'any'}:
        return 'Allow'
    role_grant = 'role' in r_kinds
    if (id_allow or role_grant) and bound_ok and sess_ok:
        return 'Allow'
    return 'ImplicitDeny'


def read_cases(path):
    text = sys.stdin.read() if path == '-' else open(path).read()
    t = text.lstrip()
    if t.startswith('['):
        return json.loads(t)
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def main(argv):
    check = False
    files = []
    for a in argv[1:]:
        if a == '--check':
            check = True
        else:
            files.append(a)
    bad = 0
    for f in files or ['-']:
        for c in read_cases(f):
            try:
                d = evaluate(c)
            except Exception as e:  # invalid policy
                d = 'Error'
                err = str(e)
            if check:
                exp = c.get('expect', {}).get('decision')
                if exp != d:
                    bad += 1
                    print('%s: expect %s, got %s' % (c.get('id'), exp, d))
            else:
                o = {'id': c.get('id'), 'decision': d}
                if d == 'Error':
                    o['error'] = err
                print(json.dumps(o))
    if check:
        print('%d differ' % bad, file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
