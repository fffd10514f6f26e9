"""Stage 1: spec files -> validated, frozen Spec records."""

from nncheck.readers.spec.loader import FORMAT_VERSION, load_spec, parse_spec

__all__ = ["FORMAT_VERSION", "load_spec", "parse_spec"]
