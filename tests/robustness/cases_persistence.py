"""Bad-input cases for the persistence row (filled in below)."""
from __future__ import annotations
