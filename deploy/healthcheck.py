"""Container healthcheck: GET /healthz on the local gunicorn, exit 0 only on 200.

Sends the first ALLOWED_HOSTS name as Host, so Django's host check accepts the request.
"""

import os
import sys
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
if host in ("", "*"):
    host = "localhost"
port = os.environ.get("KANGFU_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as exc:  # URLError and HTTPError (a 503) included
    print(f"healthz: {exc}", file=sys.stderr)
    sys.exit(1)
