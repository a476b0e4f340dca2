from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("", views.community_list, name="community_list"),
    path("new/", views.community_create, name="community_create"),
    path("<int:pk>/", views.community_detail, name="community_detail"),
    path("<int:pk>/edit/", views.community_edit, name="community_edit"),
    path("<int:pk>/archive/", views.community_archive, name="community_archive"),
    path("<int:community_pk>/grids/new/", views.grid_create, name="grid_create"),
    path("grids/<int:pk>/edit/", views.grid_edit, name="grid_edit"),
    path("grids/<int:pk>/archive/", views.grid_archive, name="grid_archive"),
    path("walks/", views.walk_list, name="walk_list"),
    path("walks/new/", views.walk_create, name="walk_create"),
    path("walks/<int:pk>/", views.walk_detail, name="walk_detail"),
    path("walks/<int:pk>/edit/", views.walk_edit, name="walk_edit"),
    path("walks/<int:walk_pk>/observations/new/", views.observation_create, name="observation_create"),
    path("observations/<int:pk>/edit/", views.observation_edit, name="observation_edit"),
    path("observations/<int:pk>/archive/", views.observation_archive, name="observation_archive"),
    path("observations/<int:pk>/promote/", views.observation_promote, name="observation_promote"),
]
