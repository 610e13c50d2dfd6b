"""Writing a course from the database back to the curriculum format.

The document is built from the schema models (their field order is the key order) and dumped with defaults
left out, so the output is deterministic: load → export → load → export is byte-identical. Archived content
is not exported (it is no longer part of the curriculum).

`leave_out` drops some drafts (with what they contain) from the document: training.publishing uses it to
leave incomplete drafts out of a file the loader must accept (docs/curriculum-format.md, "Drafts").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

import yaml
from django.db.models import Model, Prefetch

from roleplay import models as rp
from training import models as m
from training.curriculum import schema as s


class _CurriculumDumper(yaml.SafeDumper):
    """Indents lists under their key (as people write them); the C dumper cannot, so this one is Python."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _short_scalars(values) -> bool:
    return all(isinstance(v, int | str) and "\n" not in str(v) for v in values) and len(str(values)) < 70


def _represent_list(dumper: yaml.SafeDumper, value: list):
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=bool(value) and _short_scalars(value)
    )


def _represent_dict(dumper: yaml.SafeDumper, value: dict):
    # A small mapping of numbers (effects) reads well on one line; everything else is a block.
    flow = bool(value) and all(type(v) is int for v in value.values()) and len(value) <= 6
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=flow)


_CurriculumDumper.add_representer(str, _represent_str)
_CurriculumDumper.add_representer(list, _represent_list)
_CurriculumDumper.add_representer(dict, _represent_dict)


