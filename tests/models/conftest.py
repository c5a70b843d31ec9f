import sys
from pathlib import Path

# the model tests share small example graphs (test_functional.py)
sys.path.insert(0, str(Path(__file__).parent))
