"""ImdbDatasetsClient (download, conditional GET, atomic replace) and iter_ratings."""

from __future__ import annotations

import gzip
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from tests.fakes.imdb_datasets import corrupt_gz, make_ratings_gz

from mydw.clients.imdb_datasets import (
    ImdbDatasetsClient,
    iter_ratings,
    meta_path,
    verify_ratings_gz,
)
from mydw.domain.errors import UpstreamError

ROWS: list[tuple[str, float | None, int | None]] = [
    ("tt0000101", 5.7, 2015),
    ("tt0000102", None, None),
    ("tt1234567", 8.4, 1200345),
]
GZ = make_ratings_gz(ROWS)
ETAG = '"abc-1"'
LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


class Server:
    """MockTransport handler: serves GZ with validators, 304 on a matching ETag."""

    def __init__(self, body: bytes = GZ, status: int = 200) -> None:
        self.body = body
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("if-none-match") == ETAG:
            return httpx.Response(304, headers={"ETag": ETAG})
        return httpx.Response(
            self.status,
            content=self.body,
            headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED},
        )


def client(server: Server, now: float | None = None) -> ImdbDatasetsClient:
    return ImdbDatasetsClient(
        base_url="https://datasets.test",
        transport=httpx.MockTransport(server),
        sleep=lambda s: None,
        clock=(lambda: now) if now is not None else time.time,
    )


def test_first_download_writes_file_and_sidecar(tmp_path: Path) -> None:
    server = Server()
    dest = tmp_path / "cache" / "title.ratings.tsv.gz"
    result = client(server).download_ratings(dest, max_age=timedelta(days=1))
    assert result.downloaded is True and result.status == "downloaded"
    assert dest.read_bytes() == GZ and result.size == len(GZ)
    assert server.requests[0].url.path == "/title.ratings.tsv.gz"
    assert "if-none-match" not in server.requests[0].headers
    assert server.requests[0].headers["accept-encoding"] == "identity"
    meta = json.loads(meta_path(dest).read_text())
    assert meta["etag"] == ETAG and meta["last_modified"] == LAST_MODIFIED
    assert [p.name for p in dest.parent.iterdir() if p.suffix == ".part"] == []


def test_second_download_is_conditional_and_304_keeps_file(tmp_path: Path) -> None:
    server = Server()
    dest = tmp_path / "title.ratings.tsv.gz"
    c = client(server)
    c.download_ratings(dest, max_age=None)
    mtime = dest.stat().st_mtime_ns
    result = c.download_ratings(dest, max_age=None)
    assert result.downloaded is False and result.status == "not-modified"
    headers = server.requests[1].headers
    assert headers["if-none-match"] == ETAG
    assert headers["if-modified-since"] == LAST_MODIFIED
    assert dest.stat().st_mtime_ns == mtime


def test_fresh_copy_makes_no_request(tmp_path: Path) -> None:
    server = Server()
    dest = tmp_path / "title.ratings.tsv.gz"
    client(server, now=1_000_000.0).download_ratings(dest, max_age=None)
    result = client(server, now=1_000_000.0 + 3600).download_ratings(
        dest, max_age=timedelta(hours=2)
    )
    assert result.status == "fresh" and result.downloaded is False
    assert len(server.requests) == 1
    result = client(server, now=1_000_000.0 + 3 * 3600).download_ratings(
        dest, max_age=timedelta(hours=2)
    )
    assert result.status == "not-modified"
    assert len(server.requests) == 2


def test_fresh_check_falls_back_to_mtime_without_sidecar(tmp_path: Path) -> None:
    server = Server()
    dest = tmp_path / "title.ratings.tsv.gz"
    dest.write_bytes(GZ)
    old = time.time() - 10 * 86400
    os.utime(dest, (old, old))
    result = client(server).download_ratings(dest, max_age=timedelta(days=1))
    assert result.status == "downloaded"  # stale, no validators → plain GET
    assert "if-none-match" not in server.requests[0].headers


def test_corrupt_gzip_keeps_previous_copy(tmp_path: Path) -> None:
    dest = tmp_path / "title.ratings.tsv.gz"
    client(Server()).download_ratings(dest, max_age=None)
    meta_path(dest).unlink()  # force an unconditional GET
    bad = Server(body=corrupt_gz(make_ratings_gz(ROWS * 50)))
    with pytest.raises(UpstreamError) as info:
        client(bad).download_ratings(dest, max_age=None)
    assert "corrupt gzip" in str(info.value)
    assert dest.read_bytes() == GZ
    assert sorted(p.name for p in tmp_path.iterdir()) == ["title.ratings.tsv.gz"]


