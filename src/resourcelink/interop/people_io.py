"""Households, residents and needs to and from spreadsheets.

One workbook with three sheets (Households, Residents, Needs) and a Help
sheet: a social worker fills in a household once, on the first sheet, under
a reference of their own ("户编号": H001, A-101...; never a name, phone or
ID number: references are shown to coordinators, and one shaped like a
phone or ID number is refused), and the residents and needs on the other
sheets name that reference. A CSV file holds one of the
three sheets; which one is told by its headers. Residents and needs in a CSV
refer to households already in the system (by their reference, or ``#id``
as an export writes it).

The rules are those of the resource import (resource_io): every row of every
sheet is checked first and every problem is reported with its sheet, row and
column; nothing is written unless the whole file is clean, and then in one
transaction. Writes go through the people and needs services, so duplicates,
history and permissions are handled in one place; a refusal there (a likely
duplicate, say) is reported on its row and the whole transaction is rolled
back. A dry run does the same work and rolls back at the end, so it reports
exactly what an import would.

Idempotent: a household is found by its reference (``import_key``), a
resident by ID number or else by household and name (or by its own
reference), a need by its reference or else by household, resident, category
and description. Rows whose values did not change are not touched.

Personal data: an ID number is never written back into an error message,
only its masked form. Exports mask names, addresses, phones and ID numbers
and give only the birth year, unless an admin asks for personal data with a
reason, which writes an ``ExportLog`` row. Re-importing a masked export keeps
the stored values: a masked cell that matches the stored value's mask means
"unchanged".
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from resourcelink.accounts.access import can, require_role
from resourcelink.accounts.models import EDITORS, STAFF, Station
from resourcelink.core.privacy import mask_address, mask_id_number, mask_name, mask_phone
from resourcelink.needs.models import Need
from resourcelink.people import idnumber
from resourcelink.people.models import Household, Resident
from resourcelink.people.phones import PhoneError, normalise_phone
from resourcelink.people.refs import HEX_KEY
from resourcelink.people.services import address_key, id_number_message, name_key, phone_message

from .people_format import (
    COLUMNS,
    HEADER_INDEX,
    HOUSEHOLDS,
    ID_REF_RE,
    MAX_FILE_BYTES,
    MAX_ROWS,
    NEEDS,
    READ_ONLY,
    REQUIRED,
    RESIDENTS,
    SHEETS,
    PeopleImportResult,
    SheetCounts,
    SheetError,
    _birth,
    _choice,
    _limited,
    _Lookups,
    _one_of_list,
    _quantity,
    _ref,
    _Rollback,
    guess_sheet,
    key_of,
    read_sheets,
    sheet_title,
)
from .resource_io import (
    CellError,
    _date,
    _float,
    _text,
    active_lang,
    normalise,
)
from .spreadsheets import (
    SpreadsheetError,
    Table,
)


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict
    failed: set[str] = field(default_factory=set)
    key: str = ""  # import key
    target: object = None  # the existing record it updates
    id_info: idnumber.IdNumberInfo | None = None
    household_key: str = ""
    household: Household | None = None


def _keys_to_pk(queryset) -> dict[str, int]:
    """``{key: pk}`` of the records with an import key: refs a user wrote
    (A-101) compared normalised, computed keys as they are."""
    out: dict[str, int] = {}
    for pk, key in queryset.exclude(import_key="").order_by("id").values_list("pk", "import_key"):
        out.setdefault(key if HEX_KEY.match(key) else normalise(key), pk)
    return out


class _Importer:
    def __init__(self, *, station: Station, actor, filename: str, confirm_duplicates: bool):
        self.station = station
        self.actor = actor
        self.filename = filename
        self.confirm_duplicates = confirm_duplicates
        self.errors: list[SheetError] = []
        self.headers: dict[str, dict[str, str]] = {s: {} for s in SHEETS}
        self.titles: dict[str, str] = {}
        self.lang = active_lang()

    def error(self, sheet: str, row: int | None, key: str, message) -> None:
        header = self.headers[sheet].get(key) if sheet else None
        if header is None:
            column = {c.key: c for c in COLUMNS[sheet]}.get(key) if sheet else None
            header = column.header(self.lang) if column else key
        title = self.titles.get(sheet, sheet_title(sheet, self.lang) if sheet else "")
        self.errors.append(SheetError(row, header, str(message), title))

    # -- headers --
    def map_header(self, sheet: str, table: Table) -> dict[int, str]:
        positions: dict[int, str] = {}
        index = HEADER_INDEX[sheet]
        for position, title in enumerate(table.header):
            if not title:
                continue
            key = index.get(normalise(title))
            if key is None:
                self.error(sheet, table.header_row, title, _("Unknown column. Use the headers of the template."))
            elif key in self.headers[sheet]:
                self.error(sheet, table.header_row, title, _("This column appears twice."))
            else:
                self.headers[sheet][key] = title
                if key not in READ_ONLY[sheet]:
                    positions[position] = key
        for key in REQUIRED[sheet]:
            if key not in self.headers[sheet]:
                column = {c.key: c for c in COLUMNS[sheet]}[key]
                self.error(sheet, table.header_row, "", _("The sheet has no “%(column)s” column.") % {
                    "column": column.header(self.lang)})
        return positions

    # -- cells --
    def parse(self, sheet: str, number: int, cells: list, positions: dict[int, str], lookups: _Lookups) -> _Row:
        raw = {key: (cells[i] if i < len(cells) else None) for i, key in positions.items()}
        row = _Row(sheet, number, {})
        v = row.values

        def fail(key, message):
            row.failed.add(key)
            self.error(sheet, number, key, message)

        parsers = getattr(self, f"_cells_{sheet}")
        for key, cell in raw.items():
            try:
                parsers(row, key, cell, lookups)
            except CellError as exc:
                fail(key, str(exc))
        if sheet == HOUSEHOLDS:
            self._place(row, raw, lookups, fail)
        for key in REQUIRED[sheet]:
            if key not in row.failed and not v.get(key):
                fail(key, _("This cell is required."))
        if sheet == HOUSEHOLDS:
            lat, lon = v.get("latitude"), v.get("longitude")
            if (lat is None) != (lon is None) and not row.failed & {"latitude", "longitude"}:
                fail("longitude" if lon is None else "latitude", _("Give both latitude and longitude, or neither."))
        return row

    def _cells_households(self, row, key, cell, lookups):
        limits = {"name": 100, "address": 300, "notes": 2000}
        if key == "household":
            row.values[key] = _ref(cell)
        elif key in limits:
            row.values[key] = _limited(cell, limits[key])
        elif key == "latitude":
            row.values[key] = _float(cell, -90, 90)
        elif key == "longitude":
            row.values[key] = _float(cell, -180, 180)

    def _cells_residents(self, row, key, cell, lookups):
        v = row.values
        if key in ("household", "ref"):
            v[key] = _ref(cell)
        elif key == "name":
            v[key] = _limited(cell, 100)
        elif key == "notes":
            v[key] = _limited(cell, 2000)
        elif key in ("gender", "relation"):
            v[key] = _choice(cell, key)
        elif key == "birth":
            text = _text(cell)
            if "*" in text:
                v[key] = ("masked", text)
            else:
                v[key] = _birth(cell)
        elif key == "phone":
            text = _text(cell)
            if "*" in text:
                v[key] = ("masked", text)
                return
            try:
                v[key] = normalise_phone(text)
            except PhoneError:
                raise CellError(phone_message()) from None
        elif key == "id_number":
            text = _text(cell)
            if "*" in text:
                v[key] = ("masked", text)
                return
            if not text:
                v[key] = ""
                return
            try:
                row.id_info = idnumber.parse(text)
            except idnumber.IdNumberError as exc:
                raise CellError("%s (%s)" % (id_number_message(exc), mask_id_number(
                    idnumber.normalise(text)))) from None
            v[key] = row.id_info.number
        elif key == "tags":
            v[key] = _one_of_list(cell, lookups.tags_by_code, lookups.tags_by_name,
                                  _("Unknown vulnerability: %(names)s."),
                                  _("“%(name)s” names several vulnerabilities: use its code."))

    def _cells_needs(self, row, key, cell, lookups):
        v = row.values
        if key in ("household", "ref"):
            v[key] = _ref(cell)
        elif key == "resident":
            v[key] = _limited(cell, 100)
        elif key == "description":
            v[key] = _limited(cell, 4000)
        elif key == "unit":
            v[key] = _limited(cell, 30)
        elif key == "quantity":
            v[key] = _quantity(cell)
        elif key in ("urgency", "source"):
            v[key] = _choice(cell, key)
        elif key == "due_on":
            v[key] = _date(cell)
        elif key == "category":
            found = _one_of_list(cell, lookups.categories_by_code, lookups.categories_by_name,
                                 _("Unknown category: %(names)s."),
                                 _("“%(name)s” names several categories: use its code."))
            if len(found) > 1:
                raise CellError(_("Give one category per need."))
            if found and found[0].is_retired:
                raise CellError(_("This category is retired: choose another."))
            v[key] = found[0] if found else None

    def _place(self, row, raw, lookups, fail):
        v = row.values
        community = None
        text = _text(raw.get("community"))
        if text:
            matches = lookups.communities.get(normalise(text), [])
            if len(matches) != 1:
                fail("community", _("Unknown community “%(name)s”.") % {"name": text})
                return
            community = matches[0]
        v["community"] = community
        if "grid" not in raw:
            return
        text = _text(raw.get("grid"))
        v["grid"] = None
        if text and community is not None:
            matches = lookups.grids.get((community.pk, normalise(text)), [])
            if len(matches) != 1:
                fail("grid", _("The grid “%(grid)s” is not in the community “%(community)s”.") % {
                    "grid": text, "community": community.name})
                return
            v["grid"] = matches[0]

    # -- the file --
    def run(self, data: bytes, dry_run: bool) -> PeopleImportResult:
        result = PeopleImportResult(dry_run=dry_run)
        try:
            if len(data) > MAX_FILE_BYTES:
                raise SpreadsheetError(_("The file is larger than %(mb)d MB: split it.") % {
                    "mb": MAX_FILE_BYTES // (1024 * 1024)})
            tables = read_sheets(data, self.filename)
        except SpreadsheetError as exc:
            result.errors.append(SheetError(None, "", str(exc), ""))
            return result
        found: dict[str, Table] = {}
        for title, table in tables:
            sheet = guess_sheet(title, table.header)
            if sheet is None:
                if normalise(title) in {normalise("Help"), normalise("说明")}:
                    continue
                result.errors.append(SheetError(None, "", _(
                    "This sheet is not one of Households, Residents or Needs: rename it or remove it."), title))
                continue
            if sheet in found:
                result.errors.append(SheetError(None, "", _("The file has two sheets of %(what)s.") % {
                    "what": sheet_title(sheet, self.lang)}, title))
                continue
            found[sheet] = table
            self.titles[sheet] = title or sheet_title(sheet, self.lang)
        if result.errors:
            return result
        if sum(len(t.rows) for t in found.values()) > MAX_ROWS:
            result.errors.append(SheetError(None, "", _("The file has more than %(max)d rows: split it.") % {
                "max": MAX_ROWS}, ""))
            return result
        if (found.keys() & {HOUSEHOLDS, RESIDENTS}) and not can(self.actor, self.station, STAFF):
            result.errors.append(SheetError(None, "", _(
                "Only admins and social workers may import households and residents."), ""))
            return result
        positions = {sheet: self.map_header(sheet, table) for sheet, table in found.items()}
        if self.errors:
            result.errors = self.errors
            return result
        if not any(t.rows for t in found.values()):
            result.errors.append(SheetError(None, "", _("The file has a header but no rows."), ""))
            return result
        lookups = _Lookups(self.station)
        rows = {sheet: [self.parse(sheet, n, cells, positions[sheet], lookups) for n, cells in table.rows]
                for sheet, table in found.items()}
        for sheet, sheet_rows in rows.items():
            result.counts[sheet].rows = len(sheet_rows)
        try:
            with transaction.atomic():
                # One import per station at a time: two uploads of one file
                # must not both decide a household is new.
                Station.objects.select_for_update().filter(pk=self.station.pk).first()
                self.resolve(rows)
                if not self.errors:
                    self.write(rows, result)
                if self.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        order = {s: i for i, s in enumerate(SHEETS)}
        sheet_of_title = {t: s for s, t in self.titles.items()}
        self.errors.sort(key=lambda e: (order.get(sheet_of_title.get(e.sheet, ""), -1), e.row or 0))
        result.errors = self.errors
        if result.errors:
            for counts in result.counts.values():
                counts.created = counts.updated = counts.unchanged = 0
        return result

    # -- matching rows to records --
    def resolve(self, rows: dict[str, list[_Row]]) -> None:
        station = self.station
        households_by_key: dict[str, Household] = {}
        households_by_id: dict[int, Household] = {}
        for household in Household.objects.filter(station=station, archived_on__isnull=True):
            households_by_id[household.pk] = household
            if household.import_key:
                households_by_key.setdefault(normalise(household.import_key), household)

        def find_household(ref: str) -> Household | None:
            match = ID_REF_RE.match(ref)
            if match:
                return households_by_id.get(int(match.group(1)))
            return households_by_key.get(normalise(ref))

        # A new reference for a household already recorded under another one.
        by_name_address = {(name_key(h.name), h.address_key or address_key(h.address)): h
                           for h in households_by_id.values()}
        file_households: dict[str, int] = {}
        for row in rows.get(HOUSEHOLDS, []):
            ref = row.values.get("household", "")
            if not ref:
                continue
            norm = normalise(ref)
            if norm in file_households:
                self.error(HOUSEHOLDS, row.number, "household", _("This reference repeats row %(row)d.") % {
                    "row": file_households[norm]})
                continue
            file_households[norm] = row.number
            row.household_key = norm
            row.target = find_household(ref)
            if ID_REF_RE.match(ref) and row.target is None:
                self.error(HOUSEHOLDS, row.number, "household", _("No household of this station has this number."))
            elif row.target is None and row.values.get("name") and row.values.get("address"):
                same = by_name_address.get((name_key(row.values["name"]), address_key(row.values["address"])))
                if same is not None:
                    self.error(HOUSEHOLDS, row.number, "household", _(
                        "A household with this name and address is already recorded (#%(id)d): write #%(id)d "
                        "or its reference here to update it.") % {"id": same.pk})

        def household_for(row: _Row) -> bool:
            ref = row.values.get("household", "")
            if not ref or "household" in row.failed:
                return False
            row.household_key = normalise(ref)
            row.household = find_household(ref)
            if ID_REF_RE.match(ref) and row.household is not None:
                row.household_key = normalise(row.household.import_key) if row.household.import_key else \
                    f"#{row.household.pk}"
            if row.household is None and row.household_key not in file_households:
                self.error(row.sheet, row.number, "household", _(
                    "No household has this reference, in this file or at this station."))
                return False
            return True

        # Residents: by ID number, else by their own reference, else by household and name.
        residents = Resident.objects.filter(station=station, archived_on__isnull=True, merged_into__isnull=True)
        by_digest: dict[str, Resident] = {}
        resident_rows = rows.get(RESIDENTS, [])
        for row in resident_rows:
            if household_for(row):
                ref = row.values.get("ref", "")
                row.key = normalise(ref) if ref and not ID_REF_RE.match(ref) else self._resident_key(row)
        digests = self._digests(resident_rows)
        key_to_pk = _keys_to_pk(residents)
        wanted = {key_to_pk[r.key] for r in resident_rows if r.key in key_to_pk}
        wanted |= {int(m.group(1)) for r in resident_rows if (m := ID_REF_RE.match(r.values.get("ref", "")))}
        by_id: dict[int, Resident] = {}
        for resident in (residents.filter(pk__in=wanted) | residents.filter(
                id_number_digest__in=list(digests.values()))).prefetch_related("tags"):
            by_id[resident.pk] = resident
            if resident.id_number_digest:
                by_digest[resident.id_number_digest] = resident
        by_key = {key: by_id[pk] for key, pk in key_to_pk.items() if pk in by_id}
        seen_digest: dict[str, int] = {}
        seen_key: dict[str, int] = {}
        for row in resident_rows:
            if not row.key:
                continue
            ref = row.values.get("ref", "")
            match = ID_REF_RE.match(ref)
            if match:
                row.target = by_id.get(int(match.group(1)))
                if row.target is None:
                    self.error(RESIDENTS, row.number, "ref", _("No resident of this station has this number."))
                    continue
            digest = digests.get(row.number)
            if digest:
                first = seen_digest.setdefault(digest, row.number)
                if first != row.number:
                    self.error(RESIDENTS, row.number, "id_number", _(
                        "Row %(row)d has the same ID number.") % {"row": first})
                    continue
                holder = by_digest.get(digest)
                if holder is not None:
                    if row.target is not None and row.target.pk != holder.pk:
                        self.error(RESIDENTS, row.number, "id_number", _(
                            "Another resident (#%(id)d) has this ID number.") % {"id": holder.pk})
                        continue
                    if row.household is None or holder.household_id != row.household.pk:
                        self.error(RESIDENTS, row.number, "id_number", _(
                            "A resident of another household (#%(id)d) has this ID number.") % {
                            "id": holder.household_id})
                        continue
                    row.target = holder
            if row.target is None:
                row.target = by_key.get(row.key)
                if row.target is not None and row.household is not None and \
                        row.target.household_id != row.household.pk:
                    row.target = None
            first = seen_key.setdefault(row.key, row.number)
            if first != row.number:
                self.error(RESIDENTS, row.number, "name", _(
                    "Row %(row)d has the same resident (same household and name).") % {"row": first})

        # Needs: by reference, else by household, resident, category and description.
        needs = Need.objects.filter(station=station, archived_on__isnull=True)
        need_rows = rows.get(NEEDS, [])
        for row in need_rows:
            if household_for(row):
                category = row.values.get("category")
                ref = row.values.get("ref", "")
                row.key = normalise(ref) if ref and not ID_REF_RE.match(ref) else key_of(
                    row.household_key, row.values.get("resident", ""), category.code if category else "",
                    row.values.get("description", ""))
        key_to_pk = _keys_to_pk(needs)
        need_ids = {int(m.group(1)) for r in need_rows if (m := ID_REF_RE.match(r.values.get("ref", "")))}
        need_ids |= {key_to_pk[r.key] for r in need_rows if r.key in key_to_pk}
        existing_by_id = {n.pk: n for n in needs.filter(pk__in=need_ids).select_related("resident")}
        existing_by_key = {key: existing_by_id[pk] for key, pk in key_to_pk.items() if pk in existing_by_id}
        seen: dict[str, int] = {}
        for row in need_rows:
            if not row.key:
                continue
            match = ID_REF_RE.match(row.values.get("ref", ""))
            if match:
                row.target = existing_by_id.get(int(match.group(1)))
                if row.target is None:
                    self.error(NEEDS, row.number, "ref", _("No need of this station has this number."))
                    continue
                if row.household is not None and row.target.household_id != row.household.pk:
                    self.error(NEEDS, row.number, "household", _("This need belongs to another household."))
                    continue
            else:
                row.target = existing_by_key.get(row.key)
            first = seen.setdefault(f"#{row.target.pk}" if row.target else row.key, row.number)
            if first != row.number:
                self.error(NEEDS, row.number, "", _("This row repeats row %(row)d (the same need).") % {"row": first})

    def _digests(self, rows: list[_Row]) -> dict[int, str]:
        from resourcelink.people import crypto

        return {r.number: crypto.digest(r.id_info.number) for r in rows if r.id_info is not None}

    def _resident_key(self, row: _Row) -> str:
        return key_of(row.household_key, row.values.get("name", ""))

    # -- writing --
    def write(self, rows: dict[str, list[_Row]], result: PeopleImportResult) -> None:
        households: dict[str, Household] = {}
        for row in rows.get(HOUSEHOLDS, []):
            household = self._write_household(row, result.counts[HOUSEHOLDS])
            if household is not None:
                households[row.household_key] = household
        if self.errors:
            return
        for row in rows.get(RESIDENTS, []) + rows.get(NEEDS, []):
            if row.household is None:
                row.household = households.get(row.household_key)
        residents_by_name: dict[tuple[int, str], Resident] = {}
        residents_by_ref: dict[str, Resident] = {}
        for row in rows.get(RESIDENTS, []):
            resident = self._write_resident(row, result.counts[RESIDENTS])
            if resident is not None:
                residents_by_name[(resident.household_id, normalise(resident.name))] = resident
                if row.values.get("ref"):
                    residents_by_ref[normalise(row.values["ref"])] = resident
        if self.errors:
            return
        self.residents_by_name, self.residents_by_ref = residents_by_name, residents_by_ref
        for row in rows.get(NEEDS, []):
            self._write_need(row, result.counts[NEEDS])

    def _call(self, row: _Row, func, **kwargs):
        """A service call; its refusal becomes this row's errors."""
        from resourcelink.people.services import LikelyDuplicate

        try:
            return func(**kwargs)
        except LikelyDuplicate as exc:
            self.error(row.sheet, row.number, "name", _(
                "This looks like a resident already recorded: %(detail)s Tick “confirm likely duplicates” to add "
                "them anyway.") % {"detail": " ".join(str(m) for m in getattr(exc, "messages", [exc]))})
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    key = {"birth_date": "birth", "birth_year": "birth", "tags": "tags", "id_number": "id_number",
                           "due_on": "due_on"}.get(name, name)
                    for message in ValidationError(errors).messages:
                        self.error(row.sheet, row.number, key if key in self.headers[row.sheet] else "", message)
            else:
                for message in exc.messages:
                    self.error(row.sheet, row.number, "", message)
        except PermissionDenied as exc:
            self.error(row.sheet, row.number, "", str(exc))
        return None

    def _reason(self) -> str:
        return _("Imported from %(file)s") % {"file": self.filename or _("a spreadsheet")}

    def _unmask(self, row: _Row, key: str, value, stored: str, masked: str):
        """A masked cell read back: unchanged if it is the stored value's mask."""
        if isinstance(value, tuple) and value and value[0] == "masked":
            if row.target is not None and value[1] == masked:
                return stored
            self.error(row.sheet, row.number, key, _(
                "This value is masked (***). Give it in full, or leave the cell empty."))
            return stored
        return value

    def _write_household(self, row: _Row, counts: SheetCounts) -> Household | None:
        from resourcelink.people.services import household_create, household_update

        v = row.values
        household = row.target
        fields = {}
        for key in ("name", "address", "notes", "latitude", "longitude", "community", "grid"):
            if key not in v:
                continue
            value = v.get(key)
            if key in ("name", "address") and household is not None and "*" in (value or ""):
                masked = (mask_name if key == "name" else mask_address)(getattr(household, key))
                value = self._unmask(row, key, ("masked", value), getattr(household, key), masked)
            elif key in ("name", "address") and "*" in (value or ""):
                self._unmask(row, key, ("masked", value), "", "")
                continue
            fields[key] = value
        if household is None:
            created = self._call(row, household_create, actor=self.actor, station=self.station, **fields)
            if created is not None:
                Household.objects.filter(pk=created.pk).update(import_key=v["household"])
                created.import_key = v["household"]
                counts.created += 1
            return created
        changed = {k: val for k, val in fields.items() if getattr(household, k) != val}
        if not changed:
            counts.unchanged += 1
            return household
        updated = self._call(row, household_update, actor=self.actor, household=household, **changed)
        counts.updated += 1
        return updated or household

    def _write_resident(self, row: _Row, counts: SheetCounts) -> Resident | None:
        from resourcelink.people.services import resident_create, resident_update

        v = row.values
        resident: Resident | None = row.target
        fields: dict = {}
        for key in ("name", "gender", "relation", "notes"):
            if key in v and v[key] is not None:
                value = v[key]
                if key == "name" and "*" in value:
                    value = self._unmask(row, key, ("masked", value), resident.name if resident else "",
                                         mask_name(resident.name) if resident else "")
                fields[key] = value
        if "phone" in v:
            fields["phone"] = self._unmask(row, "phone", v["phone"], resident.phone if resident else "",
                                           mask_phone(resident.phone) if resident else "")
        if "birth" in v:
            birth = v["birth"]
            if isinstance(birth, tuple) and birth and birth[0] == "masked":
                self._unmask(row, "birth", birth, "", "")
            elif birth == (None, None) and (row.id_info is not None or isinstance(v.get("id_number"), tuple)):
                pass  # the birth date comes from the ID number
            else:
                date, year = birth
                if resident is not None and date is None and year is not None and resident.birth_date and \
                        resident.birth_date.year == year:
                    date = resident.birth_date  # the year of a masked export: unchanged
                fields["birth_date"], fields["birth_year"] = date, year
                if row.id_info is not None and date is not None and date != row.id_info.birth_date:
                    self.error(RESIDENTS, row.number, "birth", _(
                        "The birth date does not match the one in the ID number."))
        id_number = None
        if "id_number" in v:
            value = v["id_number"]
            if isinstance(value, tuple):
                self._unmask(row, "id_number", value, "", resident.id_number_masked if resident else "")
            else:
                id_number = value
        tags = v.get("tags")
        if self.errors:
            return None
        household = row.household
        if resident is None:
            created = self._call(row, resident_create, actor=self.actor, household=household,
                                 id_number=id_number or "", tags=tags or (),
                                 confirm_duplicate=self.confirm_duplicates, **fields)
            if created is not None:
                Resident.objects.filter(pk=created.pk).update(import_key=v.get("ref") or row.key)
                counts.created += 1
            return created
        changed = {k: val for k, val in fields.items() if getattr(resident, k) != val}
        extra = {}
        if id_number is not None:
            from resourcelink.people import crypto

            if (crypto.digest(id_number) if id_number else "") != resident.id_number_digest:
                extra["id_number"] = id_number
        if tags is not None and {t.pk for t in tags} != {t.pk for t in resident.tags.all()}:
            extra["tags"] = tags
        if not changed and not extra:
            counts.unchanged += 1
            return resident
        updated = self._call(row, resident_update, actor=self.actor, resident=resident, **changed, **extra)
        counts.updated += 1
        return updated or resident

    def _write_need(self, row: _Row, counts: SheetCounts) -> Need | None:
        from resourcelink.needs.services import need_create, need_update

        v = row.values
        need: Need | None = row.target
        household = row.household if row.household is not None else (need.household if need else None)
        resident = None
        if v.get("resident"):
            name = v["resident"]
            resident = self.residents_by_ref.get(normalise(name)) or self.residents_by_name.get(
                (household.pk, normalise(name)))
            if resident is None:
                match = ID_REF_RE.match(name)
                query = Resident.objects.filter(station=self.station, household=household, archived_on__isnull=True)
                if match:
                    resident = query.filter(pk=int(match.group(1))).first()
                elif "*" in name and need is not None and need.resident_id:
                    current = need.resident
                    resident = current if mask_name(current.name) == name else None
                else:
                    candidates = [r for r in query if normalise(r.name) == normalise(name)]
                    resident = candidates[0] if len(candidates) == 1 else None
            if resident is None:
                self.error(NEEDS, row.number, "resident", _("No resident of this household has this name or number."))
                return None
        fields = {}
        for key in ("description", "quantity", "unit", "urgency", "due_on", "source"):
            if key in v and v[key] is not None:
                fields[key] = v[key]
        if need is None:
            created = self._call(row, need_create, actor=self.actor, household=household,
                                 category=v["category"], resident=resident, **fields)
            if created is not None:
                Need.objects.filter(pk=created.pk).update(import_key=v.get("ref") or row.key)
                counts.created += 1
            return created
        if resident is not None:
            fields["resident"] = resident
        fields["category"] = v["category"]
        changed = {k: val for k, val in fields.items() if getattr(need, k) != val}
        if not changed:
            counts.unchanged += 1
            return need
        updated = self._call(row, need_update, actor=self.actor, need=need, **changed)
        counts.updated += 1
        return updated or need


def people_import(*, actor, station: Station, file, filename: str = "", dry_run: bool = False,
                  confirm_duplicates: bool = False) -> PeopleImportResult:
    """Check every row of a workbook (or CSV) of households, residents and
    needs and, if none has an error, write them all in one transaction.

    Needs an editor's role. Errors are reported as (sheet, row, column,
    message); any error writes nothing.
    """
    require_role(actor, station, EDITORS)
    data = file if isinstance(file, bytes) else file.read()
    filename = filename or getattr(file, "name", "") or ""
    importer = _Importer(station=station, actor=actor, filename=filename, confirm_duplicates=confirm_duplicates)
    return importer.run(data, dry_run)


