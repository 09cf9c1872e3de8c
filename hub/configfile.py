"""Load YAML configuration into pydantic models with errors that name file, line and key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Key = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong in a configuration file."""

    file: str
    line: int | None
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(top)'}: {self.reason}"


class ConfigError(Exception):
    """A configuration file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def dotted(key: Iterable[str | int]) -> str:
    """Render a key path as `devices[3].grid`."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML with the line of every key path, for error messages."""

    file: str
    data: Any
    lines: dict[Key, int]

    def line_of(self, key: Key) -> int | None:
        """The line of *key*, or of its nearest parent that has one."""
        for end in range(len(key), -1, -1):
            if key[:end] in self.lines:
                return self.lines[key[:end]]
        return None

    def problem(self, key: Key, reason: str) -> ConfigProblem:
        return ConfigProblem(self.file, self.line_of(key), dotted(key), reason)


def read_yaml(path: Path | str) -> YamlDocument:
    """Parse *path*; syntax errors and duplicate keys raise ConfigError."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigProblem(name, None, "", f"cannot read: {exc.strerror}")]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([ConfigProblem(name, line, "", f"not valid YAML: {exc}")]) from exc
    lines: dict[Key, int] = {}
    problems: list[ConfigProblem] = []
    if node is not None:
        _index(node, (), lines, problems, name)
    if problems:
        raise ConfigError(problems)
    return YamlDocument(name, data if data is not None else {}, lines)


def _index(node: yaml.Node, key: Key, lines: dict[Key, int],
           problems: list[ConfigProblem], name: str) -> None:
    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            child = str(key_node.value)
            if child in seen:
                problems.append(ConfigProblem(name, key_node.start_mark.line + 1,
                                              dotted((*key, child)), "duplicate key"))
            seen.add(child)
            lines[(*key, child)] = key_node.start_mark.line + 1
            _index(value_node, (*key, child), lines, problems, name)
            lines[(*key, child)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*key, index), lines, problems, name)


def validate(model: type[M], doc: YamlDocument, data: Any = None, prefix: Key = ()) -> M:
    """Validate *data* (default: the whole document) as *model*, or raise ConfigError."""
    try:
        return model.model_validate(doc.data if data is None else data)
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, doc, prefix)) from None


def _is_union_tag(data: Any, key: Key, part: str | int) -> bool:
    """Pydantic names the chosen member of a tagged union (`type: threshold`) in error locations."""
    for step in key:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(data, dict) and part not in data and part in data.values()


def problems_from(exc: ValidationError, doc: YamlDocument, prefix: Key = ()) -> list[ConfigProblem]:
    """Translate pydantic errors into problems located in *doc*."""
    problems = []
    for error in exc.errors(include_url=False):
        key: Key = prefix
        for part in error["loc"]:
            if isinstance(part, str | int) and not _is_union_tag(doc.data, key, part):
                key = (*key, part)
        reason = error["msg"]
        if error["type"] == "extra_forbidden":
            reason = "unknown key"
        problems.append(doc.problem(key, reason))
    return problems
