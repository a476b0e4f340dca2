"""The import benchmark: a 10,000-row XLSX file of resources, imported end
to end (read, check every row, write in one transaction) into a fresh station
on a throw-away database, then imported again (every row unchanged)."""

import datetime as dt
import io
import random
import time

IMPORT_ROWS = 10_000

KIND_WORDS = {
    "person": ["理发师傅", "退休医生", "心理咨询师", "律师志愿者", "电工师傅"],
    "organization": ["志愿者协会", "老年协会", "珠宝协会", "文体队", "楼组长联谊会"],
    "business": ["便利店", "超市", "药房", "菜场", "快递站"],
    "venue": ["活动室", "会议室", "篮球场", "睦邻点", "图书室"],
    "material": ["口罩", "防护服", "消毒液", "大米", "瓶装水"],
    "money": ["慈善基金", "困难补助金", "爱心捐款", "慰问金"],
    "culture": ["老街", "古树", "石库门", "公园"],
    "information": ["就业信息", "政策宣传栏", "防疫须知", "办事指南"],
}
PLACES = ["阳光", "幸福", "和平", "长寿", "春晖", "梅园", "桃源", "新华", "东明", "华阳", "枫林", "虹桥"]


def build_xlsx(station, rows: int, seed: int) -> bytes:
    """A file such as a station would fill in: English headers, one resource
    per row, naming the station's communities, grids and categories by code."""
    from openpyxl import Workbook

    from resourcelink.communities.models import Community, Grid
    from resourcelink.interop.resource_io import COLUMNS
    from resourcelink.taxonomy.models import Category

    rng = random.Random(seed)
    today = dt.date.today()
    communities = list(Community.objects.filter(station=station).order_by("id"))
    grids: dict[int, list[str]] = {}
    for community_id, code in Grid.objects.filter(station=station).order_by("id").values_list("community_id", "code"):
        grids.setdefault(community_id, []).append(code)
    leaves = list(Category.objects.filter(station=station, parent__isnull=False).order_by("path")
                  .values_list("code", flat=True))
    columns = [c for c in COLUMNS if c.key != "uuid"]
    # A normal (not write-only) workbook, saved as Excel and WPS save theirs:
    # shared strings and a <dimension> element. (A file without <dimension>
    # costs openpyxl's reader one more pass over the whole sheet.)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "resources"
    sheet.append([c.en for c in columns])
    for i in range(rows):
        community = rng.choice(communities)
        kind = rng.choice(list(KIND_WORDS))
        name = f"{rng.choice(PLACES)}{rng.choice(KIND_WORDS[kind])}{i + 1:05d}"
        located = rng.random() < 0.9
        values = {
            "name": name,
            "kind": kind,
            "categories": ", ".join(rng.sample(leaves, 2 if rng.random() < 0.2 else 1)),
            "description": f"{community.name}的{name}，可在紧急情况下联系。",
            "formal": rng.choice(["yes", "no"]),
            "internal": rng.choice(["yes", "no"]),
            "community": community.code,
            "grid": rng.choice(grids[community.pk]),
            "address": f"{rng.choice(PLACES)}路{rng.randint(1, 800)}号",
            "latitude": round(community.latitude + rng.uniform(-0.004, 0.004), 6) if located else None,
            "longitude": round(community.longitude + rng.uniform(-0.004, 0.004), 6) if located else None,
            "contact_name": f"{rng.choice('张王李赵刘陈杨黄')}女士",
            "contact_phone": f"13{rng.randint(0, 999999999):09d}",
            "quantity": rng.randint(1, 500) if kind in ("material", "money") else None,
            "unit": "件" if kind == "material" else "元" if kind == "money" else "",
            "availability": "工作日 9:00-17:00",
            "eligibility": "本社区居民",
            "source": rng.choice(["walk", "interview", "donor_offer", "referral"]),
            "source_date": today - dt.timedelta(days=rng.randint(0, 400)),
            "last_verified": today - dt.timedelta(days=rng.randint(0, 200)) if rng.random() < 0.9 else None,
            "status": "active",
            "tags": rng.choice(["应急", "防汛", "防暑", "助老", ""]),
        }
        sheet.append([values[c.key] for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(args, log) -> dict:
    from resourcelink.core.demo import district_generate
    from resourcelink.interop.resource_io import resources_import

    from .child import database_info
    from .district import bench_user

    station = district_generate(communities=args.communities, resources=0, seed=args.seed)
    user = bench_user(station)
    started = time.perf_counter()
    data = build_xlsx(station, IMPORT_ROWS, args.seed)
    build_s = time.perf_counter() - started
    log(f"built a {IMPORT_ROWS}-row XLSX file ({len(data) / 1e6:.1f} MB) in {build_s:.1f} s; importing")
    runs = {}
    for label in ("first", "again"):
        started = time.perf_counter()
        result = resources_import(actor=user, station=station, file=data, filename="bench.xlsx")
        seconds = time.perf_counter() - started
        runs[label] = {
            "seconds": round(seconds, 2), "rows": result.rows, "created": result.created,
            "updated": result.updated, "unchanged": result.unchanged, "errors": len(result.errors),
            "first_errors": [e.as_tuple() for e in result.errors[:5]],
        }
        log(f"  import ({label}): {seconds:.2f} s, created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged}, errors {len(result.errors)}")
    return {
        "db": args.db, "database": database_info(), "rows": IMPORT_ROWS, "file_mb": round(len(data) / 1e6, 2),
        "build_seconds": round(build_s, 1), "runs": runs,
    }
