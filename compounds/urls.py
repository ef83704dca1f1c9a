from django.urls import path

from . import views

app_name = "compounds"

urlpatterns = [
    path("", views.home, name="home"),
    path("compounds/", views.compound_index, name="index"),
    path("compounds/<slug:slug>/", views.compound_detail, name="detail"),
    path("compounds/<slug:slug>/preview/", views.compound_preview, name="preview"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
]
