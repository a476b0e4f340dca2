from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/archive/", views.household_archive, name="household_archive"),
    path("households/<int:pk>/reveal/<str:field>/", views.household_reveal, name="household_reveal"),
    path("households/<int:household_pk>/residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/archive/", views.resident_archive, name="resident_archive"),
    path("residents/<int:pk>/reveal/<str:field>/", views.resident_reveal, name="resident_reveal"),
    path("residents/<int:resident_pk>/consents/new/", views.consent_create, name="consent_create"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("duplicates/", views.duplicate_list, name="duplicate_list"),
    path("duplicates/<int:pk>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<int:pk>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("vulnerabilities/", views.tag_list, name="tag_list"),
    path("vulnerabilities/new/", views.tag_create, name="tag_create"),
    path("vulnerabilities/<int:pk>/edit/", views.tag_edit, name="tag_edit"),
    path("vulnerabilities/<int:pk>/archive/", views.tag_archive, name="tag_archive"),
]
