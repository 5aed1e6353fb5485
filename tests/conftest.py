"""Shared test set-up.

Local test servers live on 127.0.0.1: make sure no proxy from the environment
is consulted for them (httpx honours HTTP(S)_PROXY by default).
"""

import os

os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
