"""CI tests what a user installs: the installed package, not `./engine` from the checkout.

`.ci/run` installs the project into a fresh virtual environment and runs `python -P -m pytest`
with PYTHONSAFEPATH=1 and TARIFF_ENGINE_INSTALLED=1; these tests fail there if the checkout's
engine slips back onto the path, in the tests or in the commands they start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENGINE_DIR, ENGINE_PATH, FROM_CHECKOUT, ROOT

import benchmarks.generate
import engine

INSTALLED = os.environ.get("TARIFF_ENGINE_INSTALLED") == "1"


@pytest.mark.skipif(not INSTALLED, reason="CI's run against the installed package (.ci/run)")
def test_ci_tests_the_installed_package() -> None:
    assert not FROM_CHECKOUT, f"the tests import the checkout's engine ({ENGINE_DIR}), not the installed one"
    assert Path(engine.__file__).resolve().is_relative_to(Path(sys.prefix).resolve())
    assert (ENGINE_DIR / "schemas" / "tariff.schema.json").is_file()  # the wheel carries the schemas


@pytest.mark.parametrize("cwd", [ROOT, None])
def test_a_command_the_tests_start_imports_the_engine_under_test(cwd: Path | None, tmp_path: Path) -> None:
    code = "import engine, pathlib; print(pathlib.Path(engine.__file__).resolve().parent)"
    env = {**os.environ, **ENGINE_PATH}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd or tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == str(ENGINE_DIR)


def test_the_benchmarks_come_from_the_checkout_and_use_the_engine_under_test() -> None:
    assert Path(benchmarks.generate.__file__).resolve().parent == ROOT / "benchmarks"
    assert sys.modules["engine"] is engine
