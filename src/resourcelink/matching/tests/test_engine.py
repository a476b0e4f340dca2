"""The allocation engine and suggestions on hand-made cases, whole results."""

import datetime as dt
import random
import subprocess
import sys

import pytest

from resourcelink.matching.engine import (
    NEVER_CONSENTED,
    Candidate,
    Demand,
    Line,
    Policy,
    Supply,
    Unmet,
    allocate,
    build,
    greedy,
    solve,
    suggest,
)

FOOD, RICE, MASKS = 1, 2, 3
FIT = {FOOD: {FOOD: "same", RICE: "narrower"}, RICE: {RICE: "same", FOOD: "broader"}, MASKS: {MASKS: "same"}}
# About 1.1 km north of the station, and about 5.6 km.
HERE = (30.0, 120.0)
NEAR = (30.01, 120.0)
FAR = (30.05, 120.0)


def test_it_serves_the_more_urgent_first_and_says_why_the_rest_is_unmet():
    demands = [Demand(1, FOOD, 2, household=10, urgency="low"), Demand(2, FOOD, 2, household=11, urgency="critical")]
    a = allocate(demands, [Supply(5, frozenset({FOOD}), 3)], Policy(), FIT)
    assert a.lines == [Line(1, 5, 1, "same", None, 1, 1.0), Line(2, 5, 2, "same", None, 1, 8.0)]
    assert a.unmet == [Unmet(1, 1, "none_left", 1)]
    assert a.objective == pytest.approx(17.0)
    assert (a.served, a.asked) == (3, 4)
    assert a.stats["pairs"] == 2


def test_it_weighs_vulnerability_within_an_urgency():
    demands = [Demand(1, FOOD, 1, 10, "high", vulnerability=0.2), Demand(2, FOOD, 1, 11, "high", vulnerability=0.9)]
    a = allocate(demands, [Supply(5, frozenset({FOOD}), 1)], Policy(), FIT)
    assert a.lines == [Line(2, 5, 1, "same", None, 1, pytest.approx(4 * 1.9))]
    assert a.unmet == [Unmet(1, 1, "none_left", 1)]


def test_it_serves_tiers_strictly_first():
    # Tier 2 is critical and very vulnerable; without strict tiers it wins.
    demands = [Demand(1, FOOD, 1, 10, "low", tier=1, vulnerability=0.0),
               Demand(2, FOOD, 1, 11, "critical", tier=2, vulnerability=1.0)]
    supply = [Supply(5, frozenset({FOOD}), 1)]
    loose = allocate(demands, supply, Policy(), FIT)
    assert [(line.demand, line.quantity) for line in loose.lines] == [(2, 1)]
    strict = allocate(demands, supply, Policy(strict_tiers=True), FIT)
    assert [(line.demand, line.quantity, line.tier) for line in strict.lines] == [(1, 1, 1)]
    assert strict.lines[0].weight == pytest.approx(10 + 0.5 * 1 / 16)
    assert strict.unmet == [Unmet(2, 1, "none_left", 2)]


def test_it_does_not_trade_a_higher_tier_for_many_lower_ones():
    # Supply 5 can serve tier 1 (need 1) or tier 2 (needs 2 and 3); supply 6 only tier 2 need 2.
    demands = [Demand(1, FOOD, 1, 10, "low", tier=1), Demand(2, FOOD, 1, 11, "critical", tier=2, vulnerability=1),
               Demand(3, RICE, 1, 12, "critical", tier=2, vulnerability=1)]
    supplies = [Supply(5, frozenset({FOOD}), 1), Supply(6, frozenset({RICE}), 1)]
    a = allocate(demands, supplies, Policy(strict_tiers=True), FIT)
    assert [(line.demand, line.supply) for line in a.lines] == [(1, 5), (3, 6)]
    assert a.unmet == [Unmet(2, 1, "none_left", 2)]


def test_it_keeps_a_household_within_its_cap():
    demands = [Demand(1, FOOD, 2, 10, "critical"), Demand(2, FOOD, 2, 10, "high"), Demand(3, FOOD, 1, 11, "low")]
    a = allocate(demands, [Supply(5, frozenset({FOOD}), 10)], Policy(household_cap=3), FIT)
    assert [(line.demand, line.quantity) for line in a.lines] == [(1, 2), (2, 1), (3, 1)]
    assert a.unmet == [Unmet(2, 1, "household_cap", 1)]


def test_it_gives_restricted_supply_only_to_eligible_households():
    demands = [Demand(1, FOOD, 1, 10, "critical"), Demand(2, FOOD, 1, 11, "low", tags=frozenset({7, 8}))]
    a = allocate(demands, [Supply(5, frozenset({FOOD}), 5, eligible_tags=frozenset({7}))], Policy(), FIT)
    assert [(line.demand, line.quantity) for line in a.lines] == [(2, 1)]
    assert a.unmet == [Unmet(1, 1, "not_eligible", 1)]


