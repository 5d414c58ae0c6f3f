"""Parametrization of the twitter-text conformance suite for ``parley.text`` tests.

The YAML files are read at collection time from the shared conformance folder,
``<shared>/conformance/twitter-text/``. ``<shared>`` is ``$PARLEY_SHARED_DIR`` when set,
else the ``shared`` directory next to the repository checkout (``/work/shared`` for
``/work/main``). They are never copied into the repository.

A test opts in with ``@pytest.mark.conformance("extract.yml", "mentions", ...)`` and a
``case`` argument; it is then run once per case of each named section, with ids like
``mentions-003-Extract_mention_in_the_middle``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

Case = dict[str, Any]
Suite = dict[str, list[Case]]


def shared_dir() -> Path:
    """Return the shared data directory (``$PARLEY_SHARED_DIR`` or ``../shared``)."""
    override = os.environ.get("PARLEY_SHARED_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared"


def conformance_dir() -> Path:
    """Return the folder holding the twitter-text conformance YAML files."""
    return shared_dir() / "conformance" / "twitter-text"


@cache
def load_suite(filename: str) -> Suite:
    """Load and cache the ``tests`` mapping (section -> cases) of one YAML file."""
    path = conformance_dir() / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"twitter-text conformance file not found: {path} "
            "(set PARLEY_SHARED_DIR to the shared data directory)"
        )
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    tests: Suite = data["tests"]
    return tests


def _case_id(section: str, index: int, case: Case) -> str:
    """Build a readable, ASCII-only test id for one case."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", str(case.get("description", ""))).strip("_")
    return f"{section}-{index:03d}-{slug[:60]}"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``conformance`` marker (warnings are errors in this project)."""
    config.addinivalue_line(
        "markers",
        "conformance(filename, *sections): run the test once per case of the named "
        "twitter-text conformance sections, passing it as `case`",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``case`` for tests carrying the ``conformance`` marker."""
    marker = metafunc.definition.get_closest_marker("conformance")
    if marker is None or "case" not in metafunc.fixturenames:
        return
    filename, *sections = marker.args
    suite = load_suite(filename)
    params: list[Any] = []
    for section in sections:
        if section not in suite:
            raise LookupError(f"{filename} has no section {section!r}")
        params.extend(
            pytest.param(case, id=_case_id(section, index, case))
            for index, case in enumerate(suite[section])
        )
    metafunc.parametrize("case", params)


@pytest.fixture
def conformance_suite() -> Callable[[str], Suite]:
    """Give tests access to the raw conformance data (``load(filename) -> sections``)."""
    return load_suite


@pytest.fixture
def conformance_path() -> Path:
    """The conformance folder (also holds upstream's ``config-v*.json``)."""
    return conformance_dir()
