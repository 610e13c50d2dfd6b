"""Every factual finding of the second subject-matter review (../shared/content/REVIEW-2.md) stays corrected in
the shipped course: the corrected teaching is where docs/content-notes.md says it is, with its source, and the
wrong wording is gone from every file of fixtures/diplomacy-tracks/. One test per finding, so a regression names
the finding it undoes."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from training.curriculum import schema as s
from training.curriculum.loader import read_course
from training.curriculum.validate import CourseDocument

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"


@cache
def course() -> CourseDocument:
    document, problems = read_course(SHIPPED)
    assert problems == [] and document is not None, problems
    return document


def flat(text: str) -> str:
    """Text with runs of whitespace (YAML line breaks) as single spaces."""
    return re.sub(r"\s+", " ", text)


@cache
def all_text() -> str:
    """Every string of every shipped YAML file, flattened: where a wrong phrase must not come back."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(flat(node))

    for path in sorted(SHIPPED.glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return "\n".join(found)


def reference(slug: str) -> s.Reference:
    (found,) = [r for r in course().references if r.slug == slug]
    return found


def lesson(slug: str) -> s.Lesson:
    (found,) = [lesson for m in course().modules for lesson in m.lessons if lesson.slug == slug]
    return found


def question(slug: str) -> s.Question:
    questions = [q for m in course().modules for quiz in m.quizzes for q in quiz.questions]
    questions += [q for m in course().modules for lesson in m.lessons for q in lesson.checks]
    (found,) = [q for q in questions if q.slug == slug]
    return found


def term(slug: str) -> s.GlossaryTerm:
    (found,) = [t for t in course().glossary if t.slug == slug]
    return found


def track(slug: str) -> s.Track:
    (found,) = [t for t in course().tracks if t.slug == slug]
    return found


def cites(item, slug: str) -> bool:
    return any(c.reference == slug for c in item.citations)


def question_text(q: s.Question) -> str:
    parts = [q.scenario, q.prompt, q.explanation]
    parts += [part for c in q.choices for part in (c.text, c.feedback)]
    parts += [c.label for c in q.categories]
    return flat(" ".join(parts))


def absent(*phrases: str) -> None:
    text = all_text()
    assert [p for p in phrases if p.lower() in text.lower()] == []


def test_treaty_law_is_cited_to_the_1969_convention():
    vclt = reference("vclt-1969")
    assert vclt.year == 1969 and "Law of Treaties" in vclt.title and "1155" in vclt.publisher
    body = flat(lesson("how-official-negotiation-works").body)
    assert "Vienna Convention on the Law of Treaties of 1969" in body and "article 7" in body
    for item in (
        lesson("how-official-negotiation-works"),
        question("m2-q3-steps-to-bind"),
        question("m2-q5-order-treaty-steps"),
    ):
        assert cites(item, "vclt-1969") and not cites(item, "vienna-convention-1961"), item.slug
    # The 1961 convention stays only where it belongs: diplomatic law and envoys' ancient status.
    assert "diplomatic" in reference("vienna-convention-1961").title.lower()


def test_carter_in_pyongyang_is_taught_as_two_sided():
    body = flat(lesson("track-one-and-a-half-in-practice").body)
    assert "CNN" in body and "contradicted him" in body and "approval" in body
    assert cites(lesson("track-one-and-a-half-in-practice"), "chicago-tribune-carter-korea-1994")
    assert any("contradicted" in example for example in track("track-1-5").examples)
    assert "CNN" in question_text(question("m3-q5-celebrity-envoy"))
    assert "beyond his brief" in question_text(question("bridging-q7-order-briefing-an-envoy"))
    absent("A textbook mission", "approval and briefing made the difference", "This mirrors the approval and")


def test_fishers_one_text_procedure_came_before_camp_david():
    body = flat(lesson("camp-david-track-one-model").body)
    assert "Cyrus Vance" in body and "before the summit" in body and "not Track II" in body
    for slug in ("wright-thirteen-days-2014", "nyt-fisher-obituary-2012"):
        assert cites(lesson("camp-david-track-one-model"), slug)
        assert cites(lesson("successes-and-limits"), slug)
    assert "Vance" in flat(lesson("successes-and-limits").body)
    assert "Vance" in term("single-negotiating-text").definition
    absent("analysis after the event", "came afterwards", "mostly visible in hindsight")


def test_track_one_and_a_half_has_both_definitions_and_mozambique_under_each():
    body = flat(lesson("hybrid-mediation-teams").body)
    assert "Mapendere" in body and "the talks were **Track I**" in body and "textbook **Track 1.5**" in body
    assert cites(lesson("hybrid-mediation-teams"), "mapendere-track-one-and-a-half-2006")
    assert "Mapendere" in track("track-1-5").definition
    assert "Mapendere" in term("track-one-and-a-half").definition
    assert "Mapendere" in term("hybrid-mediation").definition
    absent("usually described as Track 1.5")


def test_scali_fomin_is_an_unverified_go_between_channel_not_a_track():
    body = flat(lesson("verifying-and-coordinating-channels").body)
    assert "Rusk" in body and "go-between channel between officials" in body and "Feklisov" in body
    assert cites(lesson("verifying-and-coordinating-channels"), "fursenko-naftali-1997")
    sort = question("m2-q7-sort-official-or-not")
    assert [c.label for c in sort.categories] == [
        "Confirmed official channel (Track I)",
        "Unofficial or unverified",
    ]
    assert "unofficial Scali" not in reference("cfr-scali-fomin-2012").note
    absent("Scali–Fomin lunches were not", "Track II (unofficial)")


def test_oslo_says_who_sent_whom():
    body = flat(lesson("upgrading-a-channel").body)
    assert "Only the Israeli side was" in body and "Arafat's instruction" in body
    assert "London in December 1992" in body
    assert cites(lesson("upgrading-a-channel"), "qurie-oslo-2006")
    absent("By participants it was Track II")


def test_lederachs_top_level_includes_highly_visible_religious_leaders():
    body = flat(lesson("multi-track-and-peace-levels").body)
    assert "highly visible military, political and religious leaders" in body
    sort = question("bridging-q6-sort-lederach-levels")
    top = [c.text for c in sort.choices if c.category == "top"]
    assert any("cleric" in text for text in top)
    absent("heads of the two largest religious bodies")


def test_nothing_agreed_until_everything_agreed_is_separated_from_settle_everything_now():
    (lakeside,) = [sim for sim in course().simulations if sim.slug == "lakeside-channel"]
    (node,) = [n for n in lakeside.nodes if n.key == "hardest-issues"]
    (option,) = [o for o in node.options if o.key == "everything-now"]
    assert "The ground rule was not the problem" in flat(option.feedback)
    assert "Good Friday Agreement" in flat(option.feedback)
    assert "mitchell-making-peace-1999" in {r.slug for r in course().references}


def test_cscap_came_before_the_asean_regional_forum():
    body = flat(lesson("track-two-in-security").body)
    assert "CSCAP came first" in body and "first met in July 1994" in body
    assert cites(lesson("track-two-in-security"), "arf-first-meeting-1994")
    assert "first convened in July 1994" in flat(lesson("military-channels-and-futures").body)
    absent("designed to complement the governmental", "complements the governmental ASEAN")


def test_incsea_was_negotiated_in_official_talks_only():
    assert "negotiated entirely in official talks" in flat(lesson("track-two-in-security").body)
    assert "negotiated entirely in official talks" in question_text(
        question("outcomes-q7-order-incident-to-agreement")
    )
    absent("as the 1972 Incidents at Sea Agreement did", "as the 1972 INCSEA did")


def test_logan_act_indictments_are_dated_1803_and_1852():
    assert "(1803 and 1852)" in flat(term("logan-act").definition)
    assert "(1803 and 1852)" in flat(lesson("track-one-and-a-half-in-practice").body)
    assert cites(lesson("track-one-and-a-half-in-practice"), "crs-logan-act-2018")
    assert "1803 and 1852" in reference("crs-logan-act-2018").note
    absent("1802")


def test_kelman_workshops_have_three_to_six_per_side():
    assert "three to six" in flat(lesson("inside-the-workshop").body)
    assert cites(lesson("inside-the-workshop"), "kelman-informal-mediation-1992")
    assert reference("kelman-informal-mediation-1992").year == 1992
    absent("four participants from each side", "four participants per side", "four per side")


def test_ratification_is_not_illustrated_by_the_good_friday_referendums():
    definition = flat(term("ratification").definition)
    assert "popular endorsement rather than treaty ratification" in definition
    steps = question("final-accord-path-border-treaty")
    assert cites(steps, "vclt-1969") and not cites(steps, "ulster-museum-good-friday")
    assert "instruments of ratification" in question_text(steps)
    assert "2 December 1999" in reference("british-irish-agreement-1998").note
    absent("as with the Good Friday Agreement in 1998", "By extension, popular approval")


def test_westphalia_dates_say_which_treaties():
    body = flat(lesson("older-than-its-name").body)
    assert "Münster on 30 January" in body and "France and Sweden follow on 24 October" in body
    assert cites(lesson("older-than-its-name"), "britannica-westphalia")
    absent("treaties are signed on 24 October after a long peace congress")


def test_fearon_reference_metadata():
    fearon = reference("fearon-niwc-accord")
    assert fearon.author == "Kate Fearon" and fearon.year == 2002
    assert fearon.title.startswith(
        "Northern Ireland's Women's Coalition: institutionalising a political voice"
    )
    assert "Accord 13" in fearon.publisher
    absent("Case study: Northern Ireland")


def test_vines_reference_cites_his_contribution_within_the_edited_volume():
    vines = reference("vines-mozambique-accord")
    assert vines.author == "Alex Vines" and vines.year == 1998
    assert vines.title.startswith("The business of peace")
    assert "Accord 3" in vines.publisher and "Armon" in vines.publisher and "Hendrickson" in vines.publisher
    assert "Rowland" in flat(lesson("hybrid-mediation-teams").body)


@pytest.mark.parametrize(
    "slug",
    [
        "vclt-1969",
        "wright-thirteen-days-2014",
        "nyt-fisher-obituary-2012",
        "mapendere-track-one-and-a-half-2006",
        "fursenko-naftali-1997",
        "qurie-oslo-2006",
        "kelman-informal-mediation-1992",
        "crs-logan-act-2018",
        "british-irish-agreement-1998",
        "britannica-westphalia",
    ],
)
def test_each_new_source_is_cited_somewhere(slug):
    """A reference added for REVIEW-2 backs a correction that learners see (tracks, lessons, questions, nodes)."""
    items = list(course().tracks)
    for module in course().modules:
        items += module.lessons
        items += [q for lesson in module.lessons for q in lesson.checks]
        items += [q for quiz in module.quizzes for q in quiz.questions]
    items += [node for sim in course().simulations for node in sim.nodes]
    assert any(cites(item, slug) for item in items)