def test_it_gives_area_limited_supply_only_to_demands_in_those_areas():
    # Supply 5 is only for areas 1 and 70 (and tag 7); 6 for area 2; demand 4 has no area.
    demands = [Demand(1, FOOD, 1, 10, area=1, tags=frozenset({7})), Demand(2, FOOD, 1, 11, area=1),
               Demand(3, FOOD, 1, 12, area=70, tags=frozenset({7})), Demand(4, FOOD, 1, 13, tags=frozenset({7})),
               Demand(5, FOOD, 1, 14, area=2)]
    supplies = [Supply(5, frozenset({FOOD}), 5, eligible_tags=frozenset({7}), areas=frozenset({1, 70})),
                Supply(6, frozenset({FOOD}), 5, areas=frozenset(range(2, 140)))]
    a = allocate(demands, supplies, Policy(), FIT)
    assert [(line.demand, line.supply) for line in a.lines] == [(1, 5), (3, 5), (5, 6)]
    assert a.unmet == [Unmet(2, 1, "not_eligible", 1), Unmet(4, 1, "not_eligible", 1)]


def test_it_handles_more_tags_than_one_word_holds():
    tags = frozenset(range(100, 200))
    demands = [Demand(1, FOOD, 1, 10, tags=frozenset({199})), Demand(2, FOOD, 1, 11, tags=frozenset({100})),
               Demand(3, FOOD, 1, 12, tags=frozenset({5}))]
    supplies = [Supply(5, frozenset({FOOD}), 5, eligible_tags=frozenset({199, 150})),
                Supply(6, frozenset({FOOD}), 5, eligible_tags=tags - {199, 150})]
    a = allocate(demands, supplies, Policy(), FIT)
    assert [(line.demand, line.supply) for line in a.lines] == [(1, 5), (2, 6)]
    assert a.unmet == [Unmet(3, 1, "not_eligible", 1)]


def test_it_gives_shared_supply_only_to_households_that_consented():
    # Supply 5 is run by organisation 40, 6 by 41; 7 is outside with no organisation (never);
    # 8 (masks) needs no consent.
    demands = [Demand(1, FOOD, 2, 10, "critical", consented_orgs=frozenset({41})),
               Demand(2, FOOD, 2, 11, "critical"),
               Demand(3, FOOD, 1, 12, "low", consented_orgs=frozenset({40, 41})),
               Demand(4, MASKS, 1, 13, consented_orgs=frozenset({40}))]
    supplies = [Supply(5, frozenset({FOOD}), 5, consent_org=40), Supply(6, frozenset({FOOD}), 1, consent_org=41),
                Supply(7, frozenset({FOOD}), 9, consent_org=NEVER_CONSENTED), Supply(8, frozenset({MASKS}), 1)]
    a = allocate(demands, supplies, Policy(), FIT)
    assert [(line.demand, line.supply, line.quantity) for line in a.lines] == [(1, 6, 1), (3, 5, 1), (4, 8, 1)]
    assert a.unmet == [Unmet(1, 1, "none_left", 1), Unmet(2, 2, "no_consent", 1)]
    assert a.stats["pairs"] == 4  # 1-6, 3-5, 3-6, 4-8


def test_it_decides_consent_after_eligibility_and_before_distance():
    tagged = frozenset({7})
    demands = [Demand(1, FOOD, 1, 10, lat=HERE[0], lon=HERE[1]),  # not eligible for 5, no consent for 6
               Demand(2, FOOD, 1, 11, tags=tagged, lat=HERE[0], lon=HERE[1]),  # eligible for 5 only: consent
               Demand(3, FOOD, 1, 12, tags=tagged, consented_orgs=frozenset({40}), lat=HERE[0], lon=HERE[1])]
    supplies = [Supply(5, frozenset({FOOD}), 5, eligible_tags=tagged, consent_org=40, lat=FAR[0], lon=FAR[1]),
                Supply(6, frozenset({FOOD}), 5, eligible_tags=frozenset({8}), lat=FAR[0], lon=FAR[1])]
    a = allocate(demands, supplies, Policy(max_distance_km=2), FIT)
    assert a.lines == []
    assert a.unmet == [Unmet(1, 1, "not_eligible", 1), Unmet(2, 1, "no_consent", 1), Unmet(3, 1, "too_far", 1)]


def test_it_handles_more_organisations_than_one_word_holds():
    demands = [Demand(i, FOOD, 1, 10 + i, consented_orgs=frozenset({1000 + i * 7})) for i in range(1, 30)]
    supplies = [Supply(100 + k, frozenset({FOOD}), 1, consent_org=1000 + k) for k in range(0, 210)]
    a = allocate(demands, supplies, Policy(), FIT)
    assert sorted((line.demand, line.supply) for line in a.lines) == [(i, 100 + i * 7) for i in range(1, 30)]
    assert a.unmet == []


