"""Monograph's admin site: Django's, with an index that is the editors' dashboard.

`compounds.apps.MonographAdminConfig` makes it the default site, so `admin.site` and `@admin.register` everywhere
mean this one. It lives outside the `compounds.admin` package on purpose: importing that package registers every
model admin with `admin.site`, which must already exist by then (with the class inside the package, Django would
create the site twice while importing it and keep the instance the registrations did not go to).

The index reads everything it shows through `selectors.dashboard_for`: its template makes no queries.
"""

from django.contrib import admin

from . import selectors


class MonographAdminSite(admin.AdminSite):
    # site_header, site_title and index_title stay Django's: nothing set them before this site existed.

    def index(self, request, extra_context=None):
        dashboard = selectors.dashboard_for(user=request.user)
        return super().index(request, {"dashboard": dashboard, **(extra_context or {})})
