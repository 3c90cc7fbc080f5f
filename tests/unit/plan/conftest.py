import sys
from pathlib import Path

# Lets the plan tests (and the render tests) import the shared builders in plan_factory.py.
sys.path.insert(0, str(Path(__file__).parent))
