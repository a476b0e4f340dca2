from django.urls import path

from . import views

app_name = "fund"
urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("export/", views.ledger_export, name="ledger_export"),
    path("households/lookup/", views.household_lookup, name="household_lookup"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/grant/", views.grant, name="grant"),
    path("accounts/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("accounts/<int:pk>/receive/", views.receive, name="receive"),
    path("accounts/<int:pk>/correct/", views.correct, name="correct"),
]
