import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded photos of a test go to a temporary folder, never var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _language_of_the_test():
    """Each test starts in the default language (English under RL_ENV=test),
    whatever an earlier test on the same worker left active: a request or a
    command switches the thread's language and may not switch it back."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
