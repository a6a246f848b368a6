"""Firehose buffers what it is sent and writes it to S3 as one object per buffer.

AWS ("Buffering hints", https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html;
BufferingHints, https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html):
Firehose "buffers incoming streaming data in memory to a certain size (buffering size) and
for a certain period of time (buffering interval) before delivering it"; "The first buffer
condition that is satisfied triggers Firehose to deliver the data." ``IntervalInSeconds``
0-900 (default 300; 0: "Firehose will not buffer data and will deliver data within a few
seconds"), ``SizeInMBs`` 1-128 MiB (default 5). The object's key
("Configure Amazon S3 object name format",
https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html) is ``<evaluated
prefix><suffix>``: the destination's ``Prefix``, then the default time prefix
``YYYY/MM/dd/HH/``, then ``<stream name>-<stream version>-<year>-<month>-<day>-<hour>-
<minute>-<second>-<uuid>``, in UTC; the version "begins with 1 and increases by 1 for every
configuration change". Nothing comes between the prefix and the time ("If a prefix ends
with a slash, it appears as a folder", https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html),
and the time is that of the oldest record in the object (same page). The records' bytes are
written as they came, no delimiter added.

moto 5.2.5 (``FirehoseBackend.put_s3_records``, behind PutRecord, PutRecordBatch and
CloudWatch Logs subscriptions) writes each call's records at once as an object of their
own, keyed ``<Prefix>[/]YYYY/MM/DD/HH/<name>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid4>`` at the
time of the call, a ``/`` added after a prefix that lacks one; it ignores BufferingHints.

The patch holds the records of each S3 or ExtendedS3 stream in memory and writes them, as
one object with moto's own S3 ``put_object``, when ``IntervalInSeconds`` have passed since
the first of them (a background thread, so an idle stream is delivered on time) or when
the next record would take the buffer past ``SizeInMBs`` (so an object stays within it: a
record is at most 1,000 KiB), whichever comes first. The hints, prefix and bucket are read when the buffer is written,
so an UpdateDestination applies to what is already buffered. A write that fails (no such
bucket) is logged to stderr once and retried every second, as AWS "keeps retrying until
the retention period ends" (https://docs.aws.amazon.com/firehose/latest/dev/troubleshooting.html);
a stream that is deleted loses what it buffered (AWS: while a stream is deleted "it doesn't
make any guarantees with respect to delivering the data",
https://docs.aws.amazon.com/firehose/latest/APIReference/API_DeleteDeliveryStream.html).
Not copied: the 24 hours after which AWS gives up (the patch never does),
``CompressionFormat`` (objects are never compressed and get no file extension), ``!{...}``
expressions in ``Prefix``, ``CustomTimeZone``, ``ErrorOutputPrefix`` (nothing fails
processing), data format conversion, Lambda processing, dynamic partitioning. Records still
buffered when the process stops are lost: moto's S3 lives in the same process's memory and
goes with it, so writing them at the stop would keep nothing.
"""

from __future__ import annotations

import inspect
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ._shared import Patching, lock

MIB = 1024 * 1024
DEFAULT_INTERVAL, DEFAULT_SIZE_MB = 300, 5  # BufferingHints' documented defaults
# How long a failed write waits before the next try, and the longest the thread sleeps
# (so that an UpdateDestination shortening the interval applies within a second).
RETRY_SECONDS = TICK_SECONDS = 1.0


def object_key(prefix: str, stream_name: str, version: str, when: datetime) -> str:
    """AWS's key for an object with the default time prefix (``when`` in UTC)."""
    return (f"{prefix}{when:%Y/%m/%d/%H}/"
            f"{stream_name}-{version}-{when:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}")


def destination(stream: Any) -> dict[str, Any]:
    """The S3 destination moto writes to (ExtendedS3 before S3, as its put_record_batch)."""
    first = stream.destinations[0]
    return first.get("ExtendedS3") or first["S3"]


def hints(stream: Any) -> tuple[float, int]:
    """(interval in seconds, size in bytes) of the stream's destination now."""
    given = destination(stream).get("BufferingHints") or {}
    return (float(given.get("IntervalInSeconds", DEFAULT_INTERVAL)),
            int(given.get("SizeInMBs", DEFAULT_SIZE_MB)) * MIB)


