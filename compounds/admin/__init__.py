"""The profile admin, split by concern. Importing the package registers everything with the admin site.

- compound: the compound form (every part as an inline) and its list, bulk workflow actions
- inlines: the part inlines, built from the parts registry
- parts: read-only part lists for superusers; the comparison-table page (revisioned)
- people: the user admin, with editorial roles (a role opens the admin)
- records: categories, published versions, revision records
- sources: source merge and the citation integrity report
- views: history, compare, revert, workflow steps, recovery
- forms: what each save records; the workflow steps' forms
"""

from . import compound, parts, people, records, sources  # noqa: F401 (registration)
