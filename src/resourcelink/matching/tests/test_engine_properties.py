"""Invariants of the allocation engine on small random instances, and its
optimum checked against an independent LP (scipy's HiGHS)."""

import datetime as dt
import math
from collections import defaultdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from resourcelink.matching.engine import (
    NEVER_CONSENTED,
    URGENCIES,
    Demand,
    Policy,
    Supply,
    allocate,
    greedy,
)

FIT = {1: {1: "same", 2: "narrower"}, 2: {2: "same", 1: "broader"}, 3: {3: "same"}}
FIT_RANK = {"same": 0, "narrower": 1, "broader": 2}
UW = {"critical": 8, "high": 4, "normal": 2, "low": 1}

place = st.one_of(st.none(), st.tuples(st.floats(30.0, 30.08), st.floats(120.0, 120.08)))
tags = st.frozensets(st.integers(0, 3), max_size=2)
# Organisations 50..52; supply: none needed (None), one of them, or never (outside, no organisation).
consents = st.frozensets(st.integers(50, 52), max_size=2)
consent_org = st.none() | st.integers(50, 52) | st.just(NEVER_CONSENTED)


@st.composite
def instances(draw):
    nd = draw(st.integers(1, 8))
    ns = draw(st.integers(1, 5))
    demands = []
    for i in range(nd):
        where = draw(place)
        demands.append(Demand(
            id=draw(st.integers(1, 10_000)) * 10 + i, category=draw(st.sampled_from([1, 2, 3, 4])),
            quantity=draw(st.integers(1, 5)), household=draw(st.integers(0, 3)),
            urgency=draw(st.sampled_from(URGENCIES)), tier=draw(st.integers(1, 3)),
            vulnerability=draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0, 1)), tags=draw(tags),
            lat=where and where[0], lon=where and where[1], consented_orgs=draw(consents),
        ))
    supplies = []
    for j in range(ns):
        where = draw(place)
        supplies.append(Supply(
            id=draw(st.integers(1, 10_000)) * 10 + j, categories=draw(st.frozensets(st.integers(1, 3), min_size=1)),
            quantity=draw(st.integers(0, 6)),
            eligible_tags=draw(st.frozensets(st.integers(0, 3), max_size=2)) if draw(st.booleans()) else frozenset(),
            lat=where and where[0], lon=where and where[1],
            expires_on=draw(st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2025, 1, 20))),
            consent_org=draw(consent_org),
        ))
    policy = Policy(
        strict_tiers=draw(st.booleans()), household_cap=draw(st.none() | st.integers(1, 6)),
        max_distance_km=draw(st.none() | st.floats(2, 8)), distance_weight=draw(st.sampled_from([0.0, 0.1, 0.5, 3])),
        vulnerability_weight=draw(st.sampled_from([0.0, 1.0, 2.0])),
    )
    return demands, supplies, policy


def km_between(d, s):
    if None in (d.lat, d.lon, s.lat, s.lon):
        return None
    p1, p2 = math.radians(d.lat), math.radians(s.lat)
    dl = math.radians(s.lon - d.lon)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def candidates(demands, supplies, policy):
    """(demand, supply) -> value, written from the rules, not from the engine."""
    t_max = max(d.tier for d in demands)
    out = {}
    for d in demands:
        base = UW[d.urgency] * (1 + policy.vulnerability_weight * d.vulnerability)
        if policy.strict_tiers:
            weight = 10 ** (t_max - d.tier) + 0.5 * base / (8 * (1 + policy.vulnerability_weight))
        else:
            weight = base
        for s in supplies:
            if not any(c in FIT.get(d.category, {}) for c in s.categories):
                continue
            if s.eligible_tags and not (s.eligible_tags & d.tags):
                continue
            if s.consent_org is not None and s.consent_org not in d.consented_orgs:
                continue  # NEVER_CONSENTED is in nobody's consents
            km = km_between(d, s)
            if km is not None and policy.max_distance_km is not None and km > policy.max_distance_km:
                continue
            ratio = min((km or 0) / (policy.max_distance_km or 10), 1)
            if policy.strict_tiers:
                penalty = min(policy.distance_weight, 0.4) * ratio
            else:
                penalty = min(policy.distance_weight * ratio, weight / 2)
            out[d.id, s.id] = weight - penalty
    return out


