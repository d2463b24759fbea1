"""Organisation endpoints: employees and departments, behind the same gate as the pages."""

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["organisation"])


class MeOut(Schema):
    username: str
    employee_id: int | None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    from .selectors import actor_context

    ctx = actor_context(request.user)
    return MeOut(username=request.user.get_username(), employee_id=ctx.employee_id)
