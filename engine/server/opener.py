"""`tariff serve --open`: open the playground in a browser once the service answers.

uvicorn's `run` blocks, so a daemon thread waits for the port to accept connections and
then hands the address to `webbrowser` (which honours the BROWSER environment variable).
"""

from __future__ import annotations

import socket
import threading
import time
import webbrowser


def page_address(host: str, port: int) -> str:
    """The playground's address; a wildcard listen address is opened on loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104 - compared, not bound
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def open_when_listening(host: str, port: int, timeout: float = 30.0) -> threading.Thread:  # float-ok: seconds
    thread = threading.Thread(target=_open, args=(host, port, timeout), name="open-browser", daemon=True)
    thread.start()
    return thread


def _open(host: str, port: int, timeout: float) -> None:  # float-ok: seconds
    address = page_address(host, port)
    target = address.split("//", 1)[1].rstrip("/").rsplit(":", 1)[0].strip("[]")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((target, port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        return
    webbrowser.open(address)
