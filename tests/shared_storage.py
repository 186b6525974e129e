"""A storage that several 'servers' share and that has no local path, like S3 through
django-storages: every instance sees the same files, kept in memory."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import InMemoryStorage


class SharedMemoryStorage(InMemoryStorage):
    shared_root: Any = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if SharedMemoryStorage.shared_root is None:
            SharedMemoryStorage.shared_root = self._root
        self._root = SharedMemoryStorage.shared_root

    @classmethod
    def reset(cls) -> None:
        cls.shared_root = None
