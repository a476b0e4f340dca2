from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/new/", views.resource_create, name="resource_create"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/verify/", views.resource_verify, name="resource_verify"),
    path("resources/<int:pk>/phone/", views.resource_reveal_phone, name="resource_reveal_phone"),
    path("resources/<int:pk>/status/", views.resource_status, name="resource_status"),
    path("map/", views.resource_map, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("grid-options/", views.grid_options, name="grid_options"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<int:pk>/archive/", views.organization_archive, name="organization_archive"),
    path("organizations/<int:org_pk>/services/new/", views.service_create, name="service_create"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("organizations/<int:org_pk>/locations/new/", views.location_create, name="location_create"),
    path("locations/<int:pk>/edit/", views.location_edit, name="location_edit"),
    path("organizations/<int:org_pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
]