def lp_optimum(demands, supplies, policy, values):
    pairs = sorted(values)
    if not pairs:
        return 0.0
    rows, bounds = [], []
    for s in supplies:
        rows.append([1.0 if p[1] == s.id else 0.0 for p in pairs])
        bounds.append(s.quantity)
    for d in demands:
        rows.append([1.0 if p[0] == d.id else 0.0 for p in pairs])
        bounds.append(d.quantity)
    if policy.household_cap is not None:
        household = {d.id: d.household for d in demands}
        for h in sorted(set(household.values())):
            rows.append([1.0 if household[p[0]] == h else 0.0 for p in pairs])
            bounds.append(policy.household_cap)
    res = linprog(-np.array([values[p] for p in pairs]), A_ub=np.array(rows), b_ub=np.array(bounds, dtype=float),
                  bounds=(0, None), method="highs")
    assert res.status == 0
    return -res.fun


def unique_ids(demands, supplies):
    return len({d.id for d in demands}) == len(demands) and len({s.id for s in supplies}) == len(supplies)


SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(instances())
def test_it_respects_quantities_eligibility_distance_and_caps(instance):
    demands, supplies, policy = instance
    a = allocate(demands, supplies, policy, FIT)
    values = candidates(demands, supplies, policy)
    by_supply, by_demand, by_household = defaultdict(int), defaultdict(int), defaultdict(int)
    household = {d.id: d.household for d in demands}
    for line in a.lines:
        assert line.quantity > 0
        assert (line.demand, line.supply) in values  # fits, eligible, consented, not too far
        by_supply[line.supply] += line.quantity
        by_demand[line.demand] += line.quantity
        by_household[household[line.demand]] += line.quantity
    assert all(by_supply[s.id] <= s.quantity for s in supplies)
    assert all(by_demand[d.id] <= d.quantity for d in demands)
    if policy.household_cap is not None:
        assert all(v <= policy.household_cap for v in by_household.values())
    unmet = {u.demand: u.quantity for u in a.unmet}
    assert all(by_demand[d.id] + unmet.get(d.id, 0) == d.quantity for d in demands)
    assert a.served == sum(by_demand.values()) and a.asked == sum(d.quantity for d in demands)
    # Each unmet reason is the first rule that leaves the need without candidates.
    for u in a.unmet:
        d = next(d for d in demands if d.id == u.demand)
        fitting = [s for s in supplies if any(c in FIT.get(d.category, {}) for c in s.categories)]
        eligible = [s for s in fitting if not s.eligible_tags or s.eligible_tags & d.tags]
        consented = [s for s in eligible if s.consent_org is None or s.consent_org in d.consented_orgs]
        near = [s for s in consented if policy.max_distance_km is None or km_between(d, s) is None
                or km_between(d, s) <= policy.max_distance_km]
        expected = ("no_category" if not fitting else "not_eligible" if not eligible
                    else "no_consent" if not consented else "too_far" if not near else None)
        if expected:
            assert u.reason == expected, (u, d)
        else:
            assert u.reason in ("household_cap", "none_left"), (u, d)


@SETTINGS
@given(instances())
def test_it_finds_the_lp_optimum_and_greedy_does_no_better(instance):
    demands, supplies, policy = instance
    values = candidates(demands, supplies, policy)
    a = allocate(demands, supplies, policy, FIT)
    mine = sum(line.quantity * values[line.demand, line.supply] for line in a.lines)
    assert math.isclose(mine, a.objective, rel_tol=1e-9, abs_tol=1e-9)
    best = lp_optimum(demands, supplies, policy, values)
    assert math.isclose(a.objective, best, rel_tol=1e-6, abs_tol=1e-5)
    assert greedy(demands, supplies, policy, FIT).objective <= a.objective + 1e-6


@SETTINGS
@given(instances())
def test_it_serves_higher_tiers_strictly_first(instance):
    demands, supplies, policy = instance
    policy = Policy(strict_tiers=True, household_cap=policy.household_cap, max_distance_km=policy.max_distance_km,
                    distance_weight=policy.distance_weight)
    a = allocate(demands, supplies, policy, FIT)
    values = candidates(demands, supplies, policy)
    served, by_household = defaultdict(int), defaultdict(int)
    for line in a.lines:
        served[line.demand] += line.quantity
    for d in demands:
        by_household[d.household] += served[d.id]
    tier = {d.id: d.tier for d in demands}
    for line in a.lines:
        for d in demands:
            if d.tier < tier[line.demand] and (d.id, line.supply) in values:
                short = served[d.id] < d.quantity
                capped = policy.household_cap is not None and by_household[d.household] >= policy.household_cap
                assert not short or capped, (line, d)


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_it_answers_the_same_whatever_the_order(instance, rng):
    demands, supplies, policy = instance
    first = allocate(demands, supplies, policy, FIT)
    assert allocate(demands, supplies, policy, FIT).lines == first.lines
    demands, supplies = list(demands), list(supplies)
    rng.shuffle(demands)
    rng.shuffle(supplies)
    if unique_ids(demands, supplies):
        again = allocate(demands, supplies, policy, FIT)
        assert again.lines == first.lines and again.unmet == first.unmet
