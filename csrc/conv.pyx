"""Compiled kernels of the 'conv' domain; twins of pynet/kernels/reference/conv.py."""
__all__ = []
