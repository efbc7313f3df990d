"""Start-up code the benchmarks share: a private Dovecot on loopback, as the tests use.

Importing this module also puts the repository and `tests/` on `sys.path`, so a
benchmark can use the test helpers (`tests/integration/...`, `pipeline_kit`).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from tests.integration.dovecot import DovecotServer  # noqa: E402


def start_private_dovecot(prefix: str) -> tuple[Path, DovecotServer]:
    """A scratch directory (remove it when done) and a started Dovecot inside it.

    Exits with a hint when Dovecot is not installed. The directory is world-traversable:
    Dovecot's auth and mail processes run as another user."""
    if shutil.which("dovecot") is None:
        sys.exit("dovecot is not installed: apt-get install dovecot-imapd")
    work = Path(tempfile.mkdtemp(prefix=prefix))
    work.chmod(0o755)
    (work / "dovecot").mkdir()
    server = DovecotServer(work / "dovecot")
    server.start()
    return work, server