def test_it_leaves_out_supply_beyond_the_distance_limit_but_not_unknown_places():
    demands = [Demand(1, FOOD, 1, 10, lat=HERE[0], lon=HERE[1]), Demand(2, MASKS, 1, 11, lat=HERE[0], lon=HERE[1]),
               Demand(3, MASKS, 1, 12)]
    supplies = [Supply(5, frozenset({FOOD}), 5, lat=FAR[0], lon=FAR[1]),
                Supply(6, frozenset({MASKS}), 5, lat=FAR[0], lon=FAR[1])]
    a = allocate(demands, supplies, Policy(max_distance_km=2), FIT)
    assert [(line.demand, line.supply, line.distance_km) for line in a.lines] == [(3, 6, None)]
    assert a.unmet == [Unmet(1, 1, "too_far", 1), Unmet(2, 1, "too_far", 1)]


def test_it_prefers_the_nearer_supply_and_charges_the_distance():
    demand = Demand(1, FOOD, 1, 10, "normal", lat=HERE[0], lon=HERE[1])
    supplies = [Supply(5, frozenset({FOOD}), 1, lat=FAR[0], lon=FAR[1]),
                Supply(6, frozenset({FOOD}), 1, lat=NEAR[0], lon=NEAR[1])]
    a = allocate([demand], supplies, Policy(), FIT)
    assert [(line.supply, line.distance_km) for line in a.lines] == [(6, pytest.approx(1.112, abs=1e-3))]
    assert a.objective == pytest.approx(2 - 0.1 * 1.112 / 10, abs=1e-6)


def test_it_says_no_category_when_nothing_fits():
    demands = [Demand(1, MASKS, 3, 10), Demand(2, 99, 1, 11)]
    a = allocate(demands, [Supply(5, frozenset({FOOD}), 5)], Policy(), FIT)
    assert a.lines == []
    assert a.unmet == [Unmet(1, 3, "no_category", 1), Unmet(2, 1, "no_category", 1)]
    assert (a.objective, a.served, a.asked) == (0.0, 0, 4)


def test_it_reports_none_left_when_supply_exists_but_is_used_up():
    a = allocate([Demand(1, FOOD, 2, 10)], [Supply(5, frozenset({FOOD}), 0)], Policy(), FIT)
    assert a.unmet == [Unmet(1, 2, "none_left", 1)]
    assert a.stats["pairs"] == 0


def test_it_uses_sooner_expiring_supply_first():
    soon, later = dt.date(2025, 1, 10), dt.date(2025, 3, 1)
    supplies = [Supply(5, frozenset({FOOD}), 3, expires_on=later), Supply(6, frozenset({FOOD}), 3, expires_on=soon),
                Supply(7, frozenset({FOOD}), 3)]
    a = allocate([Demand(1, FOOD, 4, 10)], supplies, Policy(), FIT)
    assert [(line.supply, line.quantity) for line in a.lines] == [(5, 1), (6, 3)]


def test_it_reports_the_category_fit_and_keeps_the_best_one():
    demands = [Demand(1, FOOD, 1, 10), Demand(2, RICE, 1, 11)]
    supplies = [Supply(5, frozenset({RICE}), 1), Supply(6, frozenset({FOOD, RICE}), 1)]
    a = allocate(demands, supplies, Policy(), FIT)
    fits = {(line.demand, line.supply): line.fit for line in a.lines}
    assert len(fits) == 2 and sum(line.quantity for line in a.lines) == 2
    assert a.stats["pairs"] == 4
    problem = build(demands, supplies, Policy(), FIT)
    assert [(int(d), int(s), int(f)) for d, s, f in zip(problem.pair_d, problem.pair_s, problem.pair_fit)] == [
        (0, 0, 1), (0, 1, 0), (1, 0, 0), (1, 1, 0)]
    assert set(fits.values()) <= {"same", "narrower"}


