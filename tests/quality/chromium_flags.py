"""How every test starts Chromium: the browser tests (Playwright) and Lighthouse.

Standard library only: the ``lighthouse`` session runs without pytest.
"""

# Headless in a container as root, with no network to speak of: no sandbox (root),
# no GPU, and none of Chromium's own background requests, so that a page's requests
# are the page's alone.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
]
