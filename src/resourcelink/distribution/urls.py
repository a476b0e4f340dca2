from django.urls import path

from . import views

app_name = "distribution"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/sources/", views.source_add, name="source_add"),
    path("sources/<int:pk>/remove/", views.source_remove, name="source_remove"),
    path("<int:pk>/tiers/", views.tier_set, name="tier_set"),
    path("tiers/<int:pk>/remove/", views.tier_remove, name="tier_remove"),
    path("<int:pk>/households/", views.household_search, name="household_search"),
    path("<int:pk>/allowances/", views.allowance_add, name="allowance_add"),
    path("allowances/<int:pk>/remove/", views.allowance_remove, name="allowance_remove"),
    path("<int:pk>/generate/", views.plan_generate, name="plan_generate"),
    path("<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("<int:pk>/unapprove/", views.plan_unapprove, name="plan_unapprove"),
    path("<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("<int:pk>/close/", views.plan_close, name="plan_close"),
    path("<int:pk>/sheets/", views.plan_sheets, name="plan_sheets"),
    path("<int:pk>/export/", views.plan_export, name="plan_export"),
    path("<int:pk>/handovers/", views.handover_bulk, name="handover_bulk"),
    path("<int:pk>/passes/", views.pass_list, name="pass_list"),
    path("passes/<int:pk>/revoke/", views.pass_revoke, name="pass_revoke"),
    path("<int:pk>/surplus/", views.surplus, name="surplus"),
    path("lines/<int:pk>/edit/", views.line_edit, name="line_edit"),
    path("lines/<int:pk>/remove/", views.line_remove, name="line_remove"),
    path("lines/<int:pk>/handover/", views.handover_record, name="handover_record"),
    # A volunteer's phone: no account, the pass in the session.
    path("pass/<str:secret>/", views.pass_start, name="pass_start"),
    path("h/<str:token>/", views.handover_scan, name="handover_scan"),
]
