"""Reference (NumPy) kernels of the 'dense' domain; twins of csrc/dense.pyx."""
__all__ = []
