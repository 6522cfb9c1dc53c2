"""Portable column types: ARRAY on PostgreSQL, JSON elsewhere (SQLite).

The PostgreSQL ARRAY type is chosen per dialect when a statement is compiled, so that
importing the models does not import `sqlalchemy.dialects.postgresql` (~90 ms, every
command on SQLite).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.types import TypeDecorator, TypeEngine


class PortableArray(TypeDecorator[list[Any]]):
    """`ARRAY(item)` on PostgreSQL, `JSON` everywhere else."""

    impl = JSON
    cache_ok = True

    def __init__(self, item_type: TypeEngine[Any]) -> None:
        super().__init__()
        self.item_type = item_type

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY

            return dialect.type_descriptor(ARRAY(self.item_type))
        return dialect.type_descriptor(JSON())

    def __repr__(self) -> str:  # how Alembic would render it in a migration
        return f"PortableArray({self.item_type!r})"


def _array(item: TypeEngine[Any]) -> Any:
    return MutableList.as_mutable(PortableArray(item))


StringArray = _array(String())
IntegerArray = _array(Integer())
