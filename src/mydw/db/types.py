"""Portable column types: ARRAY on PostgreSQL, JSON elsewhere (SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.types import TypeEngine


def _array(item: TypeEngine[Any]) -> Any:
    return MutableList.as_mutable(JSON().with_variant(postgresql.ARRAY(item), "postgresql"))


StringArray = _array(String())
IntegerArray = _array(Integer())
