from django.urls import path

from . import views

app_name = "taxonomy"
urlpatterns = [
    path("", views.category_list, name="category_list"),
    path("new/", views.category_create, name="category_create"),
    path("<int:pk>/", views.category_detail, name="category_detail"),
    path("<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("<int:pk>/retire/", views.category_retire, name="category_retire"),
    path("<int:pk>/restore/", views.category_restore, name="category_restore"),
]
