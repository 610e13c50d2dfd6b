"""The dashboard shows the ten weakest objectives and links to a page with all of them (the page-weight
budget holds however large the course grows)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from training.curriculum.loader import load_curriculum
from training.models import Course, LearningObjective

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"


def test_the_dashboard_lists_the_ten_weakest_and_the_mastery_page_lists_every_objective(client, learner):
    (report,) = load_curriculum([SHIPPED])
    course = Course.objects.get(slug=report.course)
    total = LearningObjective.objects.visible().filter(course=course).count()
    assert total > 10
    client.force_login(learner)
    html = client.get(reverse("progress")).content.decode()
    table = html[
        html.index('class="mastery-table"') : html.index("</table>", html.index('class="mastery-table"'))
    ]
    assert table.count('<th scope="row">') == 10
    assert f"All {total} objectives" in html
    page = client.get(reverse("progress_mastery") + f"?course={course.slug}")
    assert page.status_code == 200
    full = page.content.decode()
    assert len(re.findall(r'<th scope="row">', full)) == total
    for objective in LearningObjective.objects.visible().filter(course=course):
        assert objective.text in full.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")
    assert client.get(reverse("progress_mastery") + "?course=no-such-course").status_code == 404
