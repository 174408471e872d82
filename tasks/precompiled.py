"""QuerySets whose SQL the ORM compiles once per shape, then runs again with new values.

Why: Django compiles a QuerySet's SQL anew on every evaluation, which costs more
than SQLite takes to answer a single-task lookup (``make bench-instructions``
counts the difference, run once with ``PRECOMPILED_SQL=off``). Only the selectors use this module
(``selectors.task_of``, ``usual_page.task_page``): views see QuerySets.

This is the only module that reaches below Django's public QuerySet API. It relies on:

- ``Query.get_compiler()`` and ``SQLCompiler.as_sql()``: the SQL and its parameters,
  in placeholder order, which is how each placeholder is matched to a value by name;
- ``SQLCompiler.select`` after ``as_sql()``: ``(expression, sql, alias)`` for each column;
- ``SQLCompiler.get_converters()`` and ``apply_converters()``: the backend's own
  conversion of raw values (datetimes, booleans), as QuerySets and ``raw()`` apply it;
- the ``%s`` placeholders and ``LIMIT %s OFFSET %s`` of the SQLite and PostgreSQL backends;
- ``Model.from_db()``: an instance from a row, as a QuerySet builds it.

If a Django upgrade breaks any of them, ``PRECOMPILED_SQL=off`` (the setting
``TASKS_PRECOMPILED_SQL``) sends every read through the public QuerySet API instead
(``enabled``); tasks/tests hold both paths to the same results on SQLite and PostgreSQL,
and ``manage.py check`` reports a Django that cannot compile them (tasks.W001, checks.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.expressions import Expression
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler

from api.process_state import forget_on_setting_changed

SETTING = "TASKS_PRECOMPILED_SQL"
M = TypeVar("M", bound=Model)


@cache
def enabled() -> bool:
    """Whether reads run precompiled SQL: the setting, read once (and again when a test overrides it)."""
    return bool(getattr(settings, SETTING, True))


# Lets ``override_settings`` and pytest-django's ``settings`` fixture switch the path.
forget_on_setting_changed(enabled.cache_clear)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per query shape, cached for the process
class CompiledQuery:
    """SQL the ORM compiled once, which value each placeholder takes, and the columns it selects."""

    sql: str
    parameter_names: tuple[str, ...]
    query: Query
    # What it selects, columns and annotations; connection-free: a compiler of the request's connection converts them.
    columns: tuple[Expression, ...]
    column_names: tuple[str, ...]

    def parameters(self, **values: Any) -> list[Any]:
        return [values[name] for name in self.parameter_names]

    def converters(self, connection: BaseDatabaseWrapper) -> tuple[SQLCompiler, dict[int, Any]]:
        """A compiler on ``connection`` and its converters for the columns, found once per thread.

        Finding them costs about half as much as the lookup query itself. They
        hold the thread's connection, so they are kept in the thread's own
        storage and go with it: a server that starts a thread per request keeps
        no connection of a finished one.
        """
        found = _thread_converters.found.get(self)
        if found is None or found[0] is not connection:
            compiler = self.query.get_compiler(connection=connection)
            found = _thread_converters.found[self] = (connection, compiler, compiler.get_converters(self.columns))
        return found[1], found[2]

    def rows(self, database: str, **values: Any) -> list[list[Any]]:
        """The rows for these parameter values, converted by the backend as the ORM converts them."""
        connection = connections[database]
        compiler, converters = self.converters(connection)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.parameters(**values))
            rows = cursor.fetchall()
        return list(compiler.apply_converters(rows, converters))


class _ThreadConverters(threading.local):
    def __init__(self) -> None:
        self.found: dict[CompiledQuery, tuple[BaseDatabaseWrapper, SQLCompiler, dict[int, Any]]] = {}


_thread_converters = _ThreadConverters()


class Precompiled(Generic[M]):
    """A QuerySet of ``model`` built by ``build(*shape, **values)``, its SQL compiled once per database and shape.

    ``shape`` (hashable) changes the SQL; ``values`` only fill its placeholders.
    ``stand_ins`` give each value one no real request uses, to find its
    placeholders; ``paged`` appends ``LIMIT``/``OFFSET``, filled by the values
    ``limit`` and ``offset``.
    """

    def __init__(
        self, model: type[M], build: Callable[..., QuerySet], stand_ins: Mapping[str, Any], *, paged: bool = False
    ) -> None:
        self.model, self.build, self.stand_ins, self.paged = model, build, dict(stand_ins), paged
        self._compiled: dict[tuple[Hashable, ...], CompiledQuery] = {}

    def compiled(self, database: str, *shape: Hashable) -> CompiledQuery:
        """The SQL for ``shape`` on ``database``; two threads may both compile it once, to the same result."""
        key = (database, connections[database].vendor, *shape)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._compile(database, shape)
        return found

    def first(self, *shape: Hashable, **values: Any) -> M | None:
        """The one instance the query finds, or None: for a lookup by primary key."""
        database = self.model._default_manager.db
        query = self.compiled(database, *shape)
        rows = query.rows(database, **values)
        return self.model.from_db(database, query.column_names, rows[0]) if rows else None

    def values(self, *shape: Hashable, **values: Any) -> list[dict[str, Any]]:
        """The rows as ``.values()`` gives them, for a QuerySet built with ``.values()``."""
        database = self.model._default_manager.db
        query = self.compiled(database, *shape)
        names = query.column_names
        return [dict(zip(names, row, strict=True)) for row in query.rows(database, **values)]

    def _compile(self, database: str, shape: tuple[Hashable, ...]) -> CompiledQuery:
        queryset = self.build(*shape, **self.stand_ins)
        if queryset.model is not self.model:
            raise TypeError(f"{self.build.__name__} built a QuerySet of {queryset.model.__name__}")
        compiler = queryset.query.get_compiler(using=database)
        sql, parameters = compiler.as_sql()
        names = {stand_in: name for name, stand_in in self.stand_ins.items()}
        unknown = [parameter for parameter in parameters if parameter not in names]
        if unknown:  # a value the shape fixed would be sent as compiled: refuse it rather than guess
            raise RuntimeError(f"{self.build.__name__} compiled to parameters that are no stand-in: {unknown}")
        parameter_names = tuple(names[parameter] for parameter in parameters)
        if self.paged:
            sql, parameter_names = f"{sql} LIMIT %s OFFSET %s", (*parameter_names, "limit", "offset")
        columns = tuple(column for column, _sql, _alias in compiler.select)
        column_names = tuple(alias or column.target.attname for column, _sql, alias in compiler.select)
        expected = _expected_columns(queryset)
        if column_names != expected:
            raise RuntimeError(f"{self.build.__name__} compiled to columns {column_names}, not {expected}")
        return CompiledQuery(sql, parameter_names, queryset.query, columns, column_names)


def _expected_columns(queryset: QuerySet) -> tuple[str, ...]:
    """The columns the QuerySet itself would give: its ``.values()`` names, or the model's fields for instances."""
    query = queryset.query
    if query.values_select or query.annotation_select:
        return (*query.values_select, *query.annotation_select)
    return tuple(field.attname for field in queryset.model._meta.concrete_fields)
