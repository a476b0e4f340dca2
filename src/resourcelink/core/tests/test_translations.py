"""Both catalogues are complete, and the compiled .mo files match the .po
files they come from (a stale .mo would show untranslated strings)."""

import ast
import gettext
from pathlib import Path

import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr (msgstr[0] for plurals), skipping the header;
    fuzzy entries count as untranslated."""
    entries: dict[str, str] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                if line.startswith("#,") and "fuzzy" in line:
                    fields["fuzzy"] = "1"
                continue
            if line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
                continue
            key, _, value = line.partition(" ")
            if key in {"msgid", "msgid_plural", "msgstr", "msgstr[0]", "msgctxt"}:
                current = key
                fields[key] = ast.literal_eval(value)
        msgid = fields.get("msgid")
        if msgid:
            translated = fields.get("msgstr", fields.get("msgstr[0]", ""))
            entries[msgid] = "" if "fuzzy" in fields else translated
    return entries


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_it_has_every_string_translated_and_compiled(language):
    folder = LOCALE / language / "LC_MESSAGES"
    entries = po_entries(folder / "django.po")
    assert len(entries) > 500
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    with open(folder / "django.mo", "rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    compiled = {key[0] if isinstance(key, tuple) else key for key in catalog}
    assert set(entries) - compiled == set(), "run `make messages`: the .mo is older than the .po"


@pytest.mark.django_db
def test_it_shows_pages_in_chinese_for_a_chinese_browser():
    r = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "登录" in r.content.decode()
    r = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "Sign in" in r.content.decode()
