from django.urls import path

from keel.organization import views

app_name = "organization"

urlpatterns = [
    path("people/", views.people_view, name="people"),
    path("people/new/", views.person_create_view, name="person-create"),
    path("people/<int:pk>/", views.person_view, name="person"),
    path("people/<int:pk>/edit/", views.person_edit_view, name="person-edit"),
    path("people/<int:pk>/deactivate/", views.person_deactivate_view, name="person-deactivate"),
    path("people/<int:pk>/scope/", views.person_scope_view, name="person-scope"),
    path("people/<int:pk>/password/", views.person_password_reset_view, name="person-password"),
    path("account/password/", views.password_view, name="password"),
    path("titles/", views.titles_view, name="titles"),
    path("titles/new/", views.title_create_view, name="title-create"),
    path("titles/<int:pk>/", views.title_view, name="title"),
    path("sites/", views.sites_view, name="sites"),
    path("sites/new/", views.site_create_view, name="site-create"),
    path("sites/<int:pk>/edit/", views.site_edit_view, name="site-edit"),
    path("teams/new/", views.team_create_view, name="team-create"),
    path("departments/new/", views.department_create_view, name="department-create"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token-revoke"),
]
