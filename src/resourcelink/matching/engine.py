"""The matching engine: rank resources for one need, allocate supply to many.

Pure Python with numpy and OR-Tools; no Django. Callers (``matching.draft``,
``matching.services``) load plain records, call ``suggest`` or ``allocate``
and word the reason codes below in the reader's language.

Allocation (``allocate``)
-------------------------
A min-cost flow (OR-Tools ``SimpleMinCostFlow``)::

    source -> supply (cap: quantity) -> demand (cap: quantity)
           -> household (cap: policy.household_cap) -> sink
    source -> sink (cost 0: serving nothing is allowed)

Without a household cap the household nodes are left out (demand -> sink).
Each unit sent along supply -> demand earns the pair's *value*::

    value = weight(demand) - distance_penalty(pair)

Weight without tiers: ``urgency_weights[urgency] * (1 + vulnerability_weight
* vulnerability)``. With ``policy.strict_tiers``:
``tier_base ** (T_max - tier) + IN_TIER * base / base_max``, where ``base`` is
the weight without tiers and ``base_max`` its largest possible value, so the
in-tier term is at most ``IN_TIER`` (0.5) and orders needs within a tier by
urgency and vulnerability. (Multiplying vulnerability into the tier weight
would let a vulnerable lower tier leak ahead; DESIGN.md section 5.)

Distance penalty: ``distance_weight * min(km / scale, 1)``, ``scale`` being
``max_distance_km`` or 10 km. Without tiers it is capped at half the pair's
weight (a pair never becomes worthless); with tiers at ``STRICT_DISTANCE_MAX``
(0.4), so in-tier and distance terms together stay below one unit of the
lowest tier and a higher tier is never traded for a lower one. Unknown
locations (None): no penalty, never "too far". Pairs farther than
``max_distance_km`` are not candidates.

Arc cost = ``-(round(value * 10**6) * TIE_LEVELS + tie)``: the value at 1e-6
precision first; among pairs of equal value the supply that expires sooner
wins, then the closer category fit (same, narrower, broader). ``tie`` =
``expiry_level * 3 + (2 - fit_code)``, ``expiry_level`` in
0..EXPIRY_LEVELS-1 by rank of expiry date (no date: 0).
``Allocation.objective`` is Σ quantity × value in weight units (the
tie-breakers are not in it).

Eligibility: a supply with ``eligible_tags`` serves only demands whose tags
meet them (bitmasks of uint64 words, as many words as tags need); a supply
with ``areas`` serves only demands whose ``area`` is one of them (a donor's
"only in these communities"). Both must hold.

Consent: a supply with a ``consent_org`` shares the resident's details with
that organisation, so it serves only demands whose ``consented_orgs`` hold it
(one bit per organisation, looked up per pair). ``consent_org`` None: no
consent needed (inside the community, no organisation); ``NEVER_CONSENTED``
(-1): outside the community with no organisation, which nobody can consent to.

Inputs are sorted by id, so the same input (in any order) gives the same
answer.

Unmet reasons (``Unmet.reason``), decided per demand in this order:

- ``no_category``: no supply line in a fitting category at all;
- ``not_eligible``: fitting ones exist, but the household is eligible for none;
- ``no_consent``: eligible ones exist, but each would share the resident's
  details with an organisation they have not consented to;
- ``too_far``: every eligible, consented one is beyond ``max_distance_km``;
- ``household_cap``: the household reached ``household_cap``;
- ``none_left``: the supply went to other (more valuable) needs.

Suggestions (``suggest``)
-------------------------
Not-eligible candidates and those with no capacity left (``capacity_left ==
0``) are excluded. The score (0..1) is a weighted mean of components, each in
0..1 (weights in ``SUGGEST_WEIGHTS``): category fit (same 1, narrower 0.8,
broader 0.5), distance (``1 / (1 + km / 2)``; unknown 0.4), capacity left
vs asked (``min(left / asked, 1)``; unknown 0.5), verification freshness
(``1 / (1 + days / 90)``; never verified 0), past outcomes
(``(delivered + 1) / (delivered + failed + 2)``). Ties: lower id first.

Reason codes of a suggestion (``Suggestion.reasons``: ``(code, params)``):

- ``("fit", {"fit": "same" | "narrower" | "broader"})``
- ``("distance", {"km": 0.8})`` or ``("distance_unknown", {})``
- ``("capacity", {"left": 20, "asked": 5})`` or ``("capacity_unknown", {"asked": 5})``
- ``("eligible", {"tags": [3, 7]})``: the candidate is only for some
  vulnerabilities and the household qualifies through these (sorted)
- ``("verified", {"days": 12})`` or ``("never_verified", {})``
- ``("outcomes", {"delivered": 3, "failed": 1})`` (only when there are any)
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

URGENCIES = ("critical", "high", "normal", "low")
FITS = ("same", "narrower", "broader")
FIT_CODE = {f: i for i, f in enumerate(FITS)}
REASONS = ("no_category", "not_eligible", "no_consent", "too_far", "household_cap", "none_left")
NEVER_CONSENTED = -1  # Supply.consent_org of an outside supply with no organisation

SCALE = 10**6  # weight units -> integer cost units
EXPIRY_LEVELS = 64  # tie-break levels for sooner-expiring supply
TIE_LEVELS = EXPIRY_LEVELS * 3  # expiry first, then category fit
IN_TIER = 0.5  # largest in-tier term under strict tiers
STRICT_DISTANCE_MAX = 0.4  # largest distance penalty under strict tiers
DEFAULT_SCALE_KM = 10.0
EARTH_RADIUS_KM = 6371.0088
PAIR_BATCH = 2_000_000  # raw pairs expanded at once (bounds memory)


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Demand:
    id: int
    category: int
    quantity: int
    household: int
    urgency: str = "normal"
    tier: int = 1
    vulnerability: float = 0.0  # 0..1
    tags: frozenset[int] = frozenset()
    lat: float | None = None
    lon: float | None = None
    consented_orgs: frozenset[int] = frozenset()  # organisations it may be shared with
    area: int | None = None  # e.g. the household's community


@dataclass(frozen=True, slots=True)
class Supply:
    id: int
    categories: frozenset[int]
    quantity: int
    eligible_tags: frozenset[int] = frozenset()  # empty: anyone
    lat: float | None = None
    lon: float | None = None
    expires_on: _dt.date | None = None
    consent_org: int | None = None  # None: no consent needed; NEVER_CONSENTED: none possible
    areas: frozenset[int] = frozenset()  # empty: any area


def _default_urgency_weights() -> dict[str, float]:
    return {"critical": 8, "high": 4, "normal": 2, "low": 1}


DEFAULT_DISTANCE_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class Policy:
    """How supply is shared out. Defaults: no tiers, urgency weights 8/4/2/1,
    vulnerability doubles a weight at most, no household cap, no distance
    limit, a distance penalty of at most 0.1 weight units (reached at
    ``max_distance_km`` or 10 km)."""

    strict_tiers: bool = False
    tier_base: int = 10
    urgency_weights: Mapping[str, float] = field(default_factory=_default_urgency_weights)
    vulnerability_weight: float = 1.0
    household_cap: int | None = None
    max_distance_km: float | None = None
    distance_weight: float = DEFAULT_DISTANCE_WEIGHT

    def __post_init__(self):
        if self.tier_base < 10:
            raise ValueError("tier_base must be at least 10")
        if self.household_cap is not None and self.household_cap < 0:
            raise ValueError("household_cap must not be negative")
        if self.distance_weight < 0 or self.vulnerability_weight < 0:
            raise ValueError("weights must not be negative")
        if any(self.urgency_weights.get(u, 0) <= 0 for u in URGENCIES):
            raise ValueError("every urgency needs a positive weight")


@dataclass(frozen=True, slots=True)
class Line:
    demand: int
    supply: int
    quantity: int
    fit: str
    distance_km: float | None
    tier: int
    weight: float


@dataclass(frozen=True, slots=True)
class Unmet:
    demand: int
    quantity: int
    reason: str
    tier: int


@dataclass(slots=True)
class Allocation:
    lines: list[Line]
    unmet: list[Unmet]
    objective: float
    served: int
    asked: int
    stats: dict = field(default_factory=dict)


Fit = Mapping[int, Mapping[int, str]]


# ---------------------------------------------------------------- helpers


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (numpy arrays or floats)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _tag_masks(tag_sets: Sequence[frozenset[int]], bit_of: dict[int, int], words: int) -> np.ndarray:
    """One row of ``words`` uint64 per record, bit ``bit_of[tag]`` set."""
    masks = np.zeros((len(tag_sets), words), dtype=np.uint64)
    if not bit_of:
        return masks
    rows: dict[frozenset[int], np.ndarray] = {}
    for i, tags in enumerate(tag_sets):
        if not tags:
            continue
        row = rows.get(tags)
        if row is None:
            row = np.zeros(words, dtype=np.uint64)
            for t in tags:
                b = bit_of.get(t)
                if b is not None:
                    row[b >> 6] |= np.uint64(1) << np.uint64(b & 63)
            rows[tags] = row
        masks[i] = row
    return masks


def _loc(values: Iterable[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


# ---------------------------------------------------------------- the problem


@dataclass
class Problem:
    """The flow network of one allocation, as numpy arrays.

    Arcs 0..pairs-1 are the supply -> demand pairs, in (demand, supply) order.
    """

    policy: Policy
    demand_ids: np.ndarray
    demand_qty: np.ndarray
    demand_tier: np.ndarray
    demand_weight: np.ndarray
    demand_household: np.ndarray  # index into households
    supply_ids: np.ndarray
    supply_qty: np.ndarray
    pair_d: np.ndarray  # demand index
    pair_s: np.ndarray  # supply index
    pair_fit: np.ndarray  # FIT_CODE
    pair_km: np.ndarray  # NaN: unknown
    pair_value: np.ndarray  # weight - distance penalty
    has_category: np.ndarray  # per demand
    has_eligible: np.ndarray
    has_consent: np.ndarray
    has_near: np.ndarray
    household_count: int
    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    node_supplies: np.ndarray
    build_seconds: float = 0.0

    @property
    def pairs(self) -> int:
        return len(self.pair_d)

    def _solver(self):
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, self.capacities, self.costs)
        smcf.set_nodes_supplies(np.arange(len(self.node_supplies), dtype=np.int32), self.node_supplies)
        status = smcf.solve()
        if status != smcf.OPTIMAL:
            raise RuntimeError(f"min-cost flow did not solve: status {status}")
        return smcf

    def solve_bare(self) -> float:
        """Seconds for OR-Tools alone: loading the arcs and solving."""
        started = time.perf_counter()
        self._solver()
        return time.perf_counter() - started


def _weights(policy: Policy, urgency: list[str], vulnerability: np.ndarray, tier: np.ndarray) -> np.ndarray:
    uw = np.array([policy.urgency_weights[u] for u in urgency], dtype=np.float64)
    base = uw * (1.0 + policy.vulnerability_weight * np.clip(vulnerability, 0.0, 1.0))
    if not policy.strict_tiers:
        return base
    base_max = max(policy.urgency_weights[u] for u in URGENCIES) * (1.0 + policy.vulnerability_weight)
    t_max = int(tier.max()) if len(tier) else 1
    return np.power(float(policy.tier_base), (t_max - tier).astype(np.float64)) + IN_TIER * base / base_max


def build(demands: Iterable[Demand], supplies: Iterable[Supply], policy: Policy, fit: Fit) -> Problem:
    """Candidate pairs and the flow network, built with numpy block by block
    (one block per need category and fitting supply category)."""
    started = time.perf_counter()
    demands = sorted(demands, key=lambda d: d.id)
    supplies = sorted(supplies, key=lambda s: s.id)
    nd, ns = len(demands), len(supplies)
    for d in demands:
        if d.urgency not in URGENCIES:
            raise ValueError(f"demand {d.id}: unknown urgency {d.urgency!r}")

    d_ids = np.fromiter((d.id for d in demands), dtype=np.int64, count=nd)
    d_cat = np.fromiter((d.category for d in demands), dtype=np.int64, count=nd)
    d_qty = np.maximum(np.fromiter((d.quantity for d in demands), dtype=np.int64, count=nd), 0)
    d_tier = np.fromiter((d.tier for d in demands), dtype=np.int64, count=nd)
    d_vul = np.fromiter((d.vulnerability for d in demands), dtype=np.float64, count=nd)
    d_lat, d_lon = _loc(d.lat for d in demands), _loc(d.lon for d in demands)
    hh_ids, d_hh = np.unique(np.fromiter((d.household for d in demands), dtype=np.int64, count=nd),
                             return_inverse=True)
    weight = _weights(policy, [d.urgency for d in demands], d_vul, d_tier)

    s_ids = np.fromiter((s.id for s in supplies), dtype=np.int64, count=ns)
    s_qty = np.maximum(np.fromiter((s.quantity for s in supplies), dtype=np.int64, count=ns), 0)
    s_lat, s_lon = _loc(s.lat for s in supplies), _loc(s.lon for s in supplies)

    # Tags: only those some supply restricts to matter.
    restricting = sorted({t for s in supplies for t in s.eligible_tags})
    bit_of = {t: i for i, t in enumerate(restricting)}
    words = max(1, -(-len(restricting) // 64))
    d_mask = _tag_masks([d.tags for d in demands], bit_of, words)
    s_mask = _tag_masks([s.eligible_tags for s in supplies], bit_of, words)
    s_open = ~s_mask.any(axis=1)
    # Areas: one bit per area some supply is limited to; a demand has at most one.
    limited = sorted({a for s in supplies for a in s.areas})
    if limited:
        area_bit = {a: i for i, a in enumerate(limited)}
        a_words = max(1, -(-len(limited) // 64))
        d_area = _tag_masks([frozenset() if d.area is None else frozenset((d.area,)) for d in demands],
                            area_bit, a_words)
        s_area = _tag_masks([s.areas for s in supplies], area_bit, a_words)
        s_anywhere = ~s_area.any(axis=1)

    # Consent: one bit per organisation some supply shares with; a pair is
    # allowed when the supply needs none or the demand's bit for its
    # organisation is set (NEVER_CONSENTED: no bit, never allowed).
    orgs = sorted({s.consent_org for s in supplies if s.consent_org is not None and s.consent_org >= 0})
    consenting = any(s.consent_org is not None for s in supplies)
    if consenting:
        org_bit = {o: i for i, o in enumerate(orgs)}
        c_words = max(1, -(-len(orgs) // 64))
        d_consent = _tag_masks([d.consented_orgs for d in demands], org_bit, c_words)
        s_free = np.fromiter((s.consent_org is None for s in supplies), dtype=bool, count=ns)
        s_bit = np.fromiter((org_bit.get(s.consent_org, -1) if s.consent_org is not None else -1
                             for s in supplies), dtype=np.int64, count=ns)
        s_word = np.maximum(s_bit, 0) >> 6
        s_shift = (np.maximum(s_bit, 0) & 63).astype(np.uint64)
        s_never = s_bit < 0  # with s_free False: outside, no organisation

    # Expiry: sooner -> higher level; no date -> 0.
    dated = sorted({s.expires_on for s in supplies if s.expires_on is not None})
    s_exp = np.zeros(ns, dtype=np.int64)
    if dated:
        rank = {day: i for i, day in enumerate(dated)}
        top = EXPIRY_LEVELS - 1
        for i, s in enumerate(supplies):
            if s.expires_on is not None:
                r = rank[s.expires_on]
                s_exp[i] = top - (r * (top - 1)) // max(len(dated) - 1, 1)

    # Demands grouped by category (positions in d_order), supplies by category
    # (positions in s_flat): a block is (demand category, fitting supply
    # category), its pairs the cross product of the two runs.
    d_order = np.argsort(d_cat, kind="stable")
    cats, d_starts, d_counts = np.unique(d_cat[d_order], return_index=True, return_counts=True)
    by_scat: dict[int, list[int]] = {}
    for i, s in enumerate(supplies):
        for c in s.categories:
            by_scat.setdefault(c, []).append(i)
    s_cats = sorted(by_scat)
    s_flat = np.array([i for c in s_cats for i in by_scat[c]], dtype=np.int64)
    s_start, pos = {}, 0
    for c in s_cats:
        s_start[c] = (pos, len(by_scat[c]))
        pos += len(by_scat[c])
    blocks = []  # (demand start, demand count, supply start, supply count, fit code)
    cat_has_supply = set()
    for c, d0, dn in zip(cats.tolist(), d_starts.tolist(), d_counts.tolist(), strict=True):
        for sc, how in sorted(fit.get(c, {}).items()):
            if sc in s_start:
                blocks.append((d0, dn, *s_start[sc], FIT_CODE[how]))
                cat_has_supply.add(c)

    max_km = policy.max_distance_km
    scale_km = max_km if max_km else DEFAULT_SCALE_KM
    has_cat = np.isin(d_cat, np.array(sorted(cat_has_supply), dtype=np.int64))
    has_elig = np.zeros(nd, dtype=bool)
    has_consent = np.zeros(nd, dtype=bool)
    has_near = np.zeros(nd, dtype=bool)
    blocks_d, blocks_s, blocks_f, blocks_km = [], [], [], []
    # Expand blocks in batches of about PAIR_BATCH raw pairs, all at once.
    batch: list[tuple] = []
    size = 0
    for i, b in enumerate(blocks):
        batch.append(b)
        size += b[1] * b[3]
        if size < PAIR_BATCH and i < len(blocks) - 1:
            continue
        arr = np.array(batch, dtype=np.int64)
        d0, dn, s0, sn, fc = arr.T
        lens = dn * sn
        total_raw = int(lens.sum())
        which = np.repeat(np.arange(len(arr)), lens)
        k = np.arange(total_raw, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        per = sn[which]
        pd = d_order[d0[which] + k // per]
        ps = s_flat[s0[which] + k % per]
        pf = fc[which].astype(np.int8)
        del which, k, per
        if words == 1:
            ok = s_open[ps] | ((d_mask[pd, 0] & s_mask[ps, 0]) != 0)
        else:
            ok = s_open[ps] | ((d_mask[pd] & s_mask[ps]) != 0).any(axis=1)
        if limited:
            ok &= s_anywhere[ps] | ((d_area[pd] & s_area[ps]) != 0).any(axis=1)
        pd, ps, pf = pd[ok], ps[ok], pf[ok]
        has_elig[pd] = True
        if consenting:
            bit = (d_consent[pd, s_word[ps]] >> s_shift[ps]) & np.uint64(1)
            ok = s_free[ps] | ((bit != 0) & ~s_never[ps])
            pd, ps, pf = pd[ok], ps[ok], pf[ok]
        has_consent[pd] = True
        km = haversine_km(d_lat[pd], d_lon[pd], s_lat[ps], s_lon[ps])
        if max_km is not None:
            near = ~(km > max_km)  # NaN (unknown) is not too far
            pd, ps, pf, km = pd[near], ps[near], pf[near], km[near]
        has_near[pd] = True
        blocks_d.append(pd)
        blocks_s.append(ps)
        blocks_f.append(pf)
        blocks_km.append(km)
        batch, size = [], 0

    if blocks_d:
        pd, ps = np.concatenate(blocks_d), np.concatenate(blocks_s)
        pf, km = np.concatenate(blocks_f), np.concatenate(blocks_km)
        if any(len(s.categories) > 1 for s in supplies):
            # A supply in several fitting categories is one pair, with its best fit.
            key = pd * max(ns, 1) + ps
            order = np.lexsort((pf, key))
            key = key[order]
            first = np.ones(len(key), dtype=bool)
            first[1:] = key[1:] != key[:-1]
            keep = order[first]
            pd, ps, pf, km = pd[keep], ps[keep], pf[keep], km[keep]
        live = (d_qty[pd] > 0) & (s_qty[ps] > 0)
        pd, ps, pf, km = pd[live], ps[live], pf[live], km[live]
    else:
        pd = ps = np.zeros(0, dtype=np.int64)
        pf, km = np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.float64)

    ratio = np.minimum(np.nan_to_num(km, nan=0.0) / scale_km, 1.0)
    w = weight[pd]
    if policy.strict_tiers:
        penalty = min(policy.distance_weight, STRICT_DISTANCE_MAX) * ratio
    else:
        penalty = np.minimum(policy.distance_weight * ratio, 0.5 * w)
    value = w - penalty
    tie = s_exp[ps] * len(FITS) + (len(FITS) - 1 - pf.astype(np.int64))
    cost = -(np.rint(value * SCALE).astype(np.int64) * TIE_LEVELS + tie)

    # Nodes: 0 source, 1 sink, supplies, demands, households (with a cap).
    s_node0, d_node0 = 2, 2 + ns
    h_node0 = d_node0 + nd
    capped = policy.household_cap is not None
    n_nodes = h_node0 + (len(hh_ids) if capped else 0)
    total = int(s_qty.sum())
    tails = [ps + s_node0, np.zeros(ns, dtype=np.int64)]
    heads = [pd + d_node0, np.arange(ns, dtype=np.int64) + s_node0]
    caps = [np.minimum(s_qty[ps], d_qty[pd]), s_qty]
    costs = [cost, np.zeros(ns, dtype=np.int64)]
    d_nodes = np.arange(nd, dtype=np.int64) + d_node0
    if capped:
        hh_asked = np.bincount(d_hh, weights=d_qty, minlength=len(hh_ids)).astype(np.int64)
        tails += [d_nodes, np.arange(len(hh_ids), dtype=np.int64) + h_node0]
        heads += [d_hh.astype(np.int64) + h_node0, np.ones(len(hh_ids), dtype=np.int64)]
        caps += [d_qty, np.minimum(hh_asked, policy.household_cap)]
        costs += [np.zeros(nd, dtype=np.int64), np.zeros(len(hh_ids), dtype=np.int64)]
    else:
        tails.append(d_nodes)
        heads.append(np.ones(nd, dtype=np.int64))
        caps.append(d_qty)
        costs.append(np.zeros(nd, dtype=np.int64))
    tails.append(np.array([0]))
    heads.append(np.array([1]))
    caps.append(np.array([total]))
    costs.append(np.array([0]))
    supplies_by_node = np.zeros(n_nodes, dtype=np.int64)
    supplies_by_node[0], supplies_by_node[1] = total, -total

    return Problem(
        policy=policy, demand_ids=d_ids, demand_qty=d_qty, demand_tier=d_tier, demand_weight=weight,
        demand_household=d_hh, supply_ids=s_ids, supply_qty=s_qty,
        pair_d=pd, pair_s=ps, pair_fit=pf, pair_km=km, pair_value=value,
        has_category=has_cat, has_eligible=has_elig, has_consent=has_consent, has_near=has_near, household_count=len(hh_ids),
        tails=np.concatenate(tails).astype(np.int32), heads=np.concatenate(heads).astype(np.int32),
        capacities=np.concatenate(caps).astype(np.int64), costs=np.concatenate(costs).astype(np.int64),
        node_supplies=supplies_by_node, build_seconds=time.perf_counter() - started,
    )


def _result(problem: Problem, flow: np.ndarray, stats: dict) -> Allocation:
    """Lines, unmet needs and the objective from the flow on the pair arcs."""
    p = problem
    used = np.flatnonzero(flow > 0)
    served_d = np.bincount(p.pair_d[used], weights=flow[used], minlength=len(p.demand_ids)).astype(np.int64)
    d_ids, s_ids = p.demand_ids.tolist(), p.supply_ids.tolist()
    tiers, weights = p.demand_tier.tolist(), p.demand_weight.tolist()
    lines = []
    for q, i, j, f, km in zip(flow[used].tolist(), p.pair_d[used].tolist(), p.pair_s[used].tolist(),
                              p.pair_fit[used].tolist(), p.pair_km[used].tolist(), strict=True):
        lines.append(Line(d_ids[i], s_ids[j], int(q), FITS[f], None if km != km else round(km, 3),
                          tiers[i], weights[i]))
    short = np.flatnonzero(served_d < p.demand_qty)
    unmet = []
    if len(short):
        cap = p.policy.household_cap
        hh_full = np.zeros(p.household_count, dtype=bool)
        if cap is not None:
            hh_served = np.bincount(p.demand_household, weights=served_d, minlength=p.household_count)
            hh_full = hh_served >= cap
        for i in short.tolist():
            if not p.has_category[i]:
                reason = "no_category"
            elif not p.has_eligible[i]:
                reason = "not_eligible"
            elif not p.has_consent[i]:
                reason = "no_consent"
            elif not p.has_near[i]:
                reason = "too_far"
            elif hh_full[p.demand_household[i]]:
                reason = "household_cap"
            else:
                reason = "none_left"
            unmet.append(Unmet(d_ids[i], int(p.demand_qty[i] - served_d[i]), reason, tiers[i]))
    objective = float(np.dot(flow[used].astype(np.float64), p.pair_value[used]))
    return Allocation(lines=lines, unmet=unmet, objective=objective, served=int(served_d.sum()),
                      asked=int(p.demand_qty.sum()), stats=stats)


def solve(problem: Problem, *, progress: Callable[[str], None] | None = None) -> Allocation:
    started = time.perf_counter()
    smcf = problem._solver()
    solve_s = time.perf_counter() - started
    flow = smcf.flows(np.arange(problem.pairs, dtype=np.int32)) if problem.pairs else np.zeros(0, np.int64)
    if progress:
        progress(f"solved {problem.pairs} pairs in {solve_s:.2f} s")
    stats = {"pairs": problem.pairs, "arcs": len(problem.tails), "build_seconds": problem.build_seconds,
             "solve_seconds": solve_s}
    return _result(problem, np.asarray(flow, dtype=np.int64), stats)


def allocate(demands: Iterable[Demand], supplies: Iterable[Supply], policy: Policy, fit: Fit, *,
             progress: Callable[[str], None] | None = None) -> Allocation:
    """The allocation that maximises Σ quantity × value (see the module doc)."""
    problem = build(demands, supplies, policy, fit)
    if progress:
        progress(f"built {problem.pairs} candidate pairs in {problem.build_seconds:.2f} s")
    return solve(problem, progress=progress)


def greedy(demands: Iterable[Demand], supplies: Iterable[Supply], policy: Policy, fit: Fit) -> Allocation:
    """The spreadsheet way, as a baseline: needs by weight (highest first,
    then id), each taking from the nearest eligible supply first (unknown
    distance after known, then supply id), within the household cap."""
    started = time.perf_counter()
    p = build(demands, supplies, policy, fit)
    rank = np.empty(len(p.demand_ids), dtype=np.int64)
    rank[np.lexsort((p.demand_ids, -p.demand_weight))] = np.arange(len(p.demand_ids))
    km = np.nan_to_num(p.pair_km, nan=np.inf)
    order = np.lexsort((p.pair_s, km, rank[p.pair_d]))
    left_s = p.supply_qty.tolist()
    left_d = p.demand_qty.tolist()
    cap = p.policy.household_cap
    left_h = [cap if cap is not None else math.inf] * p.household_count
    hh = p.demand_household.tolist()
    pair_d, pair_s = p.pair_d.tolist(), p.pair_s.tolist()
    flow = [0] * p.pairs
    for k in order.tolist():
        i, j = pair_d[k], pair_s[k]
        q = min(left_s[j], left_d[i], left_h[hh[i]])
        if q > 0:
            q = int(q)
            flow[k] = q
            left_s[j] -= q
            left_d[i] -= q
            left_h[hh[i]] -= q
    stats = {"pairs": p.pairs, "build_seconds": p.build_seconds,
             "solve_seconds": time.perf_counter() - started - p.build_seconds}
    return _result(p, np.array(flow, dtype=np.int64), stats)


# ---------------------------------------------------------------- suggest


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    fit: str  # "same" | "narrower" | "broader"
    distance_km: float | None = None
    capacity_left: int | None = None  # None: unknown
    eligible: bool = True
    days_since_verified: int | None = None
    delivered: int = 0
    failed: int = 0
    # The vulnerabilities through which the household qualifies for a
    # candidate that is only for some (empty: open to anyone).
    eligible_via: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: int
    score: float
    reasons: list[tuple[str, dict]]


SUGGEST_WEIGHTS = {"fit": 3.0, "distance": 2.0, "capacity": 2.0, "verified": 1.0, "outcomes": 1.5}
FIT_SCORE = {"same": 1.0, "narrower": 0.8, "broader": 0.5}
UNKNOWN_DISTANCE_SCORE = 0.4
UNKNOWN_CAPACITY_SCORE = 0.5


def suggest(need: Demand, candidates: Sequence[Candidate], *, limit: int = 10) -> list[Suggestion]:
    """The ``limit`` best candidates for one need, best first, each with its
    reasons (codes in the module doc)."""
    n = len(candidates)
    if not n or limit <= 0:
        return []
    asked = max(need.quantity, 1)
    nan = math.nan
    ids = np.fromiter((c.id for c in candidates), dtype=np.int64, count=n)
    fit = np.fromiter((FIT_SCORE[c.fit] for c in candidates), dtype=np.float64, count=n)
    km = np.fromiter((nan if c.distance_km is None else c.distance_km for c in candidates), np.float64, n)
    left = np.fromiter((nan if c.capacity_left is None else c.capacity_left for c in candidates), np.float64, n)
    eligible = np.fromiter((c.eligible for c in candidates), dtype=bool, count=n)
    days = np.fromiter((nan if c.days_since_verified is None else c.days_since_verified for c in candidates),
                       np.float64, n)
    delivered = np.fromiter((c.delivered for c in candidates), dtype=np.float64, count=n)
    failed = np.fromiter((c.failed for c in candidates), dtype=np.float64, count=n)

    w = SUGGEST_WEIGHTS
    with np.errstate(invalid="ignore"):
        dist_s = np.where(np.isnan(km), UNKNOWN_DISTANCE_SCORE, 1.0 / (1.0 + np.maximum(km, 0) / 2.0))
        cap_s = np.where(np.isnan(left), UNKNOWN_CAPACITY_SCORE, np.minimum(np.maximum(left, 0) / asked, 1.0))
        ver_s = np.where(np.isnan(days), 0.0, 1.0 / (1.0 + np.maximum(days, 0) / 90.0))
    out_s = (delivered + 1.0) / (delivered + failed + 2.0)
    score = (w["fit"] * fit + w["distance"] * dist_s + w["capacity"] * cap_s + w["verified"] * ver_s
             + w["outcomes"] * out_s) / sum(w.values())
    score = np.round(score, 9)  # ties decided by id, not by float noise
    keep = eligible & ~(left <= 0)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return []
    if len(idx) > limit * 4:
        # Only the best few need sorting: everything scoring at least the
        # limit-th best score (ties included) is a contender.
        cut = np.partition(-score[idx], limit - 1)[limit - 1]
        idx = idx[-score[idx] <= cut]
    idx = idx[np.lexsort((ids[idx], -score[idx]))][:limit]
    result = []
    for i in idx.tolist():
        c = candidates[i]
        reasons: list[tuple[str, dict]] = [("fit", {"fit": c.fit})]
        if c.distance_km is None:
            reasons.append(("distance_unknown", {}))
        else:
            reasons.append(("distance", {"km": round(float(c.distance_km), 1)}))
        if c.capacity_left is None:
            reasons.append(("capacity_unknown", {"asked": need.quantity}))
        else:
            reasons.append(("capacity", {"left": int(c.capacity_left), "asked": need.quantity}))
        if c.eligible_via:
            reasons.append(("eligible", {"tags": sorted(c.eligible_via)}))
        if c.days_since_verified is None:
            reasons.append(("never_verified", {}))
        else:
            reasons.append(("verified", {"days": int(c.days_since_verified)}))
        if c.delivered or c.failed:
            reasons.append(("outcomes", {"delivered": int(c.delivered), "failed": int(c.failed)}))
        result.append(Suggestion(int(c.id), float(score[i]), reasons))
    return result
