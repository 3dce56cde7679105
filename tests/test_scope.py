"""dashboard/scope.py: the one Scope that coverage, ledger, disputes and queries use."""

from __future__ import annotations

from dashboard import coverage as cov
from dashboard import queries as q
from dashboard.scope import Scope, scope_of


def test_coverage_and_queries_share_one_scope():
    assert cov.scope_of is q.scope_of is scope_of
    assert cov.Scope is q.Scope is Scope


def test_scope_answers_membership_and_binds_sorted_codes():
    sc = Scope(("220502",), ("220500",), False)
    assert sc.sees_region("220502") and not sc.sees_region("220503")
    assert sc.sees_unit("220500") and not sc.sees_unit("220100")
    assert sc.params() == {"detail": ("220502",), "units": ("220500",)}
    everything = Scope(None, None, True)
    assert everything.sees_region("220503") and everything.sees_unit("220100")
