"""Hypothesis profiles: 'default' keeps the suite fast on every commit; 'thorough' runs 1,000 examples.

Choose with NNCHECK_HYPOTHESIS_PROFILE=thorough (README gives its runtime).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("NNCHECK_HYPOTHESIS_PROFILE", "default"))


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import DETECTION, DIAGNOSIS, FUZZ

    if FUZZ["inputs"]:
        terminalreporter.write_line(f"nncheck fuzz: {FUZZ['inputs']} inputs tried; each ended in an audit or a located error")

    if DETECTION["planted"]:
        rate = DETECTION["flagged"] / DETECTION["planted"]
        terminalreporter.write_line(
            f"nncheck auditor: {DETECTION['flagged']} of {DETECTION['planted']} planted errors flagged ({rate:.0%})"
        )

    for family, counts in DIAGNOSIS.items():
        if counts["planted"]:
            rate = counts["found"] / counts["planted"]
            what = ("random errors given an explanation anyway (false explanations)" if family == "random moves"
                    else f"planted '{family}' slips among the top three hypotheses")
            terminalreporter.write_line(f"nncheck diagnosis: {counts['found']} of {counts['planted']} {what} ({rate:.0%})")
