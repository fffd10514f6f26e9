"""Coverage-guided fuzzing of the spec loader, the Markdown reader and the audit with atheris (libFuzzer).

    python tests/fuzz/fuzz_spec.py -max_total_time=600 CORPUS_DIR tests/fuzz/corpus

libFuzzer writes inputs it finds interesting into the first directory (use a scratch copy) and
reads the seeds from the others. The contract: every input ends in an audit or an NncheckError;
any other exception is a crash that libFuzzer reports with the input that caused it. libFuzzer's
closing line "Done N runs" gives the number of inputs tried. An input whose first byte is odd is read as a
Markdown page (the rest of it), else as a spec, so that one corpus covers both.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["nncheck"]):
    from nncheck.audit import audit
    from nncheck.errors import NncheckError
    from nncheck.readers.markdown import parse_markdown
    from nncheck.readers.spec import parse_spec


def test_one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        if data[:1] and data[0] % 2:
            audit(parse_markdown(text[1:], "fuzz.md"), diagnose=3)
        else:
            audit(parse_spec(text, "fuzz.yaml"))
    except NncheckError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
