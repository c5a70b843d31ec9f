"""Compiled kernels of the 'pooling' domain; twins of pynet/kernels/reference/pooling.py."""
__all__ = []
