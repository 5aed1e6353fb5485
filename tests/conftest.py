"""Shared test set-up: tests never reach the internet.

- Local test servers live on 127.0.0.1: no proxy from the environment is
  consulted for them (httpx honours HTTP(S)_PROXY by default).
- A developer's real keys must not switch the bundled config's ``auto``
  scorer to the real Claude API (or a Notion target to the real Notion):
  tests that need those services start local fakes and pass keys explicitly.
"""

import os

os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
for secret in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "NOTION_TOKEN"):
    os.environ.pop(secret, None)
