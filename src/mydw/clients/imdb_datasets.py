"""IMDb non-commercial datasets: download and stream ``title.ratings.tsv.gz``.

The download is streamed to a temporary file next to the destination, verified (a
complete gzip whose first line is the expected header) and renamed into place
atomically, so a failed or corrupt download never replaces a good copy. ETag and
Last-Modified are kept in a sidecar JSON file and sent back as conditional headers.

Personal, non-commercial use only (IMDb's terms): never ship or commit the files.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mydw.domain.errors import UpstreamError
from mydw.domain.values import valid_rating, valid_votes

if TYPE_CHECKING:
    # Imported where used: reading a local dataset (`mydw refresh --dataset-file`) needs
    # neither httpx nor the HTTP helper (~150 ms of imports).
    import httpx

    from mydw.clients.http import Sleep

SERVICE = "IMDb datasets"
DEFAULT_BASE_URL = "https://datasets.imdbws.com"
RATINGS_FILE = "title.ratings.tsv.gz"
RATINGS_HEADER = "tconst\taverageRating\tnumVotes"
# The ratings file is ~8 MB gzip: its own cap, 8x that, far above the JSON APIs' 8 MB, far below
# a disk-filling answer. A download (a long job) has its own deadline too: a server that
# drips the body cannot hold `refresh` for ever.
MAX_DATASET_BYTES = 64 * 1024 * 1024  # 8x today's file
DOWNLOAD_DEADLINE = 15 * 60.0
# A download that keeps trickling is stalled, not slow: at least this much must arrive in
# every stretch of the request deadline (2x MYDW_HTTP_TIMEOUT), or it is stopped.
MIN_PROGRESS_BYTES = 16 * 1024
READ_SIZE = 1 << 20


@dataclass(frozen=True)
class DownloadResult:
    """``status`` is "downloaded", "not-modified" (304) or "fresh" (no request made)."""

    path: Path
    downloaded: bool
    status: str
    size: int
    etag: str | None = None
    last_modified: str | None = None


def meta_path(dest: Path) -> Path:
    """The sidecar file holding ETag / Last-Modified / checked_at for ``dest``."""
    return dest.with_name(dest.name + ".meta.json")


def _read_meta(dest: Path) -> dict[str, object]:
    try:
        raw = json.loads(meta_path(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _write_meta(dest: Path, meta: dict[str, object]) -> None:
    path = meta_path(dest)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _exc_detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:80]
    return text or type(exc).__name__


def verify_ratings_gz(path: Path) -> None:
    """Check that ``path`` is a complete gzip whose first line is the ratings header."""
    try:
        with gzip.open(path, "rb") as fh:
            first = fh.readline(256).rstrip(b"\r\n")
            if first.decode("utf-8", "replace") != RATINGS_HEADER:
                raise UpstreamError(
                    f"{SERVICE} sent a file that is not title.ratings "
                    f"(first line {first[:60].decode('utf-8', 'replace')!r})",
                    service=SERVICE,
                )
            while fh.read(1 << 20):  # decompress everything: checks the CRC and length
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise UpstreamError(
            f"{SERVICE} sent a corrupt gzip file ({_exc_detail(exc)})", service=SERVICE
        ) from exc


class ImdbDatasetsClient:
    """Downloads IMDb dataset files. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.time,
        timeout: httpx.Timeout | float | None = None,
        max_bytes: int = MAX_DATASET_BYTES,
        download_deadline: float = DOWNLOAD_DEADLINE,
    ) -> None:
        self._clock = clock
        self.max_bytes = max_bytes
        self.download_deadline = download_deadline
        import httpx

        from mydw.clients.http import HttpClient

        self._http = HttpClient(
            SERVICE,
            base_url.rstrip("/") + "/",
            transport=transport,
            sleep=sleep or time.sleep,
            rate_per_second=None,
            timeout=timeout if timeout is not None else httpx.Timeout(30.0, connect=5.0),
            # The file is already gzip: never let a CDN add (and httpx strip) another layer.
            headers={"Accept": "*/*", "Accept-Encoding": "identity"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ImdbDatasetsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def download_ratings(self, dest: Path, *, max_age: timedelta | None = None) -> DownloadResult:
        """Make sure ``dest`` holds a recent ``title.ratings.tsv.gz``.

        * ``dest`` exists and was checked less than ``max_age`` ago → no request.
        * otherwise a conditional GET; 304 → keep the file (``downloaded=False``).
        * 200 → stream to a temp file, verify, rename over ``dest``.
        A failure raises ``UpstreamError`` and leaves any previous copy untouched.
        """
        dest = Path(dest)
        meta = _read_meta(dest) if dest.exists() else {}
        etag = _str_or_none(meta.get("etag"))
        last_modified = _str_or_none(meta.get("last_modified"))
        if dest.exists() and max_age is not None:
            checked = meta.get("checked_at")
            checked_at = (
                float(checked) if isinstance(checked, int | float) else dest.stat().st_mtime
            )
            if self._clock() - checked_at < max_age.total_seconds():
                return DownloadResult(
                    dest, False, "fresh", dest.stat().st_size, etag, last_modified
                )

        headers: dict[str, str] = {}
        if dest.exists():
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified

        dest.parent.mkdir(parents=True, exist_ok=True)
        with self._http.stream("GET", RATINGS_FILE, headers=headers) as response:
            if response.status_code == 304 and dest.exists():
                meta["checked_at"] = self._clock()
                _write_meta(dest, meta)
                return DownloadResult(
                    dest, False, "not-modified", dest.stat().st_size, etag, last_modified
                )
            if response.status_code != 200:
                response.read()
                if response.status_code == 404:
                    raise UpstreamError(f"{SERVICE} has no {RATINGS_FILE} (404)", service=SERVICE)
                self._http.raise_for_status(response)
                raise UpstreamError(
                    f"{SERVICE} answered with an unexpected status {response.status_code}",
                    service=SERVICE,
                )
            new_etag = response.headers.get("etag")
            new_last_modified = response.headers.get("last-modified")
            size = self._stream_to(dest, response)

        _write_meta(
            dest,
            {"etag": new_etag, "last_modified": new_last_modified, "checked_at": self._clock()},
        )
        return DownloadResult(dest, True, "downloaded", size, new_etag, new_last_modified)

    def _too_large(self) -> UpstreamError:
        return UpstreamError(
            f"{SERVICE} sent a file larger than {self.max_bytes // (1024 * 1024)} MB (not kept)",
            service=SERVICE,
        )

    def _stream_to(self, dest: Path, response: httpx.Response) -> int:
        import httpx

        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
        tmp = Path(tmp_name)
        try:
            size = 0
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise self._too_large()
            ends = time.monotonic() + self.download_deadline
            stretch = self._http.deadline
            window_start, window_size = time.monotonic(), 0
            with os.fdopen(fd, "wb") as out:
                try:
                    for chunk in response.iter_bytes():  # as it arrives (a size would wait for it)
                        out.write(chunk)
                        size += len(chunk)
                        window_size += len(chunk)
                        if size > self.max_bytes:
                            raise self._too_large()
                        now = time.monotonic()
                        if now > ends:
                            raise UpstreamError(
                                f"{SERVICE} download took longer than "
                                f"{self.download_deadline / 60:g} min (stopped)", service=SERVICE)
                        if now - window_start >= stretch:
                            if window_size < MIN_PROGRESS_BYTES:
                                raise UpstreamError(
                                    f"{SERVICE} download stalled (under "
                                    f"{MIN_PROGRESS_BYTES // 1024} KB in {stretch:g} s; stopped)",
                                    service=SERVICE)
                            window_start, window_size = now, 0
                except httpx.HTTPError as exc:
                    raise UpstreamError(
                        f"{SERVICE} download was cut short (connection lost)",
                        service=SERVICE,
                    ) from exc
                out.flush()
                os.fsync(out.fileno())
            verify_ratings_gz(tmp)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return size


def _parse_float(value: bytes) -> float | None:
    """An averageRating: a finite number from 0 to 10 (`valid_rating`), else None."""
    if value == b"\\N" or len(value) > 8:
        return None
    try:
        return valid_rating(float(value))
    except ValueError:
        return None


def _parse_int(value: bytes) -> int | None:
    """A numVotes: ASCII digits only, from 0 to MAX_VOTES (`valid_votes`), else None."""
    if value == b"\\N" or not value.isdigit() or len(value) > 12:
        return None
    return valid_votes(int(value))


def _line_batches(fh: io.BufferedIOBase) -> Iterator[list[bytes]]:
    """Decompressed lines in big batches (1 MiB reads): much faster than line iteration."""
    rest = b""
    while True:
        block = fh.read(READ_SIZE)
        if not block:
            break
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[: cut - 1].split(b"\n")
    if rest:
        yield [rest]


def _row(line: bytes) -> tuple[str, float | None, int | None] | None:
    parts = line.rstrip(b"\r").split(b"\t")
    if len(parts) != 3:
        return None
    try:
        tconst = parts[0].decode("ascii")
    except UnicodeDecodeError:
        return None
    return tconst, _parse_float(parts[1]), _parse_int(parts[2])


def iter_ratings(
    path: Path, wanted: set[str] | None = None
) -> Iterator[tuple[str, float | None, int | None]]:
    """Stream ``(tconst, averageRating, numVotes)`` rows from a title.ratings .tsv.gz.

    ``\\N`` → None. When ``wanted`` is given only those tconsts are parsed: the id is cut
    off the line (``line.partition(b"\\t")[0] in wanted``) before any splitting. Malformed
    rows are skipped. A missing, corrupt or truncated file raises ``UpstreamError``.
    """
    wanted_b = {w.encode("ascii", "ignore") for w in wanted} if wanted is not None else None
    try:
        with gzip.open(path, "rb") as fh:
            header = fh.readline().rstrip(b"\r\n")
            if header != RATINGS_HEADER.encode():
                raise UpstreamError(
                    f"{path.name} is not an IMDb title.ratings file (bad header)",
                    service=SERVICE,
                )
            for lines in _line_batches(fh):
                if wanted_b is None:
                    selected = lines
                else:
                    selected = [ln for ln in lines if ln.partition(b"\t")[0] in wanted_b]
                for line in selected:
                    row = _row(line)
                    if row is not None:
                        yield row
    except FileNotFoundError as exc:
        raise UpstreamError(f"{path.name} has not been downloaded yet", service=SERVICE) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise UpstreamError(
            f"{path.name} is corrupt or truncated ({_exc_detail(exc)}); download it again",
            service=SERVICE,
        ) from exc
