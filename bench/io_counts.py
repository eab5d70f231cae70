"""What a piece of code costs in production's billed I/O, counted on the client libraries' calls.

`install()` patches google-cloud-firestore's RPC layer (the GAPIC `FirestoreClient` every
high-level call goes through) and google-cloud-storage's `Blob`, never the product's code, so the
same counting works for any version of the product (a git worktree of another commit on PYTHONPATH
included). `counting()` gives what ran inside its block:

- reads: Firestore documents read, as Firestore bills them: each document a get asks for
  (`DocumentReference.get`, `Transaction.get` of a document, `get_all` on the client or in a
  transaction: BatchGetDocuments, found or missing), each document a query returns (RunQuery:
  `stream`/`get` of a query or collection, in a transaction too), each document listed
  (ListDocuments), and one per aggregation (RunAggregationQuery: a count of up to 1,000 entries
  bills one read);
- writes: each write in a commit (`set`/`update`/`create`/`delete` in a WriteBatch or Transaction;
  a direct `DocumentReference.set/update/create/delete` is a batch of one), BatchWrite's too;
- commits: each Commit or BatchWrite RPC (a batch's or transaction's commit, a direct single-document
  write); a transaction retried commits again and is counted again;
- downloads: each Cloud Storage download (`Blob.download_as_bytes/_as_text/_to_file/_to_filename`,
  `Client.download_blob_to_file`, a `Blob.open("rb")` reader's range reads: all of them go through
  `Blob._prep_and_do_download`).

Counts are process-wide (every thread), so count a block while nothing else runs.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

KINDS = ("reads", "writes", "commits", "downloads")
_counts: Counter[str] = Counter()
_lock = threading.Lock()
_installed = False


@dataclass
class Counts:
    reads: int = 0
    writes: int = 0
    commits: int = 0
    downloads: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, k) + getattr(other, k) for k in KINDS))

    def __sub__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, k) - getattr(other, k) for k in KINDS))

    def per(self, n: float) -> dict[str, float]:
        return {k: getattr(self, k) / n for k in KINDS}


def _add(kind: str, n: int = 1) -> None:
    with _lock:
        _counts[kind] += n


def now() -> Counts:
    with _lock:
        return Counts(*(_counts[k] for k in KINDS))


@contextmanager
def counting() -> Iterator[Counts]:
    """What ran inside the block; the yielded Counts is filled in when the block ends."""
    install()
    before = now()
    result = Counts()
    try:
        yield result
    finally:
        spent = now() - before
        for k in KINDS:
            setattr(result, k, getattr(spent, k))


def install() -> None:
    global _installed  # noqa: PLW0603
    if _installed:
        return
    _installed = True
    _firestore()
    _storage()


def _firestore() -> None:
    from google.cloud.firestore_v1.services.firestore.client import FirestoreClient

    def streamed(name: str, counted: Any) -> None:
        original = getattr(FirestoreClient, name)

        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            for response in original(self, *args, **kwargs):
                _add("reads", counted(response))
                yield response

        setattr(FirestoreClient, name, call)

    streamed("batch_get_documents", lambda r: int(r._pb.HasField("found") or r._pb.HasField("missing")))
    streamed("run_query", lambda r: int(r._pb.HasField("document")))
    streamed("run_aggregation_query", lambda r: int(r._pb.HasField("result")))

    for name in ("commit", "batch_write"):
        original = getattr(FirestoreClient, name)

        def write(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            request = kwargs.get("request") or (args[0] if args else None) or {}
            writes = request.get("writes") if isinstance(request, dict) else getattr(request, "writes", None)
            _add("writes", len(writes or []))
            _add("commits")
            return _original(self, *args, **kwargs)

        setattr(FirestoreClient, name, write)

    original_get = FirestoreClient.get_document

    def get_document(self: Any, *args: Any, **kwargs: Any) -> Any:
        _add("reads")
        return original_get(self, *args, **kwargs)

    FirestoreClient.get_document = get_document  # type: ignore[method-assign]

    original_list = FirestoreClient.list_documents

    def list_documents(self: Any, *args: Any, **kwargs: Any) -> Any:
        pager = original_list(self, *args, **kwargs)
        for document in pager:
            _add("reads")
            yield document

    FirestoreClient.list_documents = list_documents  # type: ignore[method-assign]


def _storage() -> None:
    from google.cloud.storage import Blob

    name = "_prep_and_do_download" if hasattr(Blob, "_prep_and_do_download") else "_do_download"
    original = getattr(Blob, name)

    def download(self: Any, *args: Any, **kwargs: Any) -> Any:
        _add("downloads")
        return original(self, *args, **kwargs)

    setattr(Blob, name, download)
