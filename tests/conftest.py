"""Shared test set-up: hypothesis profiles and helpers over the real engine."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, settings

import engine
from engine.core.resources import schema

ROOT = Path(__file__).resolve().parent.parent
TARIFFS = ROOT / "tariffs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# CI runs a fixed, bounded number of examples; `HYPOTHESIS_PROFILE=long` for local soak runs.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("long", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

_INVOICE_VALIDATOR = jsonschema.Draft7Validator(schema("invoice"))


@pytest.fixture(scope="session", autouse=True)
def _own_tariff_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Tests never read or write the user's tariff cache (engine/language/cache.py): a session has its own."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


def checked_invoice(invoice: engine.Invoice) -> engine.Invoice:
    """Every invoice a test produces is validated against schemas/invoice.schema.json."""
    import json

    _INVOICE_VALIDATOR.validate(json.loads(invoice.to_json()))
    assert invoice.total == sum(line.amount for line in invoice.lines)
    return invoice


@pytest.fixture(scope="session")
def im() -> engine.Tariff:
    return engine.load_tariff(TARIFFS / "tencent-im")


def price(tariff: engine.Tariff | engine.Catalog, usage: Mapping[str, Any]) -> engine.Invoice:
    return checked_invoice(engine.quote(tariff, usage))


@pytest.fixture(scope="session")
def spark() -> Any:
    """One local Spark for the whole test run: 2 cores, 2 shuffle partitions, no UI, loopback only.

    Skipped, saying why, where pyspark is not installed; CI installs it (and Java), so there a
    missing Java fails these tests loudly rather than skipping them.
    """
    import sys

    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]'); CI runs these tests")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only, whatever the host's name resolves to
    session = (
        SparkSession.builder.master("local[2]")
        .appName("tariff-engine-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
