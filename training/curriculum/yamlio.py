"""Reading curriculum YAML with line marks.

The YAML is composed into its node tree first, so that every path inside the document (`modules[2].title`)
maps to the line where it is written; errors found later (by the schema or the semantic checks) can then
name the line. The same pass rejects what a human-first format should not contain: duplicate keys (YAML
would silently keep the last one), anchors/aliases and non-string keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from training.curriculum.problems import Path, Problem, format_path

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Bounds on one document, checked on the parser's events before any node is built: a whole course is a few
# thousand nodes, so these only stop a file made to exhaust memory or the stack (the admin upload and
# `manage.py load_curriculum` alike).
MAX_NODES = 200_000
MAX_DEPTH = 100
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_NODE = (yaml.ScalarEvent, yaml.AliasEvent, *_COLLECTION_START)


@dataclass
class LineMap:
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that is written in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


@dataclass
class YamlFile:
    name: str  # as shown in messages
    data: Any
    lines: LineMap

    def problem(self, path: Path, message: str, *, warning: bool = False) -> Problem:
        return Problem(self.name, self.lines.line(path), format_path(path), message, warning)


def display_name(path: FsPath) -> str:
    try:
        return str(path.resolve().relative_to(FsPath.cwd().resolve()))
    except ValueError:
        return str(path)


def _walk(node: yaml.Node, path: Path, lines: LineMap, name: str, problems: list[Problem], seen: set[int]):
    if id(node) in seen:
        problems.append(
            Problem(
                name,
                node.start_mark.line + 1,
                format_path(path),
                "YAML anchors and aliases are not supported",
            )
        )
        return
    seen.add(id(node))
    lines.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        keys: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                problems.append(
                    Problem(name, line, format_path(path), f"key {shown!r} must be a plain word (quote it)")
                )
                continue
            key = key_node.value
            if key in keys:
                problems.append(
                    Problem(
                        name,
                        line,
                        format_path((*path, key)),
                        f"duplicate key {key!r} (first given on line {keys[key]})",
                    )
                )
                continue
            keys[key] = line
            lines.lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, name, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, name, problems, seen)


def _size_problem(text: str, name: str) -> Problem | None:
    """A problem if the document has more than MAX_NODES nodes or nests deeper than MAX_DEPTH, else None.
    Reads only the parser's events, one at a time, and stops at the first bound passed."""
    nodes = depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _NODE):
                nodes += 1
                if nodes > MAX_NODES:
                    return Problem(
                        name,
                        1,
                        "(document)",
                        f"the document has more than {MAX_NODES} YAML nodes: split the course into "
                        f"several files",
                    )
            if isinstance(event, _COLLECTION_START):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(
                        name,
                        event.start_mark.line + 1 if event.start_mark else 1,
                        "(document)",
                        f"lists and mappings are nested more than {MAX_DEPTH} levels deep here",
                    )
            elif isinstance(event, _COLLECTION_END):
                depth -= 1
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
        return None  # a syntax error: reading the document reports it where it is
    return None


def parse_yaml(text: str, name: str) -> tuple[YamlFile | None, list[Problem]]:
    """Parse one document. Returns the file (None if it cannot be read) and the problems found."""
    too_big = _size_problem(text, name)
    if too_big is not None:
        return None, [too_big]
    problems: list[Problem] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlFile(name, None, LineMap({(): 1})), []
        lines = LineMap()
        _walk(node, (), lines, name, problems, set())
        if problems:
            return None, problems
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        return None, [syntax_problem(exc, text, name)]
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        return None, [Problem(name, 1, "(document)", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    return YamlFile(name, data, lines), []


# Syntax errors are reported where the broken construct starts, not where the parser gave up: an unclosed
# quote is only noticed many lines later, inside another question, and that line is no help to the author.

_CONSTRUCTS = {
    "while scanning a quoted scalar": "the quoted string that starts here is not closed",
    "while parsing a flow sequence": "the [ list that starts here is not closed",
    "while parsing a flow mapping": "the { mapping that starts here is not closed",
}


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, name: str) -> Problem:
    """The problem for a YAML syntax error, on the line where the broken construct starts.

    PyYAML gives two marks: `context_mark`, where the construct being read started, and `problem_mark`,
    where reading it failed. For a construct of its own (a quoted string, a [ ] or { } collection, a key)
    the context mark is that start. For a block mapping or list it is only the enclosing mapping's first
    line, so there the problem mark is kept — unless the token just before it is a quoted string running
    over several lines, which is what an unclosed quote looks like from the parser's side.
    """
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark else None
    context = exc.context or ""
    problem = exc.problem or ""
    noticed = f"the parser noticed at line {problem_line}: {problem}" if problem_line else problem
    start: int | None = None
    message = ""
    if exc.context_mark is not None and context.startswith(("while scanning", "while parsing a flow")):
        start = exc.context_mark.line + 1
        what = _CONSTRUCTS.get(context) or f"{context}, which starts here, failed"
        message = f"{what} ({noticed})"
    elif exc.problem_mark is not None:
        quoted = _quoted_before(text, exc.problem_mark)
        if quoted is not None:
            start = quoted.start_mark.line + 1
            message = (
                f"the quoted string that starts here does not seem to be closed: it runs on to line "
                f"{quoted.end_mark.line + 1} ({noticed})"
            )
    if start is None or start == problem_line:
        message = " ".join(part for part in (context, problem) if part)
        start = problem_line or start or 1
    return Problem(name, start, "(document)", f"YAML syntax error: {message}")


def _quoted_before(text: str, mark: yaml.Mark) -> yaml.ScalarToken | None:
    """The token just before `mark` if it is a quoted string spanning lines, else None."""
    previous = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if (token.start_mark.line, token.start_mark.column) >= (mark.line, mark.column):
                break
            previous = token
    except (yaml.YAMLError, ValueError, RecursionError):
        pass  # the scanner stops at the error; what it read before is enough
    if (
        isinstance(previous, yaml.ScalarToken)
        and previous.style in ("'", '"')
        and previous.end_mark.line > previous.start_mark.line
    ):
        return previous
    return None
