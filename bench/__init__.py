"""Benchmarks of schedtop against reference apps (run with `make bench`)."""
