"""Forms for HR's edits to people. Server-owned fields (chain, version counter, account) are not fields here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Department, Employee, Status
from .selectors import department_name
from .services import EmployeeInput


class DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return "\u2003" * obj.depth + obj.name


class EmployeeForm(forms.Form):
    """Edit one person. `version` comes back from the page so a concurrent change is refused, not merged."""

    employee_number = forms.CharField(label=_("Employee number"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    english_name = forms.CharField(label=_("English name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    job_level = forms.CharField(label=_("Job level"), max_length=16, required=False)
    job_family = forms.CharField(
        label=_("Job family"),
        max_length=60,
        required=False,
        help_text=_("Sales, R&D, operations…: picks the competencies her reviews rate."),
    )
    department = DepartmentChoice(label=_("Department"), queryset=Department.objects.none())
    manager_number = forms.CharField(
        label=_("Manager's employee number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty for someone at the top of the organisation."),
    )
    hire_date = forms.DateField(label=_("Hire date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["department"]
        assert isinstance(field, DepartmentChoice)
        field.queryset = Department.objects.writable_by(user).order_by("path")
        self.manager: Employee | None = None

    @classmethod
    def initial_for(cls, employee: Employee) -> dict[str, Any]:
        return {
            "employee_number": employee.employee_number,
            "name": employee.name,
            "english_name": employee.english_name,
            "email": employee.email,
            "phone": employee.phone,
            "title": employee.title,
            "job_level": employee.job_level,
            "job_family": employee.job_family,
            "department": employee.department_id,
            "manager_number": employee.manager.employee_number if employee.manager else "",
            "hire_date": employee.hire_date,
            "status": employee.status,
            "version": employee.version,
        }

    def clean_manager_number(self) -> str:
        number = self.cleaned_data["manager_number"].strip()
        if number:
            self.manager = Employee.objects.visible_to(self.user).filter(employee_number=number).first()
            if self.manager is None:
                raise forms.ValidationError(_("Nobody with employee number %(number)s."), params={"number": number})
        return number

    def employee_input(self) -> EmployeeInput:
        data = self.cleaned_data
        return EmployeeInput(
            employee_number=data["employee_number"].strip(),
            name=data["name"].strip(),
            department_id=data["department"].pk,
            english_name=data["english_name"].strip(),
            email=data["email"],
            phone=data["phone"].strip(),
            title=data["title"].strip(),
            job_level=data["job_level"].strip(),
            job_family=data["job_family"].strip(),
            manager_id=self.manager.pk if self.manager else None,
            hire_date=data["hire_date"],
            status=data["status"],
        )

    def add_domain_errors(self, fields: dict[str, list[str]], message: str) -> None:
        """Show a service's refusal beside the fields it names, in the person's language."""
        names = {"manager": "manager_number"}
        self.add_error(None, message)
        for key, errors in fields.items():
            name = names.get(key, key)
            for error in errors:
                self.add_error(name if name in self.fields else None, error)


class ParentChoice(DepartmentChoice):
    def label_from_instance(self, obj: Department) -> str:
        return "\u2003" * obj.depth + department_name(obj)


class DepartmentForm(forms.Form):
    """A new sub-department: its names and, optionally, its head (by employee number)."""

    # A context, because Chinese names a department (名称) and a person (姓名) differently.
    name = forms.CharField(label=pgettext_lazy("department", "Name"), max_length=100)
    name_en = forms.CharField(label=pgettext_lazy("department", "English name"), max_length=100, required=False)
    head_number = forms.CharField(
        label=_("Head's employee number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty if the department has no head yet."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.head: Employee | None = None

    def clean_head_number(self) -> str:
        number = self.cleaned_data["head_number"].strip()
        if number:
            # Only people the user can see may be named, so the error does not reveal who else exists.
            found = Employee.objects.visible_to(self.user).filter(employee_number=number).first()
            if found is None:
                raise forms.ValidationError(_("Nobody with employee number %(number)s."), params={"number": number})
            if found.status == Status.LEFT:
                raise forms.ValidationError(
                    _("%(name)s has left; a department's head must be a current employee."),
                    params={"name": found.name},
                )
            self.head = found
        return number

    def add_domain_errors(self, fields: dict[str, list[str]], message: str) -> None:
        """Show a service's refusal beside the fields it names, in the person's language."""
        names = {"head": "head_number"}
        self.add_error(None, message)
        for key, errors in fields.items():
            name = names.get(key, key)
            for error in errors:
                self.add_error(name if name in self.fields else None, error)


class DepartmentEditForm(DepartmentForm):
    """Rename, re-head or move a department. `version` comes back from the page so a concurrent change is refused."""

    parent = ParentChoice(label=_("Parent department"), queryset=Department.objects.none(), empty_label=None)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, department: Department, **kwargs: Any):
        super().__init__(*args, user=user, **kwargs)
        if department.parent_id is None:
            # The top of the tree stays the top: the service refuses a second root anyway.
            del self.fields["parent"]
        else:
            field = self.fields["parent"]
            assert isinstance(field, ParentChoice)
            # The current parent stays selectable even when it lies above the user's scope, so HR can
            # rename the top of her subtree without moving it. Itself and its sub-departments stay listed:
            # the service refuses them with an explanation, which teaches more than a missing option.
            field.queryset = (
                Department.objects.writable_by(user) | Department.objects.filter(pk=department.parent_id)
            ).order_by("path")

    @classmethod
    def initial_for(cls, department: Department) -> dict[str, Any]:
        return {
            "name": department.name,
            "name_en": department.name_en,
            "head_number": department.head.employee_number if department.head else "",
            "parent": department.parent_id,
            "version": department.version,
        }
