from django.contrib.auth import views as auth_views
from django.urls import path

from .views import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/<slug:slug>/", pages.project_detail, name="project_detail"),
    path("interviews/<int:pk>/", pages.interview_detail, name="interview_detail"),
    # Engineers: read CONTRIBUTING.md before adding lines here (add under your own marker only).
    # --- coding workspace and its JSON API ---
    # --- comparison (evaluators) ---
    # --- importing (admins, under manage/imports/) ---
    # --- REFI-QDA exchange (admins, under manage/refi/) ---
    # --- audit and data protection (admins, under manage/) ---
]
