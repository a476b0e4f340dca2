"""Reads that several apps share."""


def reveals_of(obj, *, limit: int = 20):
    """Who was shown which masked field of ``obj``, newest first."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Reveal

    return list(Reveal.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
                .select_related("user")[:limit])
