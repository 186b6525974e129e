"""The app's pages and its JSON API, grouped by area; sign-in lives in peervalues/urls.py."""

from __future__ import annotations

from django.urls import path

from .views import (
    api,
    calibration,
    coding,
    compare,
    disagreements,
    discussions,
    importing,
    pages,
    protection,
    refi,
    review_exports,
    team,
)

urlpatterns = [
    path("", pages.home, name="home"),
    path("projects/<slug:slug>/", pages.project_detail, name="project_detail"),
    path("interviews/<int:pk>/", coding.interview_detail, name="interview_detail"),
    # --- coding workspace and its JSON API ---
    path("my-work/", coding.my_work, name="my_work"),
    path("team/", team.team_progress_view, name="team_progress"),
    path(
        "api/interviews/<int:pk>/excerpts/", api.interview_excerpts, name="api_interview_excerpts"
    ),
    path("api/excerpts/<int:pk>/", api.excerpt_detail, name="api_excerpt_detail"),
    path(
        "api/interviews/<int:pk>/progress/", api.interview_progress, name="api_interview_progress"
    ),
    path("api/interviews/<int:pk>/values/", api.interview_values, name="api_interview_values"),
    # --- review: discussions, the disagreement queue, calibration ---
    path("discussions/", discussions.discussion_list, name="discussion_list"),
    path("discussions/<int:pk>/", discussions.discussion_detail, name="discussion_detail"),
    path(
        "discussions/<int:pk>/comments/",
        discussions.discussion_comment,
        name="discussion_comment",
    ),
    path(
        "discussions/<int:pk>/resolve/", discussions.discussion_resolve, name="discussion_resolve"
    ),
    path(
        "interviews/<int:pk>/discussions/new/",
        discussions.discussion_new,
        name="discussion_new",
    ),
    path(
        "projects/<slug:slug>/disagreements/",
        disagreements.disagreement_list,
        name="disagreement_list",
    ),
    path(
        "projects/<slug:slug>/disagreements/decide/",
        disagreements.disagreement_decide,
        name="disagreement_decide",
    ),
    path(
        "projects/<slug:slug>/calibration/", calibration.calibration_list, name="calibration_list"
    ),
    path("calibration/<int:pk>/", calibration.calibration_set, name="calibration_set"),
    path("calibration/<int:pk>/start/", calibration.calibration_start, name="calibration_start"),
    path(
        "calibration/attempts/<int:pk>/",
        calibration.calibration_attempt,
        name="calibration_attempt",
    ),
    path(
        "calibration/attempts/<int:pk>/results/",
        calibration.calibration_results,
        name="calibration_results",
    ),
    path(
        "projects/<slug:slug>/review/<str:what>.csv",
        review_exports.review_export,
        name="review_export",
    ),
    # --- comparison (evaluators) ---
    path("compare/", compare.compare, name="compare"),
    path("compare/cell/", compare.compare_cell, name="compare_cell"),
    path("compare/chart/<str:kind>.svg", compare.compare_chart, name="compare_chart"),
    path("compare/cooccurrence/", compare.compare_cooccurrence, name="compare_cooccurrence"),
    path("compare/agreement/", compare.compare_agreement, name="compare_agreement"),
    path("compare/export/<str:what>.<str:fmt>", compare.compare_export, name="compare_export"),
    # --- importing (admins, under manage/imports/) ---
    path("manage/imports/", importing.import_list, name="import_list"),
    path("manage/imports/new/", importing.import_new, name="import_new"),
    path(
        "manage/imports/manifest-template.csv",
        importing.import_manifest_template,
        name="import_manifest_template",
    ),
    path("manage/imports/preview/<str:token>/", importing.import_preview, name="import_preview"),
    path(
        "manage/imports/preview/<str:token>/confirm/",
        importing.import_confirm,
        name="import_confirm",
    ),
    path(
        "manage/imports/preview/<str:token>/cancel/", importing.import_cancel, name="import_cancel"
    ),
    path("manage/imports/<int:pk>/", importing.import_detail, name="import_detail"),
    path("manage/imports/<int:pk>/rollback/", importing.import_rollback, name="import_rollback"),
    # --- REFI-QDA exchange (admins, under manage/refi/) ---
    path("manage/refi/", refi.refi_home, name="refi_home"),
    path("manage/refi/import/<str:token>/", refi.refi_mapping, name="refi_mapping"),
    path("manage/refi/import/<str:token>/cancel/", refi.refi_cancel, name="refi_cancel"),
    path("manage/refi/imported/", refi.refi_done, name="refi_done"),
    path("manage/refi/export/all.qdpx", refi.refi_export_qdpx, name="refi_export_all"),
    path(
        "manage/refi/export/projects/<slug:slug>.qdpx",
        refi.refi_export_qdpx,
        name="refi_export_project",
    ),
    path("manage/refi/export/codebook.qdc", refi.refi_export_qdc, name="refi_export_codebook"),
    path(
        "manage/refi/export/codebooks/<slug:slug>.qdc",
        refi.refi_export_qdc,
        name="refi_export_project_codebook",
    ),
    # --- audit and data protection (admins, under manage/) ---
    path(
        "manage/participants/<int:pk>/withdraw/",
        protection.participant_withdraw_view,
        name="participant_withdraw",
    ),
    path(
        "manage/interviews/<int:pk>/redact/",
        protection.interview_redact_view,
        name="interview_redact",
    ),
]
