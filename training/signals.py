"""The backstop for content versions: any save, delete or link change of a content row bumps its course.

The curriculum loader and the admin's bulk actions write with `bulk_create` / `update()`, which send no
signals; they bump the version themselves (training.versions.bump_course_content). Everything else that
goes through a model's `save()` or `delete()` — admin change forms and inlines, shell edits — is caught here.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from training import versions
from training.models.content import Content, Course

# Where a row that has no course of its own finds it: the parent to follow, in order.
_PARENTS = ("question", "simulation", "node", "source")


def course_id_of(obj) -> int | None:
    if isinstance(obj, Course):
        return obj.pk
    course_id = getattr(obj, "course_id", None)
    if course_id:
        return course_id
    for name in _PARENTS:
        if getattr(obj, f"{name}_id", None):
            try:
                return course_id_of(getattr(obj, name))
            except Exception:  # the parent went first in a cascade: its own signal bumped the course
                return None
    return None


def _content_changed(sender, instance, **kwargs) -> None:
    if isinstance(instance, Course):
        return  # Course.save() takes a new version itself; a deleted course has no pages left
    versions.bump_course_content([course_id_of(instance)])


def _links_changed(sender, instance, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        versions.bump_course_content([course_id_of(instance)])


def connect() -> None:
    from django.apps import apps

    from training import rollups

    rollups.connect()  # the cohorts' roll-ups follow memberships and deleted attempts (training.rollups)
    for model in apps.get_app_config("training").get_models():
        if not issubclass(model, Content):
            continue
        post_save.connect(_content_changed, sender=model, dispatch_uid=f"content-save-{model.__name__}")
        post_delete.connect(_content_changed, sender=model, dispatch_uid=f"content-delete-{model.__name__}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _links_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"content-links-{model.__name__}-{field.name}",
            )
