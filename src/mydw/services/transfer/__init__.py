"""Import and export of a user's history: Letterboxd, IMDb, Trakt and mydw's own files.

* `import_file(ctx, user_id, fmt, path, dry_run=, overwrite=, progress=)` → `ImportSummary`
  (reader: safe files/ZIPs; one parser per format; matching: rows → movies through TMDB,
  remembered in the cache folder; writes through `diary.apply_history`).
* `export(ctx, user_id, fmt=, status=)` → `Export` (through `diary.history`).
"""

from mydw.services.transfer.export import Export, export
from mydw.services.transfer.importer import ImportSummary, import_file

__all__ = ["Export", "ImportSummary", "export", "import_file"]
