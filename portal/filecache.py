"""Django's file cache, with counters that are atomic across processes.

The development and test cache is a folder every worker process shares. Django's file cache
makes `add` a check then a write and `incr` a read then a write, so two processes counting
at once lose a count, and `incr` restarts the entry's lifetime. Here both hold an exclusive
lock (one lock file in the cache folder) and `incr` keeps the entry's expiry, as Redis
does: the token-failure throttle counts exactly, with a fixed window, on either backend.
"""

import os
import pickle
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class FileCache(FileBasedCache):
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._createdir()
        # Not a `.djcache` file, so clear() and culling leave it alone.
        with open(os.path.join(self._dir, "counters.lock"), "ab") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        fname = self._key_to_file(key, version)
        with self._locked():
            try:
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301 - our own cache files
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except FileNotFoundError:
                raise ValueError(f"Key '{key}' not found.") from None
            now = time.time()
            if expiry is not None and expiry < now:
                self._delete(fname)
                raise ValueError(f"Key '{key}' not found.")
            new_value = value + delta
            timeout = None if expiry is None else max(expiry - now, 0.001)
            self.set(key, new_value, timeout, version)
        return new_value
