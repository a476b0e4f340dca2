import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded photos of a test go to a temporary folder, never var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
