"""Benchmarks of the book and its package, with their recorded results in bench/results."""
