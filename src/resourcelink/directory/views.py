"""Views: see urls.py."""
