"""Stage 3: judge every printed number of a spec. Returns findings; never prints."""

from nncheck.audit.judge import EvaluationError, audit
from nncheck.audit.verdicts import DEFAULT_FAIL_ON, Audit, Kind, Verdict

__all__ = ["DEFAULT_FAIL_ON", "Audit", "EvaluationError", "Kind", "Verdict", "audit"]