def _instance(seed, nd=300, ns=40):
    rng = random.Random(seed)
    demands = [Demand(i, rng.choice([FOOD, RICE, MASKS]), rng.randint(1, 4), rng.randrange(nd // 2),
                      rng.choice(["critical", "high", "normal", "low"]), tier=rng.randint(1, 3),
                      vulnerability=rng.random(), tags=frozenset(rng.sample(range(5), rng.randint(0, 2))),
                      lat=30 + rng.random() * 0.1, lon=120 + rng.random() * 0.1) for i in range(nd)]
    supplies = [Supply(100 + j, frozenset(rng.sample([FOOD, RICE, MASKS], rng.randint(1, 2))), rng.randint(0, 20),
                       eligible_tags=frozenset(rng.sample(range(5), 1)) if rng.random() < 0.3 else frozenset(),
                       lat=30 + rng.random() * 0.1, lon=120 + rng.random() * 0.1) for j in range(ns)]
    return demands, supplies


@pytest.mark.parametrize("policy", [Policy(), Policy(strict_tiers=True, household_cap=3, max_distance_km=6)])
def test_it_gives_the_same_answer_whatever_the_input_order(policy):
    demands, supplies = _instance(7)
    first = allocate(demands, supplies, policy, FIT)
    rng = random.Random(3)
    rng.shuffle(demands)
    rng.shuffle(supplies)
    again = allocate(demands, supplies, policy, FIT)
    assert first.lines == again.lines and first.unmet == again.unmet
    assert first.objective == again.objective


def test_it_beats_or_equals_the_greedy_baseline():
    demands, supplies = _instance(11)
    policy = Policy(household_cap=4)
    best, base = allocate(demands, supplies, policy, FIT), greedy(demands, supplies, policy, FIT)
    assert base.objective <= best.objective + 1e-9
    assert base.served > 0


def test_it_times_the_bare_solver_on_the_same_network():
    demands, supplies = _instance(5)
    problem = build(demands, supplies, Policy(), FIT)
    assert problem.solve_bare() > 0
    assert solve(problem).objective == pytest.approx(allocate(demands, supplies, Policy(), FIT).objective)


def test_it_refuses_a_tier_base_below_ten_and_unknown_urgencies():
    with pytest.raises(ValueError):
        Policy(tier_base=5)
    with pytest.raises(ValueError):
        allocate([Demand(1, FOOD, 1, 1, urgency="urgent")], [], Policy(), FIT)


def test_it_does_not_import_django():
    code = "import sys, resourcelink.matching.engine; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- suggest

NEED = Demand(1, FOOD, 5, 10)


def test_it_ranks_candidates_and_explains_each():
    candidates = [
        Candidate(3, "broader", 0.5, 20, True, 10, 0, 0),
        Candidate(4, "same", 0.8, 20, True, 12, 3, 1),
        Candidate(5, "same", None, None, True, None, 0, 0),
    ]
    result = suggest(NEED, candidates)
    assert [s.id for s in result] == [4, 3, 5]
    assert result[0].reasons == [
        ("fit", {"fit": "same"}), ("distance", {"km": 0.8}), ("capacity", {"left": 20, "asked": 5}),
        ("verified", {"days": 12}), ("outcomes", {"delivered": 3, "failed": 1}),
    ]
    assert result[2].reasons == [("fit", {"fit": "same"}), ("distance_unknown", {}),
                                 ("capacity_unknown", {"asked": 5}), ("never_verified", {})]
    assert 0 < result[2].score < result[1].score < result[0].score <= 1


def test_it_says_the_household_qualifies_for_a_restricted_candidate():
    candidates = [Candidate(3, "same", 0.5, 20, True, 10, eligible_via=frozenset({8, 2})),
                  Candidate(4, "same", 0.5, 20, True, 10)]
    result = {s.id: s.reasons for s in suggest(NEED, candidates)}
    assert result[3] == [("fit", {"fit": "same"}), ("distance", {"km": 0.5}), ("capacity", {"left": 20, "asked": 5}),
                         ("eligible", {"tags": [2, 8]}), ("verified", {"days": 10})]
    assert all(code != "eligible" for code, _ in result[4])


def test_it_leaves_out_the_ineligible_and_the_exhausted():
    candidates = [Candidate(3, "same", 1, 0), Candidate(4, "same", 1, 5, eligible=False), Candidate(5, "same", 1, 1)]
    assert [s.id for s in suggest(NEED, candidates)] == [5]


def test_it_breaks_ties_by_id_and_stops_at_the_limit():
    candidates = [Candidate(i, "same", 1.0, 10, True, 5) for i in (9, 2, 7, 4)]
    assert [s.id for s in suggest(NEED, candidates, limit=3)] == [2, 4, 7]
    assert suggest(NEED, []) == []


def test_it_ranks_fifty_thousand_candidates_like_a_full_sort():
    # Speed is measured by `make bench` (suggestions for one need), not here.
    rng = random.Random(1)
    candidates = [Candidate(i, rng.choice(["same", "narrower", "broader"]), rng.random() * 10,
                            rng.randint(0, 50), rng.random() < 0.95, rng.randint(0, 400), rng.randint(0, 5),
                            rng.randint(0, 2)) for i in range(50_000)]
    result = suggest(NEED, candidates)
    assert len(result) == 10
    full = sorted((c for c in candidates if c.eligible and c.capacity_left), key=lambda c: c.id)
    assert [s.id for s in result] == [s.id for s in suggest(NEED, full, limit=10)]
