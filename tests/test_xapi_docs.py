"""docs/integrations.md shows one example of every xAPI statement, exactly as the code builds it."""

from __future__ import annotations

from pathlib import Path

from ralph.models.xapi.base.statements import BaseXapiStatement

from xapi import examples

DOC = Path(__file__).resolve().parent.parent / "docs" / "integrations.md"


def test_the_documented_examples_are_what_the_code_builds():
    document = DOC.read_text(encoding="utf-8")
    assert examples.markdown() in document, "run: manage.py xapi_examples --write docs/integrations.md"


def test_every_example_is_a_valid_statement_and_every_verb_is_documented():
    document = DOC.read_text(encoding="utf-8")
    built = examples.examples()
    assert len(built) >= 8
    for _title, _when, statement in built:
        BaseXapiStatement.model_validate(statement)
        assert statement["verb"]["id"] in document