@dataclass
class Buffer:
    """What one stream holds, not yet delivered."""

    account_id: str
    region: str
    stream: Any  # moto's DeliveryStream: one deleted and made again under its name is another
    started: float  # time.monotonic() of the first record
    oldest: datetime  # its arrival, UTC: the object's key
    parts: list[bytes] = field(default_factory=list)
    size: int = 0
    retrying: bool = False  # a write failed: only the thread tries again


class Buffers:
    """Every stream's buffer in this process, and the thread that delivers them on time.
    All state is read and changed under the patches' ``lock``."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str, str], Buffer] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, backend: Any, stream_name: str, records: list[dict[str, bytes]]) -> None:
        with lock:
            stream = backend.delivery_streams[stream_name]
            key = (backend.account_id, backend.region_name, stream_name)
            _, limit = hints(stream)
            for record in records:
                data = bytes(record["Data"])
                held = self._held.get(key)
                if held is not None and held.stream is not stream:
                    del self._held[key]  # the stream was deleted: its buffer went with it
                    held = None
                if held is not None and not held.retrying and held.size + len(data) > limit:
                    self._deliver(key, held)
                    held = self._held.get(key)  # still there if the write failed
                if held is None:
                    held = self._held[key] = Buffer(backend.account_id, backend.region_name, stream,
                                                    time.monotonic(), datetime.now(timezone.utc))
                    self._wake.set()
                held.parts.append(data)
                held.size += len(data)
                if not held.retrying and held.size >= limit:
                    self._deliver(key, held)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="firehose-buffers",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        timeout: float | None = None
        while True:
            self._wake.wait(timeout)
            self._wake.clear()
            try:
                with lock:
                    timeout = self._deliver_due()
            except Exception:  # a bug must be seen, and must not stop every later delivery
                traceback.print_exc(file=sys.stderr)
                timeout = TICK_SECONDS

    def _deliver_due(self) -> float | None:
        """Writes every buffer whose interval is over; how long until the next is due."""
        from moto.firehose.models import firehose_backends

        now, nearest = time.monotonic(), None
        for key, held in list(self._held.items()):
            account_id, region, name = key
            if firehose_backends[account_id][region].delivery_streams.get(name) is not held.stream:
                del self._held[key]  # deleted (or moto reset): nothing to deliver to
                continue
            interval, _ = hints(held.stream)
            due = held.started + interval
            if due <= now:
                self._deliver(key, held)
                if key in self._held:  # the write failed: try again
                    due = now + RETRY_SECONDS
                else:
                    continue
            nearest = due - now if nearest is None else min(nearest, due - now)
        return None if nearest is None else min(nearest, TICK_SECONDS)

    def _deliver(self, key: tuple[str, str, str], held: Buffer) -> None:
        """One object with everything held; the buffer is kept if the write fails."""
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        stream = held.stream
        target = destination(stream)
        bucket = target["BucketARN"].split(":")[-1]
        name = object_key(target.get("Prefix") or "", stream.delivery_stream_name,
                          stream.version_id, held.oldest)
        try:
            s3_backends[held.account_id][get_partition(held.region)].put_object(
                bucket, name, b"".join(held.parts))
        except Exception as exc:  # any refusal of S3's: the data stays, as AWS retries
            if not held.retrying:  # said once, not every second
                print(f"[localaws] firehose: {stream.delivery_stream_name} could not write "
                      f"s3://{bucket}/{name} ({exc!r}); trying again every {RETRY_SECONDS:g} s",
                      file=sys.stderr, flush=True)
            held.started = time.monotonic() - hints(stream)[0] + RETRY_SECONDS
            held.retrying = True
            return
        if self._held.get(key) is held:
            del self._held[key]


def apply(patching: Patching) -> None:
    from moto.firehose import models
    from moto.moto_api._internal import mock_random

    if "IntervalInSeconds" in inspect.getsource(models):
        patching.note("Firehose: moto reads BufferingHints itself, patch not needed")
        return
    buffers = Buffers()

    def put_s3_records(self: Any, delivery_stream_name: str, version_id: str,
                       s3_destination: dict[str, Any],
                       records: list[dict[str, bytes]]) -> list[dict[str, str]]:
        buffers.add(self, delivery_stream_name, records)
        return [{"RecordId": str(mock_random.uuid4())} for _ in records]

    patching.replace(models.FirehoseBackend, "put_s3_records", put_s3_records)
    patching.note("Firehose: S3 delivery buffered by BufferingHints (interval or size, whichever "
                  "first), one object per buffer, AWS's object key")
