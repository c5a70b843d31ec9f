"""Reference (NumPy) kernels of the 'classic' domain; twins of csrc/classic.pyx."""
__all__ = []
