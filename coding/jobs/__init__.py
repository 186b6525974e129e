"""Background jobs: long work (imports, exports, backups) run by a task worker, with progress."""