def dump_yaml(data: dict) -> str:
    return yaml.dump(
        data,
        Dumper=_CurriculumDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


class _Course:
    """The active content of one course, read with one query per object type."""

    def __init__(self, course: m.Course, leave_out: Collection[Model] = ()):
        self.course = course
        cid = course.pk
        active = {"course_id": cid, "archived": False}
        self.tracks = list(m.Track.objects.filter(**active).in_order())
        self.glossary = list(m.GlossaryTerm.objects.filter(**active).in_order().prefetch_related("tracks"))
        self.sources = list(
            m.Source.objects.filter(**active)
            .in_order()
            .prefetch_related(Prefetch("sections", m.SourceSection.objects.active().in_order()))
        )
        self.references = list(m.Reference.objects.filter(**active).in_order())
        self.modules = list(m.Module.objects.filter(**active).in_order())
        self.objectives = list(m.LearningObjective.objects.filter(**active).in_order())
        self.lessons = list(
            m.Lesson.objects.filter(**active).in_order().prefetch_related("tracks", "objectives", "key_terms")
        )
        self.quizzes = list(m.Quiz.objects.filter(**active).in_order())
        self.questions = list(
            m.Question.objects.filter(**active)
            .in_order()
            .prefetch_related(
                "tracks",
                "objectives",
                Prefetch("categories", m.Category.objects.active().in_order()),
                Prefetch("choices", m.Choice.objects.active().in_order().select_related("category")),
            )
        )
        self.simulations = list(
            m.Simulation.objects.filter(**active)
            .in_order()
            .select_related("module", "start_node")
            .prefetch_related("tracks", "objectives", Prefetch("meters", m.Meter.objects.active().in_order()))
        )
        self.nodes = list(
            m.Node.objects.active()
            .filter(simulation__course_id=cid)
            .in_order()
            .prefetch_related(
                "related_lessons",
                Prefetch("options", m.Option.objects.active().in_order().select_related("next_node")),
            )
        )
        self.citations = defaultdict(list)
        for cite in (
            m.Citation.objects.filter(**active)
            .in_order()
            .select_related("section__source", "reference")
            .order_by("position", "pk")
        ):
            owner = next(name for name in m.Citation.OWNER_FIELDS if getattr(cite, f"{name}_id"))
            self.citations[(owner, getattr(cite, f"{owner}_id"))].append(cite)
        if leave_out:
            gone = {(type(obj), obj.pk) for obj in leave_out}
            for name in ("tracks", "glossary", "modules", "lessons", "quizzes", "questions", "simulations"):
                setattr(self, name, [obj for obj in getattr(self, name) if (type(obj), obj.pk) not in gone])
        # Lists of slugs follow the order of the objects they name: a position, or (module, position, pk).
        self.order: dict[str, dict[int, Any]] = {
            "track": {t.pk: i for i, t in enumerate(self.tracks)},
            "objective": {o.pk: (o.module_id, o.position, o.pk) for o in self.objectives},
            "term": {g.pk: i for i, g in enumerate(self.glossary)},
            "lesson": {x.pk: (x.module_id, x.position, x.pk) for x in self.lessons},
        }
        self.module_order = {mod.pk: i for i, mod in enumerate(self.modules)}

    def slugs(self, objects, kind: str) -> list[str]:
        order = self.order[kind]
        present = [obj for obj in objects if obj.pk in order]
        if kind in ("objective", "lesson"):
            present.sort(key=lambda obj: (self.module_order.get(order[obj.pk][0], 0), *order[obj.pk][1:]))
        else:
            present.sort(key=lambda obj: order[obj.pk])
        return [obj.slug for obj in present]

    def cites(self, owner: str, pk: int) -> list[s.Citation]:
        result = []
        for cite in self.citations.get((owner, pk), []):
            if cite.reference_id:
                if cite.reference.archived:
                    continue
                result.append(
                    s.Citation.model_construct(reference=cite.reference.slug, locator=cite.locator or None)
                )
            elif not cite.section.archived and not cite.section.source.archived:
                result.append(
                    s.Citation.model_construct(
                        source=cite.section.source.slug,
                        section=cite.section.heading,
                        paragraph=cite.paragraph,
                    )
                )
        return result

    def question(self, q: m.Question) -> s.Question:
        choices = []
        for index, ch in enumerate(q.choices.all()):
            values = {"key": ch.key, "text": ch.text, "feedback": ch.feedback}
            if ch.key == s.default_choice_key(index):
                del values["key"]  # the default, written back as it was most likely authored
            if q.kind in ("single", "multiple"):
                values["correct"] = ch.correct
            elif q.kind == "order":
                values["position"] = ch.correct_position
            elif ch.category is not None:
                values["category"] = ch.category.key
            choices.append(s.Choice.model_construct(**values))
        return s.Question.model_construct(
            slug=q.slug,
            kind=q.kind,
            scenario=q.scenario,
            prompt=q.prompt,
            explanation=q.explanation,
            status=q.status,
            variant_of=q.variant_of or None,
            tracks=self.slugs(q.tracks.all(), "track"),
            objectives=self.slugs(q.objectives.all(), "objective"),
            citations=self.cites("question", q.pk),
            categories=[s.Category.model_construct(key=c.key, label=c.label) for c in q.categories.all()]
            if q.kind == "sort"
            else [],
            choices=choices,
            ties=[list(group) for group in q.ties] if q.kind == "order" else [],
            hints=[s.Hint.model_construct(text=hint["text"], cost=hint["cost"]) for hint in q.hints or []],
        )

    def document(self) -> s.Document:
        c = self.course
        kept_quizzes = {quiz.pk for quiz in self.quizzes}
        final = c.final_quiz.slug if c.final_quiz and c.final_quiz.pk in kept_quizzes else None
        by_module: defaultdict[int, defaultdict[str, list]] = defaultdict(lambda: defaultdict(list))
        for obj, kind in [(o, "objectives") for o in self.objectives] + [
            (x, "lessons") for x in self.lessons
        ]:
            by_module[obj.module_id][kind].append(obj)
        for quiz in self.quizzes:
            by_module[quiz.module_id]["quizzes"].append(quiz)
        checks, quiz_questions = defaultdict(list), defaultdict(list)
        for q in self.questions:
            if q.lesson_id:
                checks[q.lesson_id].append(q)
            else:
                quiz_questions[q.quiz_id].append(q)
        nodes = defaultdict(list)
        for node in self.nodes:
            nodes[node.simulation_id].append(node)

        modules = []
        for mod in self.modules:
            parts = by_module[mod.pk]
            modules.append(
                s.Module.model_construct(
                    slug=mod.slug,
                    title=mod.title,
                    summary=mod.summary,
                    status=mod.status,
                    reflection=mod.reflection,
                    objectives=[
                        s.Objective.model_construct(slug=o.slug, text=o.text) for o in parts["objectives"]
                    ],
                    lessons=[
                        s.Lesson.model_construct(
                            slug=x.slug,
                            title=x.title,
                            minutes=x.minutes,
                            status=x.status,
                            tracks=self.slugs(x.tracks.all(), "track"),
                            objectives=self.slugs(x.objectives.all(), "objective"),
                            key_terms=self.slugs(x.key_terms.all(), "term"),
                            body=x.body,
                            citations=self.cites("lesson", x.pk),
                            checks=[self.question(q) for q in checks[x.pk]],
                        )
                        for x in parts["lessons"]
                    ],
                    quizzes=[
                        s.Quiz.model_construct(
                            slug=q.slug,
                            title=q.title,
                            intro=q.intro,
                            mode=q.mode,
                            pass_mark=q.pass_mark,
                            attempts_allowed=q.attempts_allowed,
                            shuffle=q.shuffle,
                            results=q.results,
                            draw=_draw(q),
                            certainty=q.certainty,
                            time_limit=q.time_limit,
                            status=q.status,
                            questions=[self.question(x) for x in quiz_questions[q.pk]],
                        )
                        for q in parts["quizzes"]
                    ],
                )
            )
        simulations = []
        for sim in self.simulations:
            if sim.module.archived:
                continue
            sim_nodes = nodes[sim.pk]
            simulations.append(
                s.Simulation.model_construct(
                    slug=sim.slug,
                    title=sim.title,
                    module=sim.module.slug,
                    role=sim.role,
                    portrait=sim.portrait or None,
                    situation=sim.situation,
                    status=sim.status,
                    tracks=self.slugs(sim.tracks.all(), "track"),
                    objectives=self.slugs(sim.objectives.all(), "objective"),
                    meters=[
                        s.Meter.model_construct(
                            key=mt.key,
                            label=mt.label,
                            min=mt.min,
                            max=mt.max,
                            start=mt.start,
                            better=mt.better,
                        )
                        for mt in sim.meters.all()
                    ],
                    flags=[s.SimFlag.model_construct(**f) for f in sim.flags],
                    principles=[s.Principle.model_construct(**p) for p in sim.principles],
                    start=sim.start_node.key if sim.start_node else "",
                    nodes=[
                        s.Node.model_construct(
                            key=n.key,
                            title=n.title,
                            ending=n.is_ending,
                            outcome=n.outcome or None,
                            situation=n.situation,
                            debrief=n.debrief,
                            lessons=self.slugs(n.related_lessons.all(), "lesson"),
                            citations=self.cites("node", n.pk),
                            options=[
                                s.Option.model_construct(
                                    key=o.key,
                                    text=o.text,
                                    effects=dict(o.effects),
                                    sets=list(o.sets),
                                    clears=list(o.clears),
                                    later=[s.Later.model_construct(**item) for item in o.later],
                                    guard=o.guard or None,
                                    unavailable=o.unavailable,
                                    reason=o.reason,
                                    recommended=o.recommended,
                                    follows=list(o.follows),
                                    breaks=list(o.breaks),
                                    feedback=o.feedback,
                                    branches=[s.Branch.model_construct(**b) for b in o.branches],
                                    next=o.next_node.key if o.next_node else None,
                                )
                                for o in n.options.all()
                            ],
                        )
                        for n in sim_nodes
                    ],
                    events=[s.Event.model_construct(**e) for e in sim.events],
                )
            )
        return s.Document.model_construct(
            format=1,
            course=s.Course.model_construct(
                slug=c.slug,
                title=c.title,
                summary=c.summary,
                status=c.status,
                final_quiz=final,
                completion=s.Completion.model_construct(**c.completion) if c.completion else None,
            ),
            sources=[
                s.Source.model_construct(
                    slug=src.slug,
                    title=src.title,
                    author=src.author,
                    url=src.url,
                    sections=[
                        s.Section.model_construct(heading=sec.heading, paragraphs=sec.paragraphs)
                        for sec in src.sections.all()
                    ],
                )
                for src in self.sources
            ],
            references=[
                s.Reference.model_construct(
                    slug=r.slug,
                    title=r.title,
                    author=r.author,
                    publisher=r.publisher,
                    year=r.year,
                    url=r.url,
                    note=r.note,
                )
                for r in self.references
            ],
            tracks=[
                s.Track.model_construct(
                    slug=t.slug,
                    name=t.name,
                    short_name=t.short_name,
                    summary=t.summary,
                    definition=t.definition,
                    participants=t.participants,
                    outputs=t.outputs,
                    strengths=list(t.strengths),
                    limits=list(t.limits),
                    examples=list(t.examples),
                    comparison=dict(t.comparison),
                    status=t.status,
                    citations=self.cites("track", t.pk),
                )
                for t in self.tracks
            ],
            glossary=[
                s.GlossaryTerm.model_construct(
                    slug=g.slug,
                    term=g.term,
                    definition=g.definition,
                    tracks=self.slugs(g.tracks.all(), "track"),
                    status=g.status,
                )
                for g in self.glossary
            ],
            modules=modules,
            simulations=simulations,
            roleplays=self.roleplays(),
            cases=self.cases(),
            capstones=self.capstones(),
        )

    def cases(self) -> list[s.Case]:
        """The case library's active pages (their links in the order of the linked objects)."""
        result = []
        for x in (
            m.Case.objects.filter(course_id=self.course.pk, archived=False)
            .in_order()
            .prefetch_related("references", "lessons", "tracks")
        ):
            references = sorted(
                (r for r in x.references.all() if not r.archived), key=lambda r: (r.position, r.pk)
            )
            result.append(
                s.Case.model_construct(
                    slug=x.slug,
                    title=x.title,
                    status=x.status,
                    period=x.period,
                    region=x.region,
                    summary=x.summary,
                    actors=[s.CaseActor.model_construct(**a) for a in x.actors if isinstance(a, dict)],
                    moved=x.moved,
                    outcome=x.outcome,
                    body=x.body,
                    documents=[
                        s.CaseDocument.model_construct(**d) for d in x.documents if isinstance(d, dict)
                    ],
                    references=[r.slug for r in references],
                    lessons=self.slugs(x.lessons.all(), "lesson"),
                    tracks=self.slugs(x.tracks.all(), "track"),
                )
            )
        return result

    def capstones(self) -> list[s.Capstone]:
        result = []
        for x in (
            m.Capstone.objects.filter(course_id=self.course.pk, archived=False)
            .in_order()
            .prefetch_related("references")
        ):
            references = sorted(
                (r for r in x.references.all() if not r.archived), key=lambda r: (r.position, r.pk)
            )
            rubric = [
                s.RubricCriterion.model_construct(
                    **{
                        **criterion,
                        "levels": [
                            s.RubricLevel.model_construct(**level) for level in criterion.get("levels", [])
                        ],
                    }
                )
                for criterion in x.rubric
                if isinstance(criterion, dict)
            ]
            result.append(
                s.Capstone.model_construct(
                    slug=x.slug,
                    title=x.title,
                    status=x.status,
                    brief=x.brief,
                    min_words=x.min_words,
                    max_words=x.max_words,
                    pass_mark=x.pass_mark,
                    rubric=rubric,
                    references=[r.slug for r in references],
                )
            )
        return result

    def roleplays(self) -> list[s.RolePlay]:
        """The course's active role-plays with their active parts (one query per part)."""
        active = rp.RolePlay.objects.filter(course_id=self.course.pk, archived=False)
        result = []
        for x in (
            active.in_order()
            .select_related("module")
            .prefetch_related(
                "objectives",
                "references",
                Prefetch("roles", rp.Role.objects.active().in_order()),
                Prefetch(
                    "issues",
                    rp.Issue.objects.active()
                    .in_order()
                    .prefetch_related(Prefetch("options", rp.IssueOption.objects.active().in_order())),
                ),
                Prefetch("phases", rp.Phase.objects.active().in_order()),
                Prefetch("injects", rp.Inject.objects.active().in_order()),
                Prefetch("debrief_questions", rp.DebriefQuestion.objects.active().in_order()),
            )
        ):
            roles = list(x.roles.all())
            role_order = {role.slug: i for i, role in enumerate(roles)}
            references = sorted(
                (r for r in x.references.all() if not r.archived), key=lambda r: (r.position, r.pk)
            )
            result.append(
                s.RolePlay.model_construct(
                    slug=x.slug,
                    title=x.title,
                    summary=x.summary,
                    status=x.status,
                    module=x.module.slug if x.module and not x.module.archived else None,
                    objectives=self.slugs(x.objectives.all(), "objective"),
                    references=[r.slug for r in references],
                    minutes=x.minutes,
                    background=x.background,
                    roles=[
                        s.Role.model_construct(
                            slug=r.slug,
                            title=r.title,
                            side=r.side or None,
                            optional=r.optional,
                            public_brief=r.public_brief,
                            confidential_brief=r.confidential_brief,
                            objectives=list(r.objectives),
                            walk_away=r.walk_away,
                            portrait=r.portrait or None,
                        )
                        for r in roles
                    ],
                    issues=[
                        s.Issue.model_construct(
                            slug=i.slug,
                            title=i.title,
                            description=i.description,
                            options=[
                                s.IssueOption.model_construct(
                                    key=o.key,
                                    text=o.text,
                                    # Roles' order, not the stored one (PostgreSQL's jsonb sorts keys).
                                    points=dict(
                                        sorted(
                                            o.points.items(),
                                            key=lambda kv: (role_order.get(kv[0], 99), kv[0]),
                                        )
                                    ),
                                )
                                for o in i.options.all()
                            ],
                        )
                        for i in x.issues.all()
                    ],
                    phases=[
                        s.Phase.model_construct(
                            slug=p.slug,
                            title=p.title,
                            kind=p.kind,
                            minutes=p.minutes,
                            instructions=p.instructions,
                        )
                        for p in x.phases.all()
                    ],
                    injects=[
                        s.Inject.model_construct(
                            slug=j.slug, title=j.title, text=j.text, to=list(j.to), phase=j.phase or None
                        )
                        for j in x.injects.all()
                    ],
                    debrief=[
                        s.DebriefQuestion.model_construct(slug=q.slug, prompt=q.prompt)
                        for q in x.debrief_questions.all()
                    ],
                    debrief_guide=x.debrief_guide,
                )
            )
        return result


def export_document(course: m.Course, leave_out: Collection[Model] = ()) -> s.Document:
    """The course's active content (drafts included, except those in `leave_out`) as a curriculum document
    (not yet YAML)."""
    return _Course(course, leave_out).document()


def export_course(course: m.Course) -> str:
    """The course as curriculum YAML (one file)."""
    document = export_document(course)
    data = document.model_dump(exclude_defaults=True, warnings=False)
    return dump_yaml(data)


def _draw(quiz: m.Quiz) -> s.Draw | None:
    if quiz.draw_per_objective:
        return s.Draw.model_construct(per_objective=quiz.draw_per_objective)
    if quiz.draw_count:
        return s.Draw.model_construct(count=quiz.draw_count)
    return None
