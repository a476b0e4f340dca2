"""From a gift to the donor's report, on phones: a social worker receives
masks and a restricted cash gift, sets up a distribution plan that an admin
approves, prints the sign-off sheet of a grid, gives a volunteer a
hand-over pass whose phone records two hand-overs through the sheet's QR
codes, records the rest of the grid in bulk; the admin closes the plan and
commends a volunteer with the surplus; anyone with the report's link sees
what was given out, and nothing personal."""

import datetime
import re

import pytest
import segno
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Expect

from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import PASSWORD, make_station, make_user
from resourcelink.distribution.models import LineStatus, Plan, PlanLine
from resourcelink.donations.models import Donation
from resourcelink.fund.models import FundAccount
from resourcelink.inventory.models import Item, Lot
from resourcelink.inventory.services import store_create
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.services import household_create, resident_create
from resourcelink.people.tests.base import id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A loaded CI machine can take more than Playwright's default 5 s per page.
expect = Expect()
expect.set_options(timeout=15_000)

# (grid code, household, address, [(resident, phone, tagged special hardship)]).
# Persons per household decide the masks: 10 each.
FAMILIES = [
    ("g1", "赵秀兰家", "步行街1号101室", [("赵秀兰", "13900000001", True), ("赵小军", "13900000011", False)]),
    ("g1", "钱大勇家", "步行街2号202室", [("钱大勇", "13900000002", True)]),
    ("g1", "孙桂英家", "步行街3号303室", [("孙桂英", "13900000003", True), ("孙建华", "13900000013", False)]),
    ("g1", "李淑珍家", "步行街4号404室", [("李淑珍", "13900000004", True)]),
    ("g1", "周德明家", "步行街5号505室", [("周德明", "13900000005", True)]),
    ("g2", "吴玉梅家", "步行街6号606室", [("吴玉梅", "13900000006", True)]),
]
VOLUNTEER = ("郑志强家", "步行街9号909室", "郑志强", "13900000009")
ID_NUMBER = id_number("330106", "19480312", "021")  # 赵秀兰's
DONOR_PHONE = "13700001111"
COLLECTOR = "邻居王阿姨"


def personal_values() -> list[str]:
    """Everything personal the fixture and the test type in: no public page may show any of it,
    masked names included."""
    values = [ID_NUMBER, DONOR_PHONE, COLLECTOR, *VOLUNTEER]
    for _grid, household, address, residents in FAMILIES:
        values += [household, address, household[:1] + "*" * (len(household) - 1)]
        for name, phone, _tagged in residents:
            values += [name, phone]
    return values


@pytest.fixture
def station():
    station = make_station("步行街社工站", "buxingjie")
    admin = make_user("wang", station, "admin")
    make_user("li", station, "social_worker")
    community = community_create(actor=admin, station=station, name="步行街社区", code="bxj",
                                 latitude=30.2705, longitude=120.1622)
    grids = {code: grid_create(actor=admin, community=community, name=name, code=code)
             for code, name in (("g1", "第一网格"), ("g2", "第二网格"))}
    store_create(actor=admin, station=station, name="社区仓库")
    hardship = VulnerabilityTag.objects.get(station=station, code="special_hardship")
    volunteer = VulnerabilityTag.objects.get(station=station, code="volunteer")
    for grid, name, address, residents in FAMILIES:
        household = household_create(actor=admin, station=station, name=name, address=address,
                                     community=community, grid=grids[grid])
        for i, (resident, phone, tagged) in enumerate(residents):
            resident_create(actor=admin, household=household, name=resident, phone=phone,
                            relation="head" if i == 0 else "child", tags=[hardship] if tagged else [],
                            id_number=ID_NUMBER if resident == "赵秀兰" else "")
    household = household_create(actor=admin, station=station, name=VOLUNTEER[0], address=VOLUNTEER[1],
                                 community=community, grid=grids["g1"])
    resident_create(actor=admin, household=household, name=VOLUNTEER[2], phone=VOLUNTEER[3], relation="head",
                    tags=[volunteer])
    return station


def new_phone(browser, base: str):
    """A fresh browser on a phone, as the conftest's ``page``: no cookies, no session."""
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = base
    return context, page


def sign_in(page, username: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="步行街社工站")).to_be_visible()


def qr_modules(path: str) -> set[tuple[int, int]]:
    """The dark modules a segno SVG path draws (``M``/``m`` moves, ``h`` runs
    of dark modules along a row whose middle is the y coordinate), shifted
    so the top-left finder pattern starts at (0, 0): independent of the
    quiet zone and the scale the sheet prints at."""
    tokens = re.findall(r"[A-Za-z]|-?\d+(?:\.\d+)?", path)
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    i = 0
    while i < len(tokens):
        command = tokens[i]
        if command == "M":
            x, y = float(tokens[i + 1]), float(tokens[i + 2])
            i += 3
        elif command == "m":
            x, y = x + float(tokens[i + 1]), y + float(tokens[i + 2])
            i += 3
        elif command == "h":
            run = float(tokens[i + 1])
            dark.update((int(x + k), int(y)) for k in range(int(run)))
            x += run
            i += 2
        else:
            raise AssertionError(f"unexpected path command {command!r} in the QR code")
    left, top = min(c for c, _r in dark), min(r for _c, r in dark)
    return {(c - left, r - top) for c, r in dark}


