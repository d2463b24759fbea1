"""Querysets compiled once per process and run again with new values: for the few hottest reads.

Building SQL from a queryset costs Django about a millisecond for a modest query and several for a wide
`select_related`, far more than SQLite takes to run it. The reads every request makes (who the actor is)
and the gate of the busiest write (an evaluation's submit) are compiled once here, with sample values
standing in for the real ones, and then executed with the real values swapped in. Rows come back as
model instances (with their select_related objects) or dicts, exactly as the queryset would give them.

Only plain equality parameters (ints and strings) can be swapped; anything the ORM rewrites on the way to
SQL (LIKE patterns, dates, lists) is refused when the query is prepared, so it fails loudly in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_SAMPLE_INTS = (-790_001, -790_002, -790_003, -790_004)
_SAMPLE_STRS = ("\x00jx-sample-1\x00", "\x00jx-sample-2\x00", "\x00jx-sample-3\x00", "\x00jx-sample-4\x00")


class Prepared:
    """`Prepared(lambda user_id: Employee.objects.filter(user_id=user_id), int)` → `.first(user.pk)`."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *kinds: type):
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, tuple[Any, ...]] = {}

    def _samples(self) -> list[Any]:
        ints, strs = iter(_SAMPLE_INTS), iter(_SAMPLE_STRS)
        return [next(ints) if kind is int else next(strs) for kind in self._kinds]

    def _compile(self, alias: str) -> tuple[Any, ...]:
        samples = self._samples()
        queryset = self._build(*samples)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        slots: list[tuple[int, int]] = []
        for arg_index, sample in enumerate(samples):
            found = [i for i, p in enumerate(params) if p == sample]
            if not found:
                raise ValueError(f"prepared query: parameter {arg_index} must reach the SQL unchanged")
            slots += [(i, arg_index) for i in found]
        values_mode = queryset._fields is not None  # type: ignore[attr-defined]
        if values_mode:
            query = queryset.query
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            shape: tuple[Any, ...] = ("values", names)
        else:
            select, klass_info = compiler.select, compiler.klass_info
            assert klass_info is not None
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            init_list = [f[0].target.attname for f in select[start:end]]
            shape = ("models", klass_info["model"], start, end, init_list, klass_info, select)
        # Converters depend on the columns only: found once (finding them per call cost half the run time).
        fields = [col[0] for col in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        compiled = (sql, params, slots, (compiler, converters), shape)
        self._compiled[alias] = compiled
        return compiled

    def all(self, *args: Any, using: str = "default") -> list[Any]:
        sql, params, slots, convert, shape = self._compiled.get(using) or self._compile(using)
        values = list(params)
        for param_index, arg_index in slots:
            values[param_index] = args[arg_index]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            raw = cursor.fetchall()
        compiler, converters = convert
        rows: Any = compiler.apply_converters(raw, converters) if converters else raw
        if shape[0] == "values":
            names = shape[1]
            return [dict(zip(names, row, strict=True)) for row in rows]
        _kind, model, start, end, init_list, klass_info, select = shape
        populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # stubs: Django 6
        out = []
        for row in rows:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def first(self, *args: Any, using: str = "default") -> Any:
        rows = self.all(*args, using=using)
        return rows[0] if rows else None
