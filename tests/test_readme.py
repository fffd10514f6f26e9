"""README's two commands stay true: CI runs the test command verbatim; the audit command is shown."""

from __future__ import annotations

import re

from tests.helpers import ROOT


def _console_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```console\n(.+?)\n```", text)


def test_readme_shows_the_audit_command() -> None:
    assert any(command.endswith("nncheck audit specs/blog.yaml") for command in _console_commands())


def test_ci_runs_readme_test_command_verbatim() -> None:
    test_command = next(c for c in _console_commands() if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_package_is_mypy_strict_clean() -> None:
    """The package's types are part of its API (it ships py.typed)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mypy", "nncheck"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout
