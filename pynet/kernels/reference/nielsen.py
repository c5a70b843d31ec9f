"""Reference (NumPy) kernels of the 'nielsen' domain; twins of csrc/nielsen.pyx."""
__all__ = []
