"""Register, log in, log out, the account page, a new password, and deleting the account."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field

from apps.common.i18n import lazy_gettext as _l
from apps.common.identity import end_session
from apps.common.identity import login_required
from apps.common.identity import start_session
from apps.common.mounts import is_mounted
from apps.common.mounts import url_for_app

from .events import log_event
from .forms import DeleteForm
from .forms import LoginForm
from .forms import PasswordForm
from .forms import RegisterForm
from .models import User
from .models import add_user
from .models import change_password
from .models import credentials_match
from .models import db
from .models import delete_account
from .models import end_all_sessions
from .models import end_transaction
from .models import get_user_by_username
from .models import read_credentials
from .models import start_read
from .passwords import hash_password
from .redirects import safe_next_url
from .throttle import forget_failures
from .throttle import record_failure
from .throttle import seconds_until_allowed

bp = Blueprint("auth", __name__, static_folder="static", static_url_path="/static/auth")

DELETE_FAILED = _l(
    "Your account could not be deleted just now, so nothing was deleted. Please try again later."
)


def render_form(template: str, form: FlaskForm, status: int | None = None, **context):
    """A form page: 200 when first shown, 400 when a submitted form has errors."""
    if status is None:
        status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def redirect_after_login(target: str | None, default: str | None = None):
    """Go where the user was heading, if that is on this site, else to ``default``.

    Without a ``default``, the account page.
    """
    return redirect(safe_next_url(target) or default or url_for("auth.index"))


def check_reentered_password(user: User, field: Field, wrong: str) -> tuple[int, dict] | None:
    """None when ``field`` holds the user's password, else the error status and headers.

    Throttled like a login: a stolen session must not be able to guess its way to the
    password, and from there to changing it or deleting the account. The hash is
    checked with no transaction open; ``user`` is expired afterwards.
    """
    credentials = read_credentials(user)
    wait = seconds_until_allowed(credentials.username)
    end_transaction()
    if wait:
        log_event("password-throttled", credentials.username, retry_after=wait)
        field.errors.append(_("Too many wrong passwords. Try again later."))
        return 429, {"Retry-After": str(wait)}
    if not credentials_match(credentials, field.data):
        record_failure(credentials.username)
        log_event("password-wrong", credentials.username)
        field.errors.append(wrong)
        return 400, {}
    return None


def render_account(delete_form: DeleteForm, status: int = 200):
    """The account page, with the delete form (and its errors, if any)."""
    user = db.get_or_404(User, g.user.id)
    return render_template("auth/index.html", user=user, delete_form=delete_form), status


@bp.get("/")
@login_required
def index():
    """The account page: who you are, since when, and what you can change."""
    return render_account(DeleteForm())


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and log in with it."""
    form = RegisterForm(next=request.args.get("next"))
    if not form.validate_on_submit():
        return render_form("auth/register.html", form)
    end_transaction()
    user = add_user(form.username.data, form.password.data)
    if user is None:
        form.username.errors.append(_("That username is taken. Choose another."))
        return render_form("auth/register.html", form)
    log_event("registered", user.username)
    start_session(user.id, user.session_version)
    flash(_("Welcome, %(name)s! Your account is ready.", name=user.username), "success")
    session["new_account"] = True  # the start page greets a first visit
    start_page = url_for_app("portal", "portal.index") if is_mounted("portal") else None
    return redirect_after_login(form.next.data, start_page)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in, unless this username or address failed too often lately."""
    form = LoginForm(next=request.args.get("next"))
    if not form.validate_on_submit():
        return render_form("auth/login.html", form)
    username = form.username.data
    # A short read (no lock), the slow hash with no transaction open, a short write.
    start_read()
    wait = seconds_until_allowed(username)
    credentials = read_credentials(get_user_by_username(username))
    end_transaction()
    if wait:
        log_event("login-throttled", username, retry_after=wait)
        page, status = render_form("auth/login.html", form, 429, retry_after=wait)
        return page, status, {"Retry-After": str(wait)}
    if not credentials_match(credentials, form.password.data):
        record_failure(username)
        log_event("login-failed", username)
        # One message for both cases: it must not tell which usernames exist.
        form.password.errors.append(_("Wrong username or password."))
        return render_form("auth/login.html", form)
    forget_failures(username)
    db.session.commit()
    log_event("login", credentials.username)
    start_session(credentials.id, credentials.session_version)
    return redirect_after_login(form.next.data)


@bp.post("/logout")
def logout():
    """Log out here and in every other browser the user is logged in with."""
    if g.user is not None:
        user = db.session.get(User, g.user.id)
        if user is not None:
            end_all_sessions(user)
            db.session.commit()
            log_event("logout", g.user.username)
    end_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change the password; every other session of the user ends."""
    form = PasswordForm()
    user = db.get_or_404(User, g.user.id)
    if not form.validate_on_submit():
        return render_form("auth/password.html", form)
    refused = check_reentered_password(user, form.current, _("That is not your current password."))
    if refused:
        status, headers = refused
        return *render_form("auth/password.html", form, status), headers
    user = change_password(g.user.id, hash_password(form.new.data))
    if user is None:
        abort(404)
    log_event("password-changed", user.username)
    # This browser stays logged in, under the new session version.
    start_session(user.id, user.session_version)
    flash(_("Your password was changed. Other sessions were logged out."), "success")
    return redirect(url_for("auth.index"))


@bp.post("/delete")
@login_required
def delete():
    """Delete the account and everything the user owns in every app, or nothing."""
    form = DeleteForm()
    user = db.get_or_404(User, g.user.id)
    if not form.validate_on_submit():
        return render_account(form, 400)
    refused = check_reentered_password(user, form.password, _("That is not your password."))
    if refused:
        status, headers = refused
        return *render_account(form, status), headers
    user = db.get_or_404(User, g.user.id)
    try:
        delete_account(user)
    except Exception:
        current_app.logger.exception("Deleting user %s failed; rolled back.", g.user.id)
        abort(503, DELETE_FAILED)
    log_event("account-deleted", g.user.username)
    end_session()
    flash(_("Your account and everything in it were deleted."), "success")
    return redirect(home_url())


def home_url() -> str:
    """The site's start page when the portal is mounted, else the login page."""
    return url_for_app("portal", "portal.index") if is_mounted("portal") else url_for("auth.login")
