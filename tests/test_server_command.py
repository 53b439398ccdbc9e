"""`tariff serve` as a command: what it says when it cannot serve."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import sys

import pytest
from http_server import HOST, ROOT

HAS_SERVER = all(importlib.util.find_spec(name) is not None for name in ("uvicorn", "starlette"))
needs_server = pytest.mark.skipif(not HAS_SERVER, reason="needs the server extra: pip install '.[server]'")


def tariff(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{prelude}\nfrom engine.cli import main\nraise SystemExit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_serve_without_the_server_extra_says_how_to_get_it():
    # None in sys.modules makes the import fail exactly as for a package that is not installed.
    stopped = tariff("serve", prelude="import sys\nsys.modules['uvicorn'] = None\nsys.modules['starlette'] = None")
    assert stopped.returncode == 2
    assert stopped.stdout == ""
    assert stopped.stderr == (
        "tariff serve: error: the HTTP server is not installed (starlette is missing) [server-extra]\n"
        "hint: install the server extra: pip install 'tariff-engine[server]' (or pip install '.[server]' in a checkout)\n"
    )


@needs_server
def test_serve_refuses_to_start_on_a_broken_tariff(tmp_path):
    shutil.copytree(ROOT / "tariffs", tmp_path / "tariffs")
    version = tmp_path / "tariffs" / "tencent-im" / "2022-01-01.yaml"
    version.write_text(version.read_text("utf-8").replace("currency: USD", "currency: dollars"), "utf-8")
    stopped = tariff("serve", "--tariffs", str(tmp_path / "tariffs"), "--port", "1")
    assert stopped.returncode == 2
    assert stopped.stderr.startswith(f"{version}:12:11: error: ")
    assert "[schema]" in stopped.stderr.splitlines()[0]


@needs_server
def test_serve_on_a_port_in_use_exits_2(tmp_path):
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        stopped = tariff("serve", "--port", str(taken.getsockname()[1]), "--poll", "0")
    assert stopped.returncode == 2
    assert "address already in use" in stopped.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--port", "70000"], "argument --port: '70000' is not a port (0 to 65535)"),
        (["--workers", "0"], "argument --workers: '0' is not a whole number of at least 1"),
        (["--poll", "soon"], "argument --poll: 'soon' is not a number of seconds (0 or more, e.g. 0.5)"),
    ],
)
def test_serve_options_are_checked(option, message):
    stopped = tariff("serve", *option)
    assert stopped.returncode == 2
    assert stopped.stderr.endswith(f"tariff serve: error: {message}\n")
