"""The tests import the package from this source tree (not the copy installed in .venv)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# LocalStack takes a machine with /.dockerenv for its own container; its config must not (see the launcher).
os.environ.setdefault("OVERRIDE_IN_DOCKER", "0")
