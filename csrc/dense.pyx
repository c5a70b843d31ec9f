"""Compiled kernels of the 'dense' domain; twins of pynet/kernels/reference/dense.py."""
__all__ = []
