"""Imported first by a benchmark: this checkout's `mailer`, not the one a virtualenv's
editable install points at (a worktree's benchmark would otherwise measure another tree)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))
