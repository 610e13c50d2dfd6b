"""The Django admin: instructors edit the curriculum here; learner data is visible, never editable.

Importing the package registers every admin (Django autodiscovers `training.admin`):

- validation.py — the loader's validator applied to admin edits, and `ContentAdmin`, the base of content admins
- forms.py — admin forms (constraints explained in the loader's words, the YAML upload)
- content.py — the content admins and their inlines
- yaml_io.py — YAML import and export pages
- learner_data.py — read-only admins of learner history
"""

from django.conf import settings
from django.contrib import admin

from training.admin import content, learner_data  # noqa: F401  (registers the admins)

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Curriculum and learners"