def qr_encodes(path: str, url: str) -> bool:
    """Whether the drawn code is a QR code of exactly ``url`` (at whichever
    error correction level the sheet chose)."""
    drawn = qr_modules(path)
    for level in "lmqh":
        matrix = segno.make_qr(url, error=level).matrix
        if drawn == {(c, r) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}:
            return True
    return False


def test_donations_plan_sheet_qr_handovers_surplus_and_donor_report(page, browser, station):
    base = page.base_url
    today = timezone.localdate()
    expires = today + datetime.timedelta(days=180)
    masks = Item.objects.get(station=station, code="masks")

    # --- 1. A social worker receives 200 masks from an estate agency, not yet on file.
    sign_in(page, "li")
    page.goto(f"{base}{reverse('donations:donation_receive')}")
    page.get_by_text("The donor is not on file yet").click()
    page.get_by_label("Or a new donor: name").fill("绿城房产中介")
    page.get_by_label("The new donor's kind").select_option("enterprise")
    page.get_by_label("The new donor's phone").fill(DONOR_PHONE)
    page.get_by_label("The new donor may be named in public").check()
    page.get_by_label("in kind", exact=True).check()
    page.get_by_label("Store the goods go into").select_option(label="社区仓库")
    page.get_by_label("Item", exact=True).select_option(str(masks.pk))
    page.get_by_label("Quantity", exact=True).fill("200")
    page.get_by_label("Expires on").fill(expires.isoformat())
    page.get_by_label("Estimated value (yuan)").fill("100")
    page.get_by_role("button", name="Save the donation").click()
    number = f"JZ-{today.year}-0001"
    expect(page.locator("h1")).to_contain_text(f"Donation {number}")
    in_kind = Donation.objects.get(number=1, station=station)
    lot = Lot.objects.get(donation_line__donation=in_kind)
    assert (lot.item_id, lot.on_hand, lot.reserved, lot.expires_on) == (masks.pk, 200, 0, expires)
    page.get_by_role("link", name="Acknowledgement").click()
    expect(page.locator("#ack-number")).to_have_text(number)
    expect(page.locator("#ack-donor")).to_have_text("绿城房产中介")
    expect(page.locator("#ack-what")).to_contain_text("Medical masks")

    # The store room shows the masks in the store, and the lot with its expiry.
    page.goto(f"{base}{reverse('inventory:stock')}")
    total = page.locator("tr.item-total", has_text="Medical masks")
    expect(total.locator("td").nth(2)).to_have_text("200")
    expect(total.locator("td").nth(5)).to_have_text(expires.isoformat())
    page.locator("tr.store-row").get_by_role("link", name="社区仓库").click()
    lot_row = page.locator(".lot-table tbody tr", has_text=f"#{lot.pk}")
    expect(lot_row).to_contain_text("Medical masks")
    expect(lot_row).to_contain_text(expires.isoformat())
    expect(lot_row.locator("td").nth(4)).to_have_text("200")

    # --- 2. 3,000 yuan from a foundation, only for households in special hardship.
    page.goto(f"{base}{reverse('donations:donation_receive')}")
    page.get_by_text("The donor is not on file yet").click()
    page.get_by_label("Or a new donor: name").fill("春风公益基金会")
    page.get_by_label("The new donor's kind").select_option("organization")
    page.get_by_label("cash", exact=True).check()
    page.get_by_label("Amount (yuan)", exact=True).fill("3000")
    page.get_by_text("The donor's restrictions", exact=True).click()
    page.get_by_label("Special hardship", exact=True).check()
    page.get_by_role("button", name="Save the donation").click()
    expect(page.locator("h1")).to_contain_text(f"Donation JZ-{today.year}-0002")
    account = FundAccount.objects.get(donation__number=2, donation__station=station)
    expect(page.locator(".card", has_text=account.name)).to_contain_text("balance 3000.00 yuan")
    page.goto(f"{base}{reverse('fund:account_list')}")
    row = page.locator(".results-list li", has_text=account.name)
    expect(row).to_contain_text("restricted")
    expect(row).to_contain_text("Only for: Special hardship")
    expect(row).to_contain_text("balance 3000.00 yuan")

    # --- 3. A plan: the masks and the money, for special hardship, 10 masks a person, 500 yuan a household.
    page.goto(f"{base}{reverse('distribution:plan_create')}")
    page.get_by_label("Name", exact=True).fill("特困家庭防疫物资发放")
    page.get_by_label("Distribution date").fill(today.isoformat())
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=re.compile("Set up 特困家庭防疫物资发放"))).to_be_visible()
    plan = Plan.objects.get(station=station)
    plan_url = f"{base}{reverse('distribution:plan_detail', args=[plan.pk])}"

    sources = page.locator("#sources")
    lot_form = sources.locator("form", has=page.locator("[name=lot]"))
    lot_form.locator("[name=lot]").select_option(str(lot.pk))
    lot_form.get_by_role("button", name="Add").click()
    expect(sources.locator(".source-list")).to_contain_text(f"lot #{lot.pk}")
    fund_form = sources.locator("form", has=page.locator("[name=fund_account]"))
    fund_form.locator("[name=fund_account]").select_option(str(account.pk))
    fund_form.get_by_role("button", name="Add").click()
    expect(sources.locator(".source-list")).to_contain_text(account.name)

    tiers = page.locator("#tiers")
    tiers.get_by_label("Special hardship", exact=True).check()
    tiers.get_by_role("button", name="Save the tier").click()
    expect(tiers.locator(".tier-list")).to_contain_text("Tier 1: Special hardship")

    allowances = page.locator("#allowances")
    allowances.locator("[name=item]").select_option(str(masks.pk))
    allowances.locator("[name=quantity]").fill("10")
    allowances.locator("[name=basis]").select_option("person")
    allowances.get_by_role("button", name="Add").click()
    expect(allowances.locator(".allowance-list")).to_contain_text("Medical masks × 10")
    allowances.locator("[name=item]").select_option("")
    allowances.locator("[name=amount]").fill("500")
    allowances.locator("[name=basis]").select_option("household")
    allowances.get_by_role("button", name="Add").click()
    expect(allowances.locator(".allowance-list")).to_contain_text("¥500")

    page.get_by_role("button", name="Generate the plan").click()
    expect(page).to_have_url(plan_url)
    expect(page.locator(".messages")).to_contain_text("6 lines for 6 recipients")
    figures = page.locator("section[aria-labelledby=figures-h]")
    expect(figures.locator(".stat b").first).to_have_text("6")  # recipients
    masks_figures = figures.locator("tr", has_text="Medical masks × 10")
    expect(masks_figures.locator("td").nth(1)).to_have_text("80")  # asked: 8 persons
    expect(masks_figures.locator("td").nth(2)).to_have_text("80")  # given
    money_figures = figures.locator("tr", has_text="¥500.00")
    expect(money_figures.locator("td").nth(2)).to_have_text("¥3,000.00")
    lines_table = page.locator("#lines .plan-lines tbody tr")
    expect(lines_table).to_have_count(6)
    expect(page.locator("#lines")).to_contain_text("group: Special hardship")
    expect(page.locator("#lines")).to_contain_text("赵***")
    expect(page.locator("#lines")).not_to_contain_text("赵秀兰")

    # An admin approves it on her phone: the stock and the money are reserved.
    admin_context, admin = new_phone(browser, base)
    sign_in(admin, "wang")
    admin.goto(plan_url)
    admin.get_by_role("button", name="Approve and reserve").click()
    expect(admin.locator(".messages")).to_contain_text("The plan was approved")
    expect(admin.locator("h1 .badge")).to_have_text("approved")
    lot.refresh_from_db()
    account.refresh_from_db()
    assert (lot.reserved, account.reserved) == (80, 3000)

    # --- 4. The printable sheets, one per grid: masked names and phones, a QR code per line.
    page.goto(plan_url)
    page.get_by_role("link", name="Sign-off sheets").click()
    expect(page.locator("section.sheet")).to_have_count(2)
    sheet = page.locator("section.sheet", has_text="第一网格")
    rows = sheet.locator("table.signoff tbody tr")
    expect(rows).to_have_count(5)
    expect(sheet).to_contain_text("139****0001")
    body = page.locator("body")
    for value in personal_values():
        if "*" not in value and value != "邻居王阿姨":
            expect(body).not_to_contain_text(value)
    # The sheet shows the hand-over link only inside its QR code: each code
    # must draw exactly the URL of its own line's hand-over page.
    scan_urls = {}
    for i in range(5):
        row = rows.nth(i)
        line = PlanLine.objects.select_related("household").get(pk=int(row.locator("td").first.inner_text()))
        assert line.grid.code == "g1"
        expect(row).to_contain_text(line.household.name[:1] + "*")
        url = f"{base}{reverse('distribution:handover_scan', args=[line.token])}"
        assert qr_encodes(row.locator("svg path").get_attribute("d"), url), f"line #{line.pk}: QR is not {url}"
        scan_urls[line.household.name] = url

    # --- 5. A hand-over pass for a volunteer, opened on her own phone with no account.
    page.goto(plan_url)
    page.get_by_role("link", name="Hand-over passes").click()
    page.get_by_label("Volunteer", exact=True).fill("小周")
    page.get_by_role("button", name="Create the pass").click()
    pass_link = page.locator(".once .link").inner_text().strip()
    assert pass_link.startswith(f"{base}/distribution/pass/")

    volunteer_context, phone = new_phone(browser, base)
    # A QR code alone is not enough.
    phone.goto(scan_urls["赵秀兰家"])
    expect(phone.get_by_role("heading", name="You cannot record this hand-over here")).to_be_visible()
    phone.goto(pass_link)
    expect(phone.get_by_role("heading", name="Welcome, 小周")).to_be_visible()

    phone.goto(scan_urls["赵秀兰家"])
    expect(phone.locator("h1")).to_contain_text("赵***")
    expect(phone.locator(".scan-card")).to_contain_text("Medical masks × 20")
    expect(phone.locator(".scan-card")).to_contain_text("¥500.00")
    phone.get_by_role("button", name="Handed over").click()
    expect(phone.locator(".scan-card .badge.ok")).to_contain_text("handed over")

    phone.goto(scan_urls["钱大勇家"])
    expect(phone.locator("h1")).to_contain_text("钱***")
    phone.get_by_label("Collected by").fill(COLLECTOR)
    phone.get_by_role("button", name="Handed over").click()
    expect(phone.locator(".scan-card")).to_contain_text(f"collected by {COLLECTOR}")
    volunteer_context.close()
    handed = PlanLine.objects.filter(plan=plan, status=LineStatus.HANDED_OVER).select_related("handover")
    assert sorted((line.household.name, line.handover.method, line.handover.collected_by) for line in handed) == [
        ("赵秀兰家", "qr", ""), ("钱大勇家", "qr", COLLECTOR)]

    # --- 6. Back at the station: the rest of the first grid in bulk; the second grid's household never came.
    page.goto(plan_url)
    page.get_by_role("link", name="Record hand-overs in bulk").click()
    page.get_by_role("link", name="第一网格 (2/5)").click()
    page.get_by_label("All planned lines of this grid").check()
    page.get_by_role("button", name="Next: confirm").click()
    expect(page.get_by_role("heading", name="Record 3 hand-overs?")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text("3 hand-overs were recorded.")

    admin.goto(plan_url)
    admin.get_by_label("Note on closing").fill("第二网格一户联系不上")
    admin.get_by_role("button", name="Close the plan").click()
    expect(admin.get_by_role("heading", name="Surplus")).to_be_visible()
    card = admin.locator(f"#lot-{lot.pk}")
    expect(card.locator(".stat b").first).to_have_text("10")  # released: 吴玉梅家's 10 masks
    commend = card.locator("details", has_text="commend volunteers")
    commend.locator("summary").click()
    commend.locator("[name=resident_0]").select_option(label="郑**")
    commend.locator("[name=quantity_0]").fill("10")
    commend.locator("[name=reason]").fill("防疫志愿服务表现突出")
    commend.get_by_role("button", name="Record the decision").click()
    expect(admin.locator(".messages")).to_contain_text("The decision was recorded.")
    expect(admin.locator(".results-list")).to_contain_text("郑** × 10")
    expect(admin.locator(f"#lot-{lot.pk} .stat b").nth(2)).to_have_text("0")
    admin_context.close()
    lot.refresh_from_db()
    account.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (200 - 70 - 10, 0)
    assert (account.balance, account.reserved) == (3000 - 5 * 500, 0)
    assert PlanLine.objects.get(plan=plan, household__name="吴玉梅家").status == LineStatus.NOT_COLLECTED

    # --- 7. The donor's report, by the link on the donation's page, opened by anyone.
    page.goto(f"{base}{reverse('donations:donation_detail', args=[in_kind.pk])}")
    report_link = page.locator("#report-link").get_attribute("href")
    anonymous_context, reader = new_phone(browser, base)
    reader.goto(f"{base}{report_link}")
    expect(reader.locator("h1")).to_have_text(f"Report on donation {number}")
    expect(reader.locator("#households")).to_have_text("5")
    expect(reader.locator("#handed-over")).to_contain_text("Medical masks 70")
    expect(reader.locator("#by-grid")).to_contain_text("第一网格")
    expect(reader.locator("#by-group")).to_contain_text("Special hardship")
    expect(reader.locator("#other-uses")).to_contain_text("Awarded to volunteers in commendation")
    expect(reader.locator("#remaining")).to_contain_text("120")
    report = reader.locator("body")
    for value in personal_values():
        expect(report).not_to_contain_text(value)
    anonymous_context.close()
