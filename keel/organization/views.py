"""Organisation pages: each view parses, authorises (``@requires``), calls one service or
selector, and renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from keel.audit.services import record_export
from keel.core.errors import ValidationFailed
from keel.core.listing import Column, Listing
from keel.core.permissions import Area, Level, all_actions
from keel.core.views import refuse, requires
from keel.organization import permissions as p
from keel.organization import selectors, services
from keel.organization.forms import (
    DepartmentForm,
    NewPersonForm,
    NewTitleForm,
    PasswordForm,
    PersonForm,
    PresetForm,
    ScopeForm,
    SiteEditForm,
    SiteForm,
    TeamForm,
    TokenForm,
    apply_problems,
)
from keel.organization.models import JobTitle, Person

PEOPLE_COLUMNS = (
    Column("full_name", "Name", sort="full_name"),
    Column("email", "Email", sort="email"),
    Column("title", "Title", sort="title__sort_order", value=lambda person: person.title.name),
    Column("site", "Site", sort="site__name", value=lambda person: person.site.name if person.site else ""),
    Column("department", "Department", sort="department__name", value=lambda person: person.department.name if person.department else ""),
    Column("is_active", "Active", sort="is_active", value=lambda person: "yes" if person.is_active else "no"),
)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@requires(p.VIEW_PERSON.code)
def people_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "active")
    rows = selectors.people(
        actor=request.user,
        title_id=_int(request.GET.get("title")),
        site_id=_int(request.GET.get("site")),
        is_active={"active": True, "inactive": False}.get(status),
    )
    listing = Listing(
        request=request, queryset=rows, columns=PEOPLE_COLUMNS,
        search_fields=("full_name", "email"), default_sort="full_name", export_name="people",
    )
    export = listing.export()
    if export is not None:  # audited once the file is built, so a failed export leaves no record
        record_export(actor=request.user, object_type="person", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    return render(request, "organization/people.html", {
        "listing": listing,
        "titles": JobTitle.objects.all(),
        "sites": selectors.sites(actor=request.user),
        "status": status,
        "can_create": request.user.has_action(p.CREATE_PERSON.code),  # type: ignore[union-attr]
    })


def _visible_person(request: HttpRequest, pk: int) -> Person:
    person = selectors.person(actor=request.user, pk=pk)
    if person is None:
        raise Http404("No such person in your scope")
    return person


@requires(p.VIEW_PERSON.code)
def person_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    user = request.user
    return render(request, "organization/person.html", {
        "person": person,
        "actions": sorted(person.action_codes()),
        "reach": selectors.describe_reach(actor=person),
        "can_change": user.has_action(p.CHANGE_PERSON.code),  # type: ignore[union-attr]
        "can_deactivate": user.has_action(p.DEACTIVATE_PERSON.code) and person.pk != user.pk,  # type: ignore[union-attr]
        "can_grant": user.has_action(p.GRANT_SCOPE.code),  # type: ignore[union-attr]
    })


@requires(p.CREATE_PERSON.code)
@require_http_methods(["GET", "POST"])
def person_create_view(request: HttpRequest) -> HttpResponse:
    form = NewPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.create_person(
                actor=request.user, email=data["email"], full_name=data["full_name"],
                title=data["title"], site=data["site"], department=data["department"],
                team=data["team"], time_zone=data["time_zone"], password=data["password"] or None,
            )
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{person.full_name} was added.")
            return redirect("organization:person", pk=person.pk)
    return render(request, "organization/form.html", {"form": form, "heading": "Add a person", "status": 400 if form.errors else 200}, status=400 if form.errors else 200)


@requires(p.CHANGE_PERSON.code)
@require_http_methods(["GET", "POST"])
def person_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    initial = {
        "email": person.email, "full_name": person.full_name, "title": person.title,
        "site": person.site, "department": person.department, "team": person.team,
        "time_zone": person.time_zone,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor=request.user, person=person, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("organization:person", pk=person.pk)
    return render(request, "organization/form.html", {"form": form, "heading": f"Edit {person.full_name}"}, status=400 if form.errors else 200)


@requires(p.DEACTIVATE_PERSON.code)
@require_POST
def person_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    if request.POST.get("reactivate"):
        services.reactivate_person(actor=request.user, person=person)
        messages.success(request, f"{person.full_name} can sign in again.")
    else:
        services.deactivate_person(actor=request.user, person=person)
        messages.success(request, f"{person.full_name} was deactivated; their sessions and tokens stopped working.")
    return redirect("organization:person", pk=person.pk)


@requires(p.GRANT_SCOPE.code)
@require_http_methods(["GET", "POST"])
def person_scope_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    form = ScopeForm(request.POST or None, initial={
        "extra_sites": person.extra_sites.all(), "extra_departments": person.extra_departments.all(),
    })
    if request.method == "POST" and form.is_valid():
        services.grant_scope(
            actor=request.user, person=person,
            sites=list(form.cleaned_data["extra_sites"]),
            departments=list(form.cleaned_data["extra_departments"]),
        )
        messages.success(request, "Extra scope saved.")
        return redirect("organization:person", pk=person.pk)
    return render(request, "organization/form.html", {"form": form, "heading": f"Extra scope for {person.full_name}"})


@requires(p.USE_KEEL.code)
@require_http_methods(["GET", "POST"])
def password_view(request: HttpRequest) -> HttpResponse:
    """Change one's own password; other sessions end, this one stays signed in."""
    from django.contrib.auth import update_session_auth_hash

    form = PasswordForm(request.POST or None)
    person = request.user
    if request.method == "POST" and form.is_valid():
        if not person.check_password(form.cleaned_data["current_password"]):
            form.add_error("current_password", "this is not your current password")
        else:
            try:
                services.set_password(actor=person, person=person, password=form.cleaned_data["new_password"])  # type: ignore[arg-type]
            except ValidationFailed as error:
                apply_problems(form, error)
            else:
                update_session_auth_hash(request, person)  # type: ignore[arg-type]
                messages.success(request, "Your password was changed; your other sessions were signed out.")
                return redirect("web:home")
    return render(request, "organization/form.html", {"form": form, "heading": "Change your password"},
                  status=400 if form.errors else 200)


