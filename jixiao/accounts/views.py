"""Sign-in, sign-out, password change and personal API tokens."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.http import AuthedRequest

from . import services
from .models import ApiToken


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        # Django gives the session a new key here (update_session_auth_hash); the registry must follow,
        # or deactivating her later would miss the session she is using right now.
        old_key = self.request.session.session_key or ""
        response = super().form_valid(form)
        services.session_forget(session_key=old_key)
        services.session_register(user=form.user, session_key=self.request.session.session_key or "")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    """The owner's API tokens: create one (secret shown once) or revoke one."""
    new_secret = None
    error = None
    if request.method == "POST":
        try:
            _token, new_secret = services.token_create(user=request.user, name=request.POST.get("name", ""))
        except DomainError as exc:
            error = exc.message
    items = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"tokens": items, "new_secret": new_secret, "error": error})


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user, pk=token_id).first()
    if token is None:
        raise Http404
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")
