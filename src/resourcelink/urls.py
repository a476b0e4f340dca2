from django.urls import include, path

urlpatterns = [
    path("", include("resourcelink.core.urls")),
    path("accounts/", include("resourcelink.accounts.urls")),
    path("categories/", include("resourcelink.taxonomy.urls")),
    path("communities/", include("resourcelink.communities.urls")),
    path("directory/", include("resourcelink.directory.urls")),
    path("people/", include("resourcelink.people.urls")),
    path("needs/", include("resourcelink.needs.urls")),
    path("matching/", include("resourcelink.matching.urls")),
    path("store/", include("resourcelink.inventory.urls")),
    path("donations/", include("resourcelink.donations.urls")),
    path("fund/", include("resourcelink.fund.urls")),
    path("distribution/", include("resourcelink.distribution.urls")),
    path("public/", include("resourcelink.publicity.urls")),
    path("interop/", include("resourcelink.interop.urls")),
    path("api/v1/", include("resourcelink.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
