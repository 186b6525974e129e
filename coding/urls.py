"""The app's pages and its JSON API, grouped by area; sign-in lives in peervalues/urls.py."""

from __future__ import annotations

from django.urls import path

from .views import (
    api,
    calibration,
    codebook,
    coding,
    compare,
    disagreements,
    discussions,
    health,
    importing,
    jobs,
    packs,
    pages,
    proposals,
    protection,
    quotes,
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
    path("api/excerpts/<int:pk>/quotes/", api.excerpt_quotes, name="api_excerpt_quotes"),
    path("api/quotes/<int:pk>/", api.quote_detail, name="api_quote_detail"),
    path("api/projects/<slug:slug>/examples/", proposals.example_search, name="api_example_search"),
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
    # --- the project's codebook: values, proposals, decisions, versions ---
    path("projects/<slug:slug>/codebook/", codebook.codebook, name="codebook"),
    path(
        "projects/<slug:slug>/codebook/values/<int:pk>/", codebook.value_detail, name="value_detail"
    ),
    path(
        "projects/<slug:slug>/codebook/values/<int:pk>/mine/",
        proposals.provisional_value,
        name="provisional_value",
    ),
    path(
        "projects/<slug:slug>/codebook/versions/", codebook.version_list, name="codebook_versions"
    ),
    path(
        "projects/<slug:slug>/codebook/versions/compare/",
        codebook.version_compare,
        name="codebook_version_compare",
    ),
    path(
        "projects/<slug:slug>/codebook/versions/<int:number>/",
        codebook.version_detail,
        name="codebook_version",
    ),
    path("projects/<slug:slug>/proposals/", proposals.proposal_list, name="proposal_list"),
    path("projects/<slug:slug>/proposals/new/", proposals.proposal_new, name="proposal_new"),
    path(
        "projects/<slug:slug>/proposals/<int:pk>/",
        proposals.proposal_detail,
        name="proposal_detail",
    ),
    path(
        "projects/<slug:slug>/proposals/<int:pk>/comment/",
        proposals.proposal_comment,
        name="proposal_comment",
    ),
    path(
        "projects/<slug:slug>/proposals/<int:pk>/say/",
        proposals.proposal_vote,
        name="proposal_vote",
    ),
    path(
        "projects/<slug:slug>/proposals/<int:pk>/decide/",
        proposals.proposal_decide,
        name="proposal_decide",
    ),
    path(
        "projects/<slug:slug>/proposals/<int:pk>/definition/",
        proposals.proposal_define,
        name="proposal_define",
    ),
    path(
        "projects/<slug:slug>/proposals/<int:pk>/withdraw/",
        proposals.proposal_withdraw,
        name="proposal_withdraw",
    ),
    path(
        "projects/<slug:slug>/proposals/<int:pk>/recode/",
        proposals.recode_queue,
        name="recode_queue",
    ),
    # --- quotes for the findings: candidates, a lead's decisions, attribution ---
    path("projects/<slug:slug>/quotes/", quotes.quote_list, name="quote_list"),
    path("projects/<slug:slug>/quotes/new/", quotes.quote_propose, name="quote_propose"),
    path("projects/<slug:slug>/quotes/settings/", quotes.quote_settings, name="quote_settings"),
    path("projects/<slug:slug>/quotes/<int:pk>/decide/", quotes.quote_decide, name="quote_decide"),
    path("projects/<slug:slug>/quotes/<int:pk>/remove/", quotes.quote_remove, name="quote_remove"),
    # --- comparison (evaluators) ---
    # --- the findings pack: <scope> is a project's slug, or "all" across projects ---
    path("findings/<slug:scope>/", packs.findings_pack, name="findings_pack"),
    path("findings/<slug:scope>/download/", packs.findings_download, name="findings_download"),
    path("findings/<slug:scope>/publish/", packs.findings_publish, name="findings_publish"),
    path(
        "findings/<slug:scope>/versions/<int:number>/",
        packs.findings_version,
        name="findings_version",
    ),
    path(
        "findings/<slug:scope>/versions/<int:number>/download/",
        packs.findings_version_download,
        name="findings_version_download",
    ),
    path(
        "findings/<slug:scope>/versions/<int:number>/feedback/",
        packs.findings_feedback,
        name="findings_feedback",
    ),
    path(
        "findings/<slug:scope>/versions/<int:number>/feedback/<int:pk>/answer/",
        packs.findings_feedback_answer,
        name="findings_feedback_answer",
    ),
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
    # --- for load balancers and monitoring: no sign-in ---
    path("health/", health.health, name="health"),
    # --- background jobs (everyone sees their own) ---
    path("jobs/", jobs.my_jobs, name="my_jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/retry/", jobs.job_retry_view, name="job_retry"),
    path("jobs/<int:pk>/download/", jobs.job_download, name="job_download"),
    path("jobs/start/<str:kind>/", jobs.job_start_admin, name="job_start_admin"),
    path("api/jobs/<int:pk>/", jobs.job_status, name="api_job_status"),
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
