"""Benchmarks and the hand-written baseline of the RSA decisions (see README.md)."""
