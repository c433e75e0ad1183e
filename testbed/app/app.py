"""pyapp: a tiny Flask app for the unitguard test-bed.

Runs under Debian's gunicorn (see pyapp.service), bound to 127.0.0.1:8000, as the
system user `pyapp`. Every GET / updates a small JSON state file under
$PYAPP_STATE_DIR (default /var/lib/pyapp), so the service has one real writable
path: a hardening drop-in that makes it read-only turns GET / into a 500 with the
errno in the body, and the worker logs the error to the journal.
"""
import fcntl
import json
import os
import time

from flask import Flask

STATE_DIR = os.environ.get("PYAPP_STATE_DIR", "/var/lib/pyapp")
STATE_FILE = os.path.join(STATE_DIR, "state.json")
LOCK_FILE = os.path.join(STATE_DIR, ".lock")

app = Flask(__name__)


def bump_state():
    """Increment the hit counter in STATE_FILE (atomic replace, serialised by a lock)."""
    with open(LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(STATE_FILE) as f:
                state = json.load(f)
        except (FileNotFoundError, ValueError):
            state = {"hits": 0}
        state["hits"] = int(state.get("hits", 0)) + 1
        state["last_hit"] = time.time()
        state["pid"] = os.getpid()
        tmp = "%s.%d.tmp" % (STATE_FILE, os.getpid())
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, STATE_FILE)
        return state


@app.get("/")
def index():
    try:
        state = bump_state()
    except OSError as e:
        app.logger.error("cannot write state in %s: %s", STATE_DIR, e)
        return "pyapp: cannot write state in %s: %s\n" % (STATE_DIR, e), 500
    return "pyapp ok hits=%d\n" % state["hits"]


@app.get("/healthz")
def healthz():
    return "ok\n"


if __name__ == "__main__":  # for local debugging only; the service uses gunicorn
    app.run(host="127.0.0.1", port=8000)
