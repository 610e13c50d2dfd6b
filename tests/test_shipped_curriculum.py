"""The course we ship (fixtures/diplomacy-tracks/) loads, lints clean in strict mode and round-trips."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from training.curriculum.exporter import export_course
from training.curriculum.itemlint import ITEM_WRITING
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


# The shipped simulations lint clean: every meter and flag is read, every ending, branch, guard and event can
# happen, and no success ending is reachable while breaking a principle (the issue "simulations where choices
# have consequences"). No simulation warning, and no other warning but the item-writing ones, may appear.
KNOWN_SIMULATION_WARNINGS: set[str] = set()


def test_shipped_curriculum_lints_clean_in_strict_mode():
    out = StringIO()
    with pytest.raises(
        CommandError
    ):  # strict mode fails on the item-writing warnings; the assertions say which
        call_command("lint_curriculum", "--strict", str(SHIPPED), stdout=out, stderr=out)
    # Item-writing warnings are counted in tests/test_item_writing_lint.py (the assessment issue's content
    # rewrite removes them); every other warning is asserted here.
    warnings = [
        line for line in out.getvalue().splitlines() if ": warning: " in line and ITEM_WRITING not in line
    ]
    found = {known for known in KNOWN_SIMULATION_WARNINGS for line in warnings if known in line}
    assert found == KNOWN_SIMULATION_WARNINGS
    assert len(warnings) == len(KNOWN_SIMULATION_WARNINGS), warnings
    assert "simulation paths (lakeside-channel): exact" in out.getvalue()
    assert "simulation paths (harbour-standoff): exact" in out.getvalue()
    assert "simulation paths (listed-group): exact" in out.getvalue()


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
