import pytest

from training.curriculum.guards import GuardError, parse_guard


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("trust >= 30", {"trust": 30}, True),
        ("trust >= 30", {"trust": 29}, False),
        ("trust > 30 and momentum < 10", {"trust": 31, "momentum": 9}, True),
        ("trust > 30 and momentum < 10", {"trust": 31, "momentum": 10}, False),
        # and binds tighter than or
        ("trust > 90 or trust > 10 and momentum > 50", {"trust": 50, "momentum": 0}, False),
        ("trust > 90 or trust > 10 and momentum > 50", {"trust": 95, "momentum": 0}, True),
        ("(trust > 90 or trust > 10) and momentum > 50", {"trust": 95, "momentum": 0}, False),
        ("not trust < 10", {"trust": 10}, True),
        ("not (trust < 10 or momentum < 10)", {"trust": 20, "momentum": 5}, False),
        ("not not trust == 5", {"trust": 5}, True),
        ("10 < trust", {"trust": 11}, True),
        ("trust != -5", {"trust": -5}, False),
        ("trust==5", {"trust": 5}, True),
        ("public-support >= 1", {"public-support": 1}, True),
    ],
)
def test_guard_evaluates_with_precedence_and_parentheses(text, values, expected):
    assert parse_guard(text).evaluate(values) is expected


def test_guard_lists_the_meters_it_names():
    assert parse_guard("trust > 1 and not (momentum < 2 or 3 > legitimacy)").meters == {
        "trust",
        "momentum",
        "legitimacy",
    }


def test_guard_describes_itself_in_words():
    guard = parse_guard("trust >= 30 and not (momentum < 10)")
    assert guard.describe() == "trust is at least 30 and momentum is at least 10"
    assert parse_guard("5 > x or y == 1").describe() == "x is below 5 or y is exactly 1"
    assert parse_guard("not (a > 1 and b > 2)").describe() == "not (a is above 1 and b is above 2)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the guard is empty"),
        ("trust >=", "expected a meter or a number, found the end"),
        ("5", "expected a comparison"),
        ("trust >= 30 and", "expected a meter or a number, found the end"),
        ("(trust > 1", "missing ')'"),
        ("trust > 1)", "unexpected ')'"),
        ("trust > 1 trust", "unexpected 'trust'"),
        ("trust = 1", "unexpected character '='"),
        ("trust > 1 && momentum > 2", "unexpected character '&'"),
        ("and > 1", "expected a meter or a number, found 'and'"),
        ("trust > 1.5", "unexpected character '.'"),
    ],
)
def test_guard_errors_say_what_is_wrong(text, message):
    with pytest.raises(GuardError) as exc:
        parse_guard(text)
    assert message in str(exc.value)


def test_guard_never_evaluates_python():
    # Python syntax is not part of the language: nothing is evaluated, it is simply rejected.
    for text in ["__import__('os').system('true')", "trust.__class__ > 1", "[x for x in y] > 1", "a > b; c"]:
        with pytest.raises(GuardError):
            parse_guard(text)


def test_guard_evaluation_needs_every_meter():
    with pytest.raises(GuardError, match="no value for meter 'momentum'"):
        parse_guard("momentum > 1").evaluate({"trust": 1})


def test_guard_column_points_at_the_problem():
    with pytest.raises(GuardError) as exc:
        parse_guard("trust > 1 and ? 2")
    assert exc.value.column == 15
