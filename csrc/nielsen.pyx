"""Compiled kernels of the 'nielsen' domain; twins of pynet/kernels/reference/nielsen.py."""
__all__ = []
