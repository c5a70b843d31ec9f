"""Reference (NumPy) kernels of the 'rashid' domain; twins of csrc/rashid.pyx."""
__all__ = []
