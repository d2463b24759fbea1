"""What the organisation API reads and writes.

Input schemas forbid unknown fields, so server-owned ones (id, version, chain, path, depth, user,
timestamps) are refused with 422 instead of being silently dropped or, worse, applied.
References to other objects are ids under the relation's name (`department`, `manager`, `parent`,
`head`), the same names the services use in their field errors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, field_validator

from jixiao.core.api import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

from .models import Status

# The default of PATCH fields: typed Any so that `name: str = OMITTED` type-checks. pydantic never
# validates a default, so leaving a field out is fine while sending an explicit null is refused.
OMITTED: Any = None


class _Output(BaseModel):
    """Answers are built field by field in api.py, so plain pydantic models do: ninja's Schema reads
    attributes through a Django-aware wrapper on every construction and validation, which made a page
    of 200 people cost three times as much."""


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _checked_email(value: str | None) -> str | None:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(_("Enter a valid email address.")) from None
    return value


# ---- employees ---------------------------------------------------------------------------------


class EmployeeOut(_Output):
    """A person. `job_level`, `hire_date` and `phone` are null unless `sensitive_included` is true."""

    id: int
    employee_number: str
    name: str
    english_name: str
    email: str
    title: str
    job_family: str = Field(description="Sales, R&D…: picks the competency model her reviews rate.")
    department: int
    manager: int | None
    status: Status
    version: int
    sensitive_included: bool
    job_level: str | None
    hire_date: dt.date | None
    phone: str | None


class EmployeePage(_Output):
    items: list[EmployeeOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class EmployeeFilters(Schema):
    q: str = Field("", max_length=100, description="Search in names, email, title; exact employee number.")
    department: int | None = Field(None, description="Only people in this department and its sub-departments.")
    status: Status | None = None
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class EmployeeCreateIn(_Input):
    employee_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    department: int
    english_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    title: str = Field("", max_length=100)
    job_level: str = Field("", max_length=16)
    job_family: str = Field("", max_length=60, description="Picks the competency model her reviews rate.")
    manager: int | None = None
    hire_date: dt.date | None = None
    status: Status = Status.ACTIVE

    _email = field_validator("email")(_checked_email)


class EmployeePatchIn(_Input):
    """Only the fields sent are changed. Fields that cannot be empty refuse null."""

    employee_number: str = Field(OMITTED, min_length=1, max_length=32)
    name: str = Field(OMITTED, min_length=1, max_length=100)
    department: int = Field(OMITTED)
    english_name: str = Field(OMITTED, max_length=100)
    email: str = Field(OMITTED, max_length=254)
    phone: str = Field(OMITTED, max_length=32)
    title: str = Field(OMITTED, max_length=100)
    job_level: str = Field(OMITTED, max_length=16)
    job_family: str = Field(OMITTED, max_length=60)
    manager: int | None = None
    hire_date: dt.date | None = None
    status: Status = Field(OMITTED)

    _email = field_validator("email")(_checked_email)


# ---- departments -------------------------------------------------------------------------------


class DepartmentOut(_Output):
    id: int
    name: str
    name_en: str
    parent: int | None
    head: int | None
    path: str = Field(description='Ids from the root down to this department: "/1/5/12/".')
    depth: int
    version: int


class DepartmentPage(_Output):
    items: list[DepartmentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class DepartmentFilters(Schema):
    q: str = Field("", max_length=100, description="Search in the Chinese and English names.")
    parent: int | None = Field(None, description="Only the direct sub-departments of this department.")
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class DepartmentCreateIn(_Input):
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    parent: int | None = Field(None, description="Null makes a new top-level department (administrators only).")
    head: int | None = None


class DepartmentPatchIn(_Input):
    """Only the fields sent are changed; a new `parent` moves the department with its whole subtree."""

    name: str = Field(OMITTED, min_length=1, max_length=100)
    name_en: str = Field(OMITTED, max_length=100)
    parent: int = Field(OMITTED)
    head: int | None = None


# ---- the caller --------------------------------------------------------------------------------


class MeOut(_Output):
    username: str
    employee_id: int | None
    is_admin: bool
    is_executive: bool
    hr_department_ids: list[int]
