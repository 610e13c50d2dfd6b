"""Run Ralph's LRS (ralph.api:app) with its filesystem backend, for tests/test_xapi_lrs.py.

Run with the LRS venv's Python (`.venv-lrs/bin/python tests/ralph_lrs_server.py PORT`), never the app's; the
environment names the store directory and the auth file (RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH,
RALPH_AUTH_FILE).

This is `ralph runserver -b fs` with two differences. No auto-reloader (runserver watches the working
directory). And the filesystem backend appends: in ralph-malph 5.1.0 its LRS backend writes every POST with
the "create" operation into one file, fs_lrs.jsonl, and refuses when that file exists, so only the first POST
to a store succeeds and every later one is a 500 ("already exists and overwrite is not allowed"). Appending
is what a learning record store does; Ralph's validation, its duplicate and conflict checks (204 and 409) and
its GET are untouched.
"""

from __future__ import annotations

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
