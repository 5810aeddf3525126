"""Shared fixtures: one local SparkSession for the whole test session (slow to start)."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local PySpark session bound to the loopback address (no UI, one core, two partitions).

    Skipped only when PySpark is not installed or no ``java`` is on PATH; CI installs both
    (``pip install .[spark]`` and Debian's ``openjdk-17-jre-headless``).
    """
    if os.environ.get("CI"):
        # CI installs both; a missing one there must fail, not skip quietly
        import pyspark  # noqa: F401

        if shutil.which("java") is None:
            pytest.fail("CI has no Java runtime: .ci/run installs openjdk-17-jre-headless")
    pytest.importorskip(
        "pyspark", reason="PySpark is not installed (pip install 'logicmodel[spark]')"
    )
    if shutil.which("java") is None:
        pytest.skip(
            "no Java runtime on PATH: PySpark needs one (apt-get install openjdk-17-jre-headless)"
        )
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySpark warns about pandas 3 while starting
        session = (
            SparkSession.builder.master("local[1]")
            .appName("logicmodel-tests")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "1")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
