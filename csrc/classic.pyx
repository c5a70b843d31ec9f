"""Compiled kernels of the 'classic' domain; twins of pynet/kernels/reference/classic.py."""
__all__ = []