@pytest.mark.parametrize(
    "body",
    [
        GZ[: len(GZ) // 2],  # truncated
        b"<html>not gzip</html>",
        gzip.compress(b"tconst\ttitleType\n", mtime=0),  # wrong file
    ],
)
def test_bad_downloads_are_rejected_without_a_file(tmp_path: Path, body: bytes) -> None:
    dest = tmp_path / "title.ratings.tsv.gz"
    with pytest.raises(UpstreamError):
        client(Server(body=body)).download_ratings(dest, max_age=None)
    assert list(tmp_path.iterdir()) == []


def test_server_error_is_upstream_error(tmp_path: Path) -> None:
    server = Server(status=503, body=b"busy")
    with pytest.raises(UpstreamError, match="IMDb datasets is having trouble"):
        client(server).download_ratings(tmp_path / "r.tsv.gz", max_age=None)
    assert len(server.requests) == 5  # retried, bounded


def test_iter_ratings_all_rows_and_nulls(tmp_path: Path) -> None:
    path = tmp_path / "r.tsv.gz"
    path.write_bytes(GZ)
    assert list(iter_ratings(path)) == ROWS


def test_iter_ratings_wanted_subset_and_malformed_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.tsv.gz"
    tsv = "tconst\taverageRating\tnumVotes\ntt1\t7.0\t10\nbroken line\ntt2\t\\N\t5\r\ntt3\t1.0"
    path.write_bytes(gzip.compress(tsv.encode()))
    # "tt3\t1.0" has two columns: malformed, skipped; "\r\n" endings are tolerated.
    assert list(iter_ratings(path, {"tt2", "tt3", "tt9"})) == [("tt2", None, 5)]
    assert list(iter_ratings(path, set())) == []
    assert [r[0] for r in iter_ratings(path)] == ["tt1", "tt2"]


def test_iter_ratings_corrupt_or_missing(tmp_path: Path) -> None:
    truncated = tmp_path / "t.tsv.gz"
    truncated.write_bytes(make_ratings_gz(ROWS * 200)[:-30])
    with pytest.raises(UpstreamError, match="corrupt or truncated"):
        list(iter_ratings(truncated))
    not_gz = tmp_path / "n.tsv.gz"
    not_gz.write_bytes(b"tconst\taverageRating\tnumVotes\n")
    with pytest.raises(UpstreamError):
        list(iter_ratings(not_gz))
    with pytest.raises(UpstreamError, match="not been downloaded"):
        list(iter_ratings(tmp_path / "missing.tsv.gz"))
    wrong = tmp_path / "w.tsv.gz"
    wrong.write_bytes(gzip.compress(b"a\tb\n"))
    with pytest.raises(UpstreamError, match="bad header"):
        list(iter_ratings(wrong))


def test_verify_ratings_gz(tmp_path: Path) -> None:
    good = tmp_path / "g.gz"
    good.write_bytes(GZ)
    verify_ratings_gz(good)
    bad = tmp_path / "b.gz"
    bad.write_bytes(corrupt_gz(make_ratings_gz(ROWS * 50)))
    with pytest.raises(UpstreamError):
        verify_ratings_gz(bad)


def test_iter_ratings_finds_every_wanted_id_in_a_large_file(tmp_path: Path) -> None:
    """200,000 rows, 2,000 wanted ids spread through them: each is found once, with its
    values. (How fast: benchmarks/refresh_dataset.py times iter_ratings on 1.6 M rows.)"""
    n = 200_000
    lines = ["tconst\taverageRating\tnumVotes\n"]
    lines += [f"tt{i * 7 + 1:07d}\t{(i % 91 + 10) / 10:.1f}\t{i % 5000 + 5}\n" for i in range(n)]
    path = tmp_path / "big.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        fh.write("".join(lines))
    picked = range(0, n, n // 2_000)
    wanted = {f"tt{i * 7 + 1:07d}" for i in picked}
    found = {row[0]: row[1:] for row in iter_ratings(path, wanted)}
    assert set(found) == wanted
    i = picked[-1]
    assert found[f"tt{i * 7 + 1:07d}"] == ((i % 91 + 10) / 10, i % 5000 + 5)