@requires(p.CHANGE_PERSON.code)
@require_POST
def person_password_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator gives someone a new random password, shown once."""
    import secrets

    person = _visible_person(request, pk)
    if person.pk == request.user.pk:
        return redirect("organization:password")
    password = secrets.token_urlsafe(12)
    services.set_password(actor=request.user, person=person, password=password)
    messages.success(request, f"New password for {person.email} (shown once; their sessions ended): {password}")
    return redirect("organization:person", pk=person.pk)


# --- Job titles -----------------------------------------------------------------------


@requires(p.VIEW_JOB_TITLE.code)
def titles_view(request: HttpRequest) -> HttpResponse:
    titles = selectors.job_titles(actor=request.user)
    rows = [
        {"title": title, "levels": [
            Level.parse(title.area_levels.get(area.value, "none")).name.lower() for area in Area
        ]}
        for title in titles
    ]
    return render(request, "organization/titles.html", {
        "rows": rows, "areas": list(Area),
        "can_create": request.user.has_action(p.CREATE_JOB_TITLE.code),  # type: ignore[union-attr]
    })


@requires(p.VIEW_JOB_TITLE.code)
@require_http_methods(["GET", "POST"])
def title_view(request: HttpRequest, pk: int) -> HttpResponse:
    title = get_object_or_404(JobTitle, pk=pk)
    can_change = request.user.has_action(p.CHANGE_JOB_TITLE.code)  # type: ignore[union-attr]
    initial: dict[str, object] = {
        "focus": title.focus, "data_scope": title.data_scope,
        "granted_actions": title.granted_actions, "revoked_actions": title.revoked_actions,
    }
    initial.update({f"level_{area.value}": title.area_levels.get(area.value, "none") for area in Area})
    form = PresetForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_change:
            return refuse(request, p.CHANGE_JOB_TITLE.code)
        if form.is_valid():
            try:
                services.update_job_title(
                    actor=request.user, title=title, focus=form.cleaned_data["focus"],
                    data_scope=form.cleaned_data["data_scope"], area_levels=form.area_levels(),
                    granted_actions=form.cleaned_data["granted_actions"],
                    revoked_actions=form.cleaned_data["revoked_actions"],
                )
            except ValidationFailed as error:
                apply_problems(form, error)
            else:
                messages.success(request, f"The {title.name} preset was saved.")
                return redirect("organization:title", pk=title.pk)
    effective = title.actions()
    actions = [{"action": action, "granted": action.code in effective} for action in all_actions()]
    return render(request, "organization/title.html", {
        "title": title, "form": form, "can_change": can_change, "actions": actions,
        "people": selectors.people(actor=request.user, title_id=title.pk, is_active=True).count(),
    }, status=400 if form.errors else 200)


@requires(p.CREATE_JOB_TITLE.code)
@require_http_methods(["GET", "POST"])
def title_create_view(request: HttpRequest) -> HttpResponse:
    form = NewTitleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            title = services.create_job_title(
                actor=request.user, name=form.cleaned_data["name"], level=form.cleaned_data["level"],
                focus=form.cleaned_data["focus"], data_scope=form.cleaned_data["data_scope"],
                area_levels=form.area_levels(), granted_actions=form.cleaned_data["granted_actions"],
                revoked_actions=form.cleaned_data["revoked_actions"],
            )
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{title.name} was added.")
            return redirect("organization:title", pk=title.pk)
    return render(request, "organization/form.html", {"form": form, "heading": "Add a job title"}, status=400 if form.errors else 200)


# --- Sites and departments ------------------------------------------------------------


@requires(p.VIEW_SITE.code)
def sites_view(request: HttpRequest) -> HttpResponse:
    return render(request, "organization/sites.html", {
        "sites": selectors.sites(actor=request.user),
        "departments": selectors.departments(actor=request.user),
        "teams": selectors.teams(actor=request.user),
        "can_create": request.user.has_action(p.CREATE_SITE.code),  # type: ignore[union-attr]
        "can_change": request.user.has_action(p.CHANGE_SITE.code),  # type: ignore[union-attr]
    })


@requires(p.CREATE_SITE.code)
@require_http_methods(["GET", "POST"])
def site_create_view(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{site.name} was added.")
            return redirect("organization:sites")
    return render(request, "organization/form.html", {"form": form, "heading": "Add a site"}, status=400 if form.errors else 200)


@requires(p.CHANGE_SITE.code)
@require_http_methods(["GET", "POST"])
def site_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.sites(actor=request.user, action=p.CHANGE_SITE.code).filter(pk=pk).first()
    if site is None:
        raise Http404("No such site in your scope")
    form = SiteEditForm(request.POST or None, initial={
        "name": site.name, "kind": site.kind, "currency": site.currency, "time_zone": site.time_zone,
        "is_active": site.is_active,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.update_site(actor=request.user, site=site, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{site.code} was saved.")
            return redirect("organization:sites")
    return render(request, "organization/form.html", {"form": form, "heading": f"Edit site {site.code}"},
                  status=400 if form.errors else 200)


@requires(p.CREATE_SITE.code)
@require_http_methods(["GET", "POST"])
def team_create_view(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    form.fields["site"].queryset = selectors.sites(actor=request.user, action=p.CREATE_SITE.code)  # type: ignore[attr-defined]
    form.fields["department"].queryset = selectors.departments(actor=request.user, action=p.CREATE_SITE.code)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{team.name} was added.")
            return redirect("organization:sites")
    return render(request, "organization/form.html", {"form": form, "heading": "Add a team"},
                  status=400 if form.errors else 200)


@requires(p.CREATE_SITE.code)
@require_http_methods(["GET", "POST"])
def department_create_view(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.create_department(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{department.name} was added.")
            return redirect("organization:sites")
    return render(request, "organization/form.html", {"form": form, "heading": "Add a department"}, status=400 if form.errors else 200)


# --- API tokens -----------------------------------------------------------------------


@requires(p.MANAGE_OWN_TOKENS.code)
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, person=request.user)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.create_api_token(
                actor=request.user, person=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"], actions=form.chosen_actions(),
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            secret = issued.secret
            form = TokenForm(person=request.user)
    return render(request, "organization/tokens.html", {
        "tokens": selectors.api_tokens(actor=request.user), "form": form, "secret": secret,
    }, status=400 if form.errors else 200)


@requires(p.MANAGE_OWN_TOKENS.code)
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_tokens(actor=request.user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, f"Token {token.name} was revoked.")
    return redirect("organization:tokens")
