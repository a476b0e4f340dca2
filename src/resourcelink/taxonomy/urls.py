from django.urls import path

from . import views

app_name = "taxonomy"
urlpatterns: list = []
