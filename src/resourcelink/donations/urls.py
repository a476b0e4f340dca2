from django.urls import path

from . import views

app_name = "donations"
urlpatterns = [
    path("", views.donation_list, name="donation_list"),
    path("receive/", views.donation_receive, name="donation_receive"),
    path("receive/lines-template/", views.lines_template, name="lines_template"),
    path("awaiting-feedback/", views.awaiting_feedback, name="awaiting_feedback"),
    path("<int:pk>/", views.donation_detail, name="donation_detail"),
    path("<int:pk>/acknowledgement/", views.acknowledgement, name="acknowledgement"),
    path("<int:pk>/feedback/", views.feedback_record, name="feedback_record"),
    path("donors/", views.donor_list, name="donor_list"),
    path("donors/new/", views.donor_create, name="donor_create"),
    path("donors/<int:pk>/", views.donor_detail, name="donor_detail"),
    path("donors/<int:pk>/edit/", views.donor_edit, name="donor_edit"),
    path("donors/<int:pk>/archive/", views.donor_archive, name="donor_archive"),
]
