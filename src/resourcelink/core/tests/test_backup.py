"""Backup then restore gives back every row of every table, and the photos.

These tests are transactional: SQLite's online backup cannot run inside the
transaction a plain TestCase wraps each test in, and pg_restore works from
another process, which only sees committed rows.
"""

import io
import shutil
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from resourcelink.accounts.models import Role
from resourcelink.communities.services import (
    community_archive,
    community_create,
    grid_create,
    observation_create,
    walk_create,
)
from resourcelink.core.backup import (
    BackupError,
    backup_create,
    backup_read_manifest,
    backup_restore,
    row_counts,
)
from resourcelink.core.testing import make_station, make_user
from resourcelink.directory.models import Resource, ResourceStatus
from resourcelink.directory.services import (
    organization_create,
    resource_create,
    resource_set_status,
    resource_update,
)
from resourcelink.taxonomy.models import Category
from resourcelink.taxonomy.services import category_rename, category_retire

pytestmark = pytest.mark.django_db(transaction=True)


def needs_pg_tools():
    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not on PATH: install the PostgreSQL client tools to test PostgreSQL backups.")


def dump_everything() -> dict:
    """Every row of every concrete model, history and many-to-many tables included."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        rows[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return rows


def media_files(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile("corner.png", buf.getvalue(), content_type="image/png")


def make_data():
    station = make_station("湖滨街道社工站", "hubin")
    other = make_station("北山街道社工站", "beishan")
    alice = make_user("alice", station, Role.ADMIN)
    make_user("oscar", other, Role.ADMIN)
    community = community_create(actor=alice, station=station, name="步行街社区", code="bxj")
    grid = grid_create(actor=alice, community=community, name="第1网格", code="g1")
    masks = Category.objects.get(station=station, code="protection.masks")
    money = Category.objects.get(station=station, code="money.solatium")
    org = organization_create(actor=alice, station=station, name="珠宝协会")
    r1 = resource_create(actor=alice, station=station, name="口罩", kind="material", categories=[masks],
                         community=community, grid=grid, latitude=30.27, longitude=120.17, quantity=500,
                         unit="只", contact_phone="13812345678", organization=org)
    resource_create(actor=alice, station=station, name="慰问金", kind="money", categories=[masks, money],
                    quantity=2000, unit="元")
    resource_update(actor=alice, resource=r1, quantity=400, reason="Gave 100 out")
    category_rename(actor=alice, category=masks, name_zh_hans="口罩（医用）", name_en="Masks (medical)")
    walk = walk_create(actor=alice, station=station, community=community)
    observation_create(actor=alice, walk=walk, title="理发店", address="步行街 1 号", photo=png())
    return station, alice, community, r1


def change_everything(station, alice, community, r1):
    resource_update(actor=alice, resource=r1, name="口罩（已发完）", quantity=0)
    resource_set_status(actor=alice, resource=r1, status=ResourceStatus.ARCHIVED)
    resource_create(actor=alice, station=station, name="新资源", kind="venue")
    community_archive(actor=alice, community=community)
    category_retire(actor=alice, category=Category.objects.get(station=station, code="money"))
    make_user("newcomer", station, Role.VIEWER)
    make_station("新站", "new")


def test_it_round_trips_every_row_and_the_photos(tmp_path, settings):
    needs_pg_tools()
    settings.RL_BACKUP_DIR = tmp_path / "backups"
    media = Path(settings.MEDIA_ROOT)
    station, alice, community, r1 = make_data()
    before, photos_before = dump_everything(), media_files(media)
    assert photos_before, "the observation photo is stored under MEDIA_ROOT"
    assert before["directory.HistoricalResource"] and before["directory.Resource_categories"]

    result = backup_create(output=tmp_path / "one.tar.gz")
    assert result.manifest["engine"] == connection.vendor
    assert result.manifest["counts"] == row_counts()
    with tarfile.open(result.path) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert ("db.sqlite3" if connection.vendor == "sqlite" else "db.pgdump") in names
    assert any(n.startswith("media/observations/") for n in names)

    change_everything(station, alice, community, r1)
    (media / "stray.txt").write_text("added after the backup")
    for path in media.rglob("*.png"):
        path.unlink()
    changed, photos_changed = dump_everything(), media_files(media)
    assert changed != before

    restored = backup_restore(path=result.path)
    assert dump_everything() == before
    assert media_files(media) == photos_before
    assert Resource.objects.get(pk=r1.pk).name == "口罩"

    # The restore kept a backup of what it replaced, and that one restores too.
    safety = Path(restored["safety_backup"])
    assert safety.parent == tmp_path / "backups"
    backup_restore(path=safety, safety_backup=False)
    assert dump_everything() == changed
    assert media_files(media) == photos_changed


def test_it_writes_the_default_file_name_under_the_backup_folder(tmp_path, settings):
    needs_pg_tools()
    settings.RL_BACKUP_DIR = tmp_path / "backups"
    make_station("湖滨街道社工站", "hubin")
    result = backup_create()
    assert result.path.parent == tmp_path / "backups"
    assert result.path.name.startswith("resourcelink-") and result.path.name.endswith(".tar.gz")
    manifest = backup_read_manifest(result.path)
    assert manifest["counts"]["accounts.Station"] == 1
    assert manifest["format_version"] == 1
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_it_refuses_a_dump_of_the_wrong_kind(tmp_path, settings):
    settings.RL_BACKUP_DIR = tmp_path / "backups"
    make_station("湖滨街道社工站", "hubin")
    member = "db.sqlite3" if connection.vendor == "sqlite" else "db.pgdump"
    manifest = (f'{{"format": "resourcelink-backup", "format_version": 1, "engine": "{connection.vendor}"}}')
    (tmp_path / "manifest.json").write_text(manifest)
    # A PostgreSQL dump where SQLite is expected, and the other way round.
    (tmp_path / member).write_bytes(b"PGDMP..." if connection.vendor == "sqlite" else b"SQLite format 3\x00")
    path = tmp_path / "wrong.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(tmp_path / "manifest.json", arcname="manifest.json")
        tar.add(tmp_path / member, arcname=member)
    before = dump_everything()
    with pytest.raises(BackupError, match="dump is not a"):
        backup_restore(path=path)
    assert dump_everything() == before
    assert not (tmp_path / "backups").exists(), "nothing is written before the file is checked"


def test_it_explains_a_missing_pg_dump(monkeypatch, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump is only used with PostgreSQL")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump was not found"):
        backup_create(output=tmp_path / "x.tar.gz")
