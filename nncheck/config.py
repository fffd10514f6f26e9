"""Settings from ``[tool.nncheck]`` in pyproject.toml, found by walking up from the current directory (as ruff and
mypy find theirs). The command line overrides them; the pytest plugin reads the same table.

| key | type | meaning | command-line option |
|---|---|---|---|
| ``fail-on`` | string or list of verdicts | verdicts that make the exit status 1 | ``--fail-on`` |
| ``baseline`` | path | accepted findings (relative to pyproject.toml) | ``--baseline`` |
| ``diagnose`` | integer or ``"all"`` | findings diagnosed per file | ``--diagnose`` |
| ``format`` | report format | ``terminal``, ``markdown``, ``json``, ``jsonl``, ``sarif``, ``lines`` | ``--format`` |
| ``include`` | list of paths | what to audit when no PATH is given (relative to pyproject.toml) | ``PATH…`` |
| ``exclude`` | list of gitignore patterns | left out of directory walks (relative to pyproject.toml) | |

An unknown key or a value of the wrong type is an error naming pyproject.toml's line and column.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nncheck.errors import Location, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, before it joined the standard library
    import tomli as tomllib

KEYS = ("fail-on", "baseline", "diagnose", "format", "include", "exclude")
FORMATS = ("terminal", "markdown", "json", "jsonl", "sarif", "lines")  # nncheck.report.FORMATS, kept light to import


@dataclass(frozen=True, slots=True)
class Config:
    """The settings of ``[tool.nncheck]``; None (or empty) where the table does not set them."""

    path: str | None = None  # the pyproject.toml read, if any
    fail_on: str | None = None  # comma-separated, as --fail-on takes it
    baseline: str | None = None  # resolved against pyproject.toml's folder
    diagnose: int | None = None
    diagnose_all: bool = False  # "all": no limit (diagnose is then None)
    format: str | None = None
    include: tuple[str, ...] = ()  # resolved against pyproject.toml's folder
    exclude: tuple[str, ...] = ()  # gitignore patterns, relative to ``root``
    root: str = "."  # the folder of pyproject.toml


def find(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` (default: the current directory): a project's settings are
    its own, so a pyproject.toml without [tool.nncheck] ends the search too."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        file = candidate / "pyproject.toml"
        if file.is_file():
            return file
    return None


def load(start: Path | None = None) -> Config:
    """The [tool.nncheck] settings that apply at ``start`` (default: the current directory); an empty Config when
    there are none. Raises UsageError, located in pyproject.toml, for an invalid file, key or value."""
    file = find(start)
    if file is None:
        return Config()
    text = file.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.14 gives the place as attributes; earlier versions only in the message, "(at line 3, column 9)".
        message = str(error)
        place = re.search(r"\(at line (\d+), column (\d+)\)$", message)
        line, column = (int(place[1]), int(place[2])) if place else (getattr(error, "lineno", 1), getattr(error, "colno", 1))
        reason = message[:place.start()].strip() if place else getattr(error, "msg", message)
        raise UsageError(f"{file}:{line}:{column}: not valid TOML: {reason}") from None
    table = data.get("tool", {}).get("nncheck")
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise UsageError(f"{_where(file, text, 'nncheck')}: [tool.nncheck] must be a table")
    unknown = [key for key in table if key not in KEYS]
    if unknown:
        raise UsageError(f"{_where(file, text, unknown[0])}: unknown key {unknown[0]!r} in [tool.nncheck]; "
                         f"expected one of: {', '.join(KEYS)}")
    base = file.parent
    settings: dict[str, Any] = {"path": str(file)}
    for key, value in table.items():
        settings.update(_setting(file, text, key, value, base))
    return Config(**settings)


def _setting(file: Path, text: str, key: str, value: Any, base: Path) -> dict[str, Any]:
    def wrong(expected: str) -> UsageError:
        return UsageError(f"{_where(file, text, key)}: {key} = {value!r}: expected {expected}")

    if key == "fail-on":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value) or "none"
        if not isinstance(value, str):
            raise wrong("a verdict or a list of verdicts")
        from nncheck.findings import Kind

        for part in value.split(",") if value.strip() != "none" else ():
            try:
                Kind.from_key(part.strip())
            except ValueError as error:
                raise UsageError(f"{_where(file, text, key)}: fail-on: {error}") from None
        return {"fail_on": value}
    if key == "baseline":
        if not isinstance(value, str):
            raise wrong("a path")
        return {"baseline": _relative(base / value)}
    if key == "diagnose":
        if value == "all":
            return {"diagnose": None, "diagnose_all": True}
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return {"diagnose": value}
        raise wrong("a number of findings (0 or more) or \"all\"")
    if key == "format":
        if value not in FORMATS:
            raise wrong(f"one of {', '.join(FORMATS)}")
        return {"format": value}
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise wrong("a list of strings")
    if key == "include":
        return {"include": tuple(_relative(base / v) for v in value)}
    return {"exclude": tuple(value), "root": str(base)}  # exclude: gitignore patterns, relative to pyproject.toml


def _relative(path: Path) -> str:
    """``path`` relative to the current directory when under it (as reports name files), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def _where(file: Path, text: str, key: str) -> Location:
    """The line and column of ``key`` in the [tool.nncheck] table of pyproject.toml's ``text`` (the table's header
    when the key is not written on a line of its own)."""
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip().replace(" ", "") == "[tool.nncheck]"), None)
    if header is None:
        return Location(str(file), 1, 1)
    for number in range(header + 1, len(lines)):
        stripped = lines[number].lstrip()
        if stripped.startswith("["):
            break
        for spelled in (key, f'"{key}"', f"'{key}'"):
            if stripped.startswith(spelled) and stripped[len(spelled):].lstrip().startswith("="):
                return Location(str(file), number + 1, len(lines[number]) - len(stripped) + 1)
    return Location(str(file), header + 1, 1)
