from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("needs/<int:pk>/suggestions/", views.suggestions, name="suggestions"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/new/", views.run_create, name="run_create"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/accept/", views.run_accept, name="run_accept"),
    path("runs/<int:pk>/discard/", views.run_discard, name="run_discard"),
    path("gaps/", views.gap_report, name="gap_report"),
]
