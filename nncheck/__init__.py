"""nncheck: audit the numbers of neural-network worked examples, rigorously."""

__version__ = "0.1.0"
