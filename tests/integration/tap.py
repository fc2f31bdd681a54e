"""tap: TAP output for the python scenarios (gateway_boto3.py,
gateway_conformance.py): check(), eq() and done(), which prints the plan
and exits 1 when a check failed."""
import sys

_n = 0
_failed = 0


def check(cond, name, got=None):
    """One test point: `name` holds when `cond`; `got` is shown when not."""
    global _n, _failed
    _n += 1
    if cond:
        print("ok %d - %s" % (_n, name))
    else:
        _failed += 1
        print("not ok %d - %s" % (_n, name))
        if got is not None:
            print("# got: %r" % (got,))
    sys.stdout.flush()
    return cond


def eq(got, want, name):
    return check(got == want, name, got if got != want else None)


def done():
    print("1..%d" % _n)
    sys.exit(1 if _failed else 0)
