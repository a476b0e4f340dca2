from django.urls import path

from . import views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="need_list"),
    path("new/", views.need_create, name="need_create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("<int:pk>/", views.need_detail, name="need_detail"),
    path("<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("<int:pk>/status/", views.need_transition, name="need_transition"),
    path("<int:pk>/links/new/", views.link_create, name="link_create"),
    path("links/<int:pk>/status/", views.link_transition, name="link_transition"),
    path("links/<int:pk>/notes/", views.link_update, name="link_update"),
    path("households/<int:pk>/", views.household_needs, name="household_needs"),
]
