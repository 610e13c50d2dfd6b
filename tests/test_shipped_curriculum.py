"""The course we ship (fixtures/diplomacy-tracks/) loads, lints clean in strict mode and round-trips."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.models import Course

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"
ARTICLE_README = Path(__file__).resolve().parent.parent.parent / "shared" / "source" / "README.md"


@pytest.mark.django_db
def test_shipped_curriculum_loads_and_reloads_unchanged(tmp_path):
    (report,) = load_curriculum([SHIPPED])
    assert report.total("created") > 0
    (again,) = load_curriculum([SHIPPED])
    assert again.total("created") == again.total("updated") == again.total("archived") == 0
    exported = export_course(Course.objects.get(slug=report.course))
    path = tmp_path / "shipped.yaml"
    path.write_text(exported, encoding="utf-8")
    load_curriculum([path])
    assert export_course(Course.objects.get(slug=report.course)) == exported


# The shipped course lints clean in strict mode: the simulations (every meter and flag is read, every ending,
# branch, guard and event can happen, no success ending is reachable while breaking a principle), the citations
# and feedback, and the item-writing checks (issue 19's content rewrite).
def test_shipped_curriculum_lints_clean_in_strict_mode():
    out = StringIO()
    call_command("lint_curriculum", "--strict", str(SHIPPED), stdout=out, stderr=out)  # raises on any warning
    warnings = [line for line in out.getvalue().splitlines() if ": warning: " in line]
    assert warnings == []
    assert "simulation paths (lakeside-channel): exact" in out.getvalue()
    assert "simulation paths (harbour-standoff): exact" in out.getvalue()
    assert "simulation paths (listed-group): exact" in out.getvalue()
    assert "source coverage (article): 43/43 paragraphs cited" in out.getvalue()


def test_shipped_source_structure_matches_the_article_readme():
    """The section headings and paragraph counts in the YAML are those of ../shared/source/README.md."""
    import re

    import yaml

    table = {}
    for line in ARTICLE_README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (.+?) \| (\d+)", line)
        if match:
            heading = re.sub(r" \(title; the introduction\)$", "", match.group(1))
            table[heading] = int(match.group(2))
    sections = {}
    for file in sorted(SHIPPED.glob("*.yaml")):
        for source in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("sources", []):
            sections.update({s["heading"]: s["paragraphs"] for s in source["sections"]})
    assert sections == table
