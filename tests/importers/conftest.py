"""Fixtures for the importer tests: a model chain's logs written to files in each format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.importers.chain_model import etl_csv, etl_jsonl, rpc_json, token_list

WRITERS: dict[str, Callable[[list[dict[str, Any]]], str]] = {
    "etl-json": etl_jsonl,
    "etl-csv": etl_csv,
    "rpc-json": rpc_json,
}


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(token_list()))
    return path


def write_logs(directory: Path, name: str, logs: list[dict[str, Any]], fmt: str) -> Path:
    path = directory / f"{name}.{fmt}"
    path.write_text(WRITERS[fmt](logs))
    return path
