from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("resources/import/", views.resource_import, name="resource_import"),
    path("resources/template/", views.resource_template, name="resource_template"),
    path("resources/export/", views.resource_export, name="resource_export"),
]
urlpatterns += [
    path("people/import/", views.people_import, name="people_import"),
    path("people/template/", views.people_template, name="people_template"),
    path("people/export/", views.people_export, name="people_export"),
]
