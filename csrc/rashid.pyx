"""Compiled kernels of the 'rashid' domain; twins of pynet/kernels/reference/rashid.py."""
__all__ = []
