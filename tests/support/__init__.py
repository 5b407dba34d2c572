"""Fakes and stand-ins shared by the tests and the benchmarks; nothing here is collected as a test."""
