"""Stage 3: judge every printed number of a spec. Returns findings; never prints."""

from nncheck.audit.judge import EvaluationError, audit
from nncheck.findings import DEFAULT_FAIL_ON, Audit, Hypothesis, Kind, Slip, Verdict

__all__ = ["DEFAULT_FAIL_ON", "Audit", "EvaluationError", "Hypothesis", "Kind", "Slip", "Verdict", "audit"]
