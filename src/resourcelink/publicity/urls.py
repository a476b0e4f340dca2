from django.urls import path

from . import views

app_name = "publicity"
urlpatterns = [
    path("report/<str:token>/", views.donor_report, name="donor_report"),
    path("<slug:slug>/", views.station_disclosure, name="station_disclosure"),
]
