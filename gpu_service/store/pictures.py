"""The images of one run: streamed once each (the image pass), or read and kept up to a memory
budget (what is described from its stored image, a reprocess).

An image is known by its fingerprint (object path and generation): a new upload is a new picture,
and a description made from an older one is stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from google.api_core import exceptions

from common.gcp import storage
from common.library.models import Asset
from gpu_service.config import worker_settings
from gpu_service.vision import imaging


def fingerprint(asset: Asset) -> str:
    return f"{asset.image_path}#{asset.image_generation}"


class Pictures:
    """Decoded images of this run, kept (up to a memory budget) so each is decoded once."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, imaging.Picture] = OrderedDict()
        self._budget = worker_settings().image_cache_mb * 1024 * 1024
        self._lock = threading.Lock()

    def get(self, asset: Asset) -> imaging.Picture:
        key = fingerprint(asset)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        picture = self._fetch(asset)
        with self._lock:
            self._items[key] = picture
            while sum(p.nbytes for p in self._items.values()) > self._budget and len(self._items) > 1:
                self._items.popitem(last=False)
        return picture

    @staticmethod
    def _fetch(asset: Asset) -> imaging.Picture:
        try:
            data = storage.download(asset.image_path or "", generation=asset.image_generation)
        except exceptions.NotFound as exc:
            raise imaging.UnreadableImage("the stored image is missing") from exc
        return imaging.decode(data)

    def stream(
        self, assets: list[Asset], pool: ThreadPoolExecutor, ahead: int = 2
    ) -> Iterator[tuple[Asset, imaging.Picture | imaging.UnreadableImage]]:
        """Each asset with its picture (or why it has none), loading the next ones in the background
        while the caller runs a model on the current one. A stream visits each picture once: it is
        not kept (nothing is evicted for it either)."""

        def load(asset: Asset) -> imaging.Picture | imaging.UnreadableImage:
            try:
                picture = self._fetch(asset)
            except imaging.UnreadableImage as exc:
                return exc
            picture.bgr  # noqa: B018 - the models' form of it, made here rather than on the caller's thread
            return picture

        pending = deque((a, pool.submit(load, a)) for a in assets[:ahead])
        for asset in assets[ahead:]:
            current, future = pending.popleft()
            pending.append((asset, pool.submit(load, asset)))
            yield current, future.result()
        for current, future in pending:
            yield current, future.result()
