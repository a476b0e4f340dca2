"""Households, residents and needs for the demo station.

Built through the services, like the rest of the demo, from the demo's seeded
random generator. Names, phones and ID numbers are made up; the ID numbers
carry a valid check character so they pass the same validation as real ones.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from resourcelink.needs.models import LinkStatus, NeedSource, NeedStatus, Urgency
from resourcelink.needs.services import link_create, link_transition, need_create, need_transition
from resourcelink.people.idnumber import check_char
from resourcelink.people.models import (
    ConsentMethod,
    ConsentScope,
    Gender,
    Relation,
    VulnerabilityTag,
)
from resourcelink.people.services import consent_record, household_create, resident_create

GIVEN_NAMES = ["秀英", "桂兰", "建国", "志强", "丽华", "玉珍", "国庆", "海燕", "小明", "思雨", "子涵", "浩然",
               "淑芬", "德明", "春梅", "卫东", "晓峰", "佳怡", "一鸣", "雨桐"]

# (category code, unit, quantity range, urgency weights, vulnerability that makes it likely)
NEED_TEMPLATES = [
    ("protection.masks", "个", (10, 30), "normal", None),
    ("food.parcel", "份", (1, 3), "high", "special_hardship"),
    ("food.staple", "袋", (1, 2), "normal", "subsistence"),
    ("money.hardship", "元", (500, 2000), "high", "special_hardship"),
    ("medical.chronic", "盒", (1, 4), "critical", "chronic_illness"),
    ("care.meals", "次", (5, 14), "high", "elderly_alone"),
    ("care.haircut", "次", (1, 1), "low", "disability"),
    ("care.visit", "次", (2, 4), "normal", "elderly_alone"),
    ("daily.cooling", "台", (1, 1), "normal", "elderly_alone"),
    ("transport.escort", "次", (1, 2), "high", "disability"),
    ("education.tutoring", "次", (4, 8), "low", "left_behind_child"),
]


def demo_id_number(rng: random.Random, birth: date, gender: str) -> str:
    region = "330102"  # 杭州市上城区
    serial = rng.randint(10, 99) * 10 + (rng.choice([1, 3, 5, 7, 9]) if gender == Gender.MALE
                                         else rng.choice([0, 2, 4, 6, 8]))
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + check_char(first17)


def build_needs(builder, *, households: int = 60) -> None:
    """Register households with residents, consents and needs, link some of
    them to the demo's resources and follow a few links to the end."""
    from resourcelink.core.demo import SURNAMES, demo_phone
    from resourcelink.directory.models import Resource, ResourceStatus

    rng: random.Random = builder.rng
    station, admin, worker = builder.station, builder.admin, builder.worker
    tags = {t.code: t for t in VulnerabilityTag.objects.filter(station=station)}
    needs = []
    for i in range(households):
        community, grid, lat, lon, address = builder.place()
        surname = rng.choice(SURNAMES)
        household = household_create(
            actor=worker, station=station, check=False, name=f"{surname}家", community=community, grid=grid,
            address=f"{address}{rng.randint(1, 6)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}",
            latitude=lat, longitude=lon,
        )
        head_age = rng.randint(28, 88)
        members = [(Relation.HEAD, head_age)]
        if head_age < 70 and rng.random() < 0.6:
            members.append((Relation.SPOUSE, head_age + rng.randint(-4, 4)))
        if head_age < 60 and rng.random() < 0.5:
            members.append((Relation.CHILD, rng.randint(4, 16)))
        household_tags: set[str] = set()
        for relation, age in members:
            gender = rng.choice([Gender.FEMALE, Gender.MALE])
            birth = date(builder.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            resident_tags = []
            if age >= 70 and len(members) == 1:
                resident_tags.append("elderly_alone")
            if age >= 55 and rng.random() < 0.35:
                resident_tags.append("chronic_illness")
            if age < 16 and rng.random() < 0.3:
                resident_tags.append("left_behind_child")
            if 18 <= age < 60:
                resident_tags += rng.sample(["unemployed", "frontline_worker", "volunteer", "subsistence"],
                                            k=rng.choice([0, 0, 1]))
            if rng.random() < 0.12:
                resident_tags.append(rng.choice(["disability", "special_hardship"]))
            household_tags.update(resident_tags)
            resident = resident_create(
                actor=worker, household=household, check=False, confirm_duplicate=True,
                name=surname + rng.choice(GIVEN_NAMES), gender=gender, birth_date=birth, relation=relation,
                phone=demo_phone(rng) if age >= 16 else "",
                id_number=demo_id_number(rng, birth, gender) if rng.random() < 0.8 else "",
                tags=[tags[c] for c in resident_tags if c in tags],
            )
            if relation == Relation.HEAD:
                head = resident
        consent_record(actor=worker, resident=head, scope=ConsentScope.RECORD, given_by=head.name,
                       given_on=builder.days_ago(rng.randint(1, 60)), method=ConsentMethod.SIGNED, check=False)
        likely = [t for t in NEED_TEMPLATES if t[4] in household_tags] or NEED_TEMPLATES[:3]
        for code, unit, (low, high), urgency, _tag in rng.sample(likely, k=min(len(likely), rng.randint(1, 3))):
            if rng.random() < 0.25:
                urgency = rng.choice([Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW])
            need = need_create(
                actor=worker, household=household, resident=head, category=builder.categories[code],
                check=False, quantity=rng.randint(low, high), unit=unit, urgency=urgency,
                source=rng.choice(NeedSource.values), assigned_to=worker,
                due_on=builder.today + timedelta(days=rng.randint(-3, 14)),
                description=f"{builder.categories[code].name_zh_hans}：入户走访时登记。",
            )
            needs.append(need)
    # Needs were recorded over the last month, not all this minute.
    now = timezone.now()
    from resourcelink.needs.models import Need

    for need in needs:
        Need.objects.filter(pk=need.pk).update(created_on=now - timedelta(days=rng.randint(0, 30),
                                                                          hours=rng.randint(0, 23)))
    # Link about a third of them to a resource in the same category, and see
    # a few of those through.
    by_category: dict[int, list[Resource]] = {}
    for resource in Resource.objects.filter(station=station, status=ResourceStatus.ACTIVE,
                                            quantity__isnull=False, is_internal=True,
                                            organization__isnull=True).prefetch_related("categories"):
        for category in resource.categories.all():
            by_category.setdefault(category.pk, []).append(resource)
    for need in rng.sample(needs, k=len(needs) // 3):
        need.refresh_from_db()
        candidates = by_category.get(need.category_id, [])
        rng.shuffle(candidates)
        for resource in candidates:
            try:
                link = link_create(actor=worker, need=need, resource=resource, quantity=need.quantity,
                                   follow_up_on=builder.today + timedelta(days=rng.randint(-2, 5)))
            except Exception:  # noqa: BLE001 — capacity or eligibility: try the next one
                continue
            roll = rng.random()
            if roll < 0.4:
                link_transition(actor=worker, link=link, to_status=LinkStatus.DELIVERED,
                                outcome="已送达", feedback=rng.choice(["很及时，谢谢", "收到了", ""]))
            elif roll < 0.6:
                link_transition(actor=worker, link=link, to_status=LinkStatus.CONFIRMED)
            break
    # Linked the way a station works: most within a day or two of recording.
    for need in Need.objects.filter(station=station, first_linked_on__isnull=False):
        Need.objects.filter(pk=need.pk).update(
            first_linked_on=need.created_on + timedelta(hours=rng.choice([2, 5, 9, 20, 30, 46, 70, 120])))
    # One need nobody could meet, waiting for mobilisation.
    for need in needs[:2]:
        need.refresh_from_db()
        if need.status == NeedStatus.OPEN:
            need_transition(actor=admin, need=need, to_status=NeedStatus.UNMET,
                            reason="社区暂无此类资源，转入微心愿。")
