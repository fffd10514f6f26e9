"""Subcommands of the CLI, one module each: NAME, HELP, DESCRIPTION, configure(parser), run(args) -> int.

Modules here import heavy stages inside ``run`` so that ``nncheck --help`` starts fast.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

# Module names under nncheck.commands, in the order --help lists them.
COMMANDS = ("audit", "fix", "extract", "prove", "schema", "site")
