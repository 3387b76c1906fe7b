from django.urls import path

from sales import views

urlpatterns = [
    path("customers/", views.customers),
    path("customers/<int:cid>/", views.customer),
    path("segments/<str:name>/count/", views.segment_count),
    path("opportunities/<int:oid>/advance/", views.advance),
    path("approvals/inbox/", views.inbox),
    path("approvals/<int:rid>/<str:decision>/", views.decide),
    path("pool/<int:cid>/claim/", views.claim),
]
