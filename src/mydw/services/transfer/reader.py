"""Reading export files safely: a plain file, a folder, or a ZIP read in memory.

Nothing is ever extracted to disk. Each file (a ZIP member or a plain file) is read as a
stream with a size cap, so a ZIP bomb or an endless file stops with a clear error; a CSV is
parsed row by row (a 100 MB file is never loaded whole). Member names that climb out of
the archive (`../x`, `/etc/x`, `C:\\x`) make the whole archive refused: nothing is imported
from a file crafted that way.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from mydw.domain.errors import InvalidInput

MAX_FILE_BYTES = 256 * 1024 * 1024  # one CSV/JSON file (plain or inside a ZIP)
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # every member of one ZIP together
MAX_MEMBERS = 10_000
MAX_JSON_BYTES = 128 * 1024 * 1024  # a JSON document is parsed whole
REPORT_SUFFIX = "-import-report.csv"

csv.field_size_limit(1024 * 1024)  # a review of 1 MB is plenty; bigger fields are an error


def bad_file(path: str, message: str, hint: str | None = None) -> InvalidInput:
    return InvalidInput(f"path {path}: {message}", parameter="path", hint=hint)


class _Capped(io.RawIOBase):
    """A binary stream that fails once more than `cap` bytes were read from it."""

    def __init__(self, inner: IO[bytes], cap: int, name: str, budget: list[int]) -> None:
        self._inner = inner
        self._cap = cap
        self._name = name
        self._read = 0
        self._budget = budget  # shared remaining total (ZIP), a one-element list

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._read += len(data)
        self._budget[0] -= len(data)
        if self._read > self._cap:
            raise bad_file(self._name, f"is larger than {self._cap // (1024 * 1024)} MB "
                           "uncompressed (a ZIP bomb?); nothing was imported")
        if self._budget[0] < 0:
            raise bad_file(self._name, "the archive holds more than "
                           f"{MAX_TOTAL_BYTES // (1024 * 1024)} MB uncompressed; nothing "
                           "was imported")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


@dataclass(frozen=True)
class Member:
    """One file of an export: `name` relative to the archive or folder (POSIX form)."""

    name: str
    label: str  # for messages: "export.zip:watched.csv"
    _open: Any
    size: int | None = None

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name.lower()

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(p.lower() for p in PurePosixPath(self.name).parts)

    def open(self) -> IO[bytes]:
        stream: IO[bytes] = self._open()
        return stream


def _safe_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\x00" in name:
        return False
    if len(name) > 1 and name[1] == ":":  # C:\...
        return False
    parts = name.replace("\\", "/").split("/")
    return ".." not in parts


def members(path: Path) -> list[Member]:
    """The files of `path`: itself, the files of a folder (any depth), or a ZIP's members."""
    shown = str(path)
    if path.is_dir():
        found = []
        for child in sorted(path.rglob("*")):
            if child.is_file() and not child.is_symlink() and not _report(child.name):
                rel = child.relative_to(path).as_posix()
                found.append(_plain(child, rel, f"{shown}/{rel}"))
        return found
    if not path.exists():
        raise bad_file(shown, "does not exist")
    if not path.is_file():
        raise bad_file(shown, "is not a file")
    if zipfile.is_zipfile(path):
        return _zip_members(path)
    return [_plain(path, path.name, shown)]


def _report(name: str) -> bool:
    """Our own report CSVs (`x-import-report.csv`) are never read as input."""
    return name.endswith(REPORT_SUFFIX)


def _plain(path: Path, name: str, label: str) -> Member:
    def opener() -> IO[bytes]:
        try:
            raw = path.open("rb")
        except OSError as exc:
            raise bad_file(label, f"cannot be read: {exc.strerror or exc}") from exc
        return io.BufferedReader(_Capped(raw, MAX_FILE_BYTES, label, [MAX_TOTAL_BYTES]))

    size = path.stat().st_size
    return Member(name, label, opener, size)


def _zip_members(path: Path) -> list[Member]:
    shown = str(path)
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise bad_file(shown, f"is not a readable ZIP archive ({exc})") from exc
    if len(infos) > MAX_MEMBERS:
        raise bad_file(shown, f"holds more than {MAX_MEMBERS} files; nothing was imported")
    for info in infos:
        if not _safe_name(info.filename):
            raise bad_file(shown, f"holds a file named {info.filename!r} that points outside "
                           "the archive; nothing was imported", hint="export the file again")
    budget = [MAX_TOTAL_BYTES]
    found = []
    for info in infos:
        if info.is_dir():
            continue
        if info.file_size > MAX_FILE_BYTES:
            raise bad_file(f"{shown}:{info.filename}", f"is larger than "
                           f"{MAX_FILE_BYTES // (1024 * 1024)} MB uncompressed (a ZIP bomb?); "
                           "nothing was imported")

        def opener(info: zipfile.ZipInfo = info) -> IO[bytes]:
            label = f"{shown}:{info.filename}"
            try:
                inner = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                raise bad_file(label, f"cannot be read ({exc})") from exc
            return io.BufferedReader(_Capped(inner, MAX_FILE_BYTES, label, budget))

        found.append(Member(info.filename, f"{shown}:{info.filename}", opener, info.file_size))
    return found


# --------------------------------------------------------------------------- CSV


class CsvRows:
    """A CSV file read row by row as dicts keyed by stripped header names.

    `header` is the first non-empty line's names; `line` is the line number of the row
    being read. Decoding is strict UTF-8 (a BOM is dropped): a file in another encoding
    stops with a clear error naming the line.
    """

    def __init__(self, member: Member, *, skip_lines: int = 0) -> None:
        self.member = member
        self.skip_lines = skip_lines
        self.header: list[str] = []
        self.line = 0

    def __iter__(self) -> Iterator[dict[str, str]]:
        label = self.member.label
        with self.member.open() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
            lines = _numbered(text, label, self)
            reader = csv.reader(lines)
            try:
                for _ in range(self.skip_lines):
                    next(reader, None)
                for row in reader:
                    if any(cell.strip() for cell in row):
                        self.header = [name.strip().lstrip("\ufeff") for name in row]
                        break
                else:
                    raise bad_file(label, "is empty")
                for row in reader:
                    if not any(cell.strip() for cell in row):
                        continue
                    yield {name: (row[i].strip() if i < len(row) else "")
                           for i, name in enumerate(self.header) if name}
            except csv.Error as exc:
                raise bad_file(label, f"line {self.line}: not a CSV file ({exc})") from exc

    def require(self, *names: str) -> None:
        missing = [n for n in names if n not in self.header]
        if missing:
            raise bad_file(self.member.label, "is missing the column(s) "
                           + ", ".join(repr(n) for n in missing)
                           + f" (its header is {','.join(self.header)!r})")


def _numbered(text: io.TextIOWrapper, label: str, owner: CsvRows) -> Iterator[str]:
    try:
        for line in text:
            owner.line += 1
            if "\x00" in line:
                raise bad_file(label, f"line {owner.line}: binary data, not a CSV file")
            yield line
    except UnicodeDecodeError as exc:
        raise bad_file(label, f"line {owner.line + 1}: not UTF-8 text ({exc.reason})",
                       hint="save the file as UTF-8 and import it again") from exc


def first_line(member: Member) -> str:
    """The first line of a text file (for telling formats apart), '' when unreadable."""
    with member.open() as raw:
        head = raw.read(4096)
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    return decoder.decode(head).splitlines()[0] if head.strip() else ""


def read_json(member: Member) -> Any:
    """A JSON document (capped at MAX_JSON_BYTES), strict UTF-8."""
    label = member.label
    with member.open() as raw:
        data = raw.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise bad_file(label, f"is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise bad_file(label, "is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad_file(label, f"is not UTF-8 text ({exc.reason})") from exc
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise bad_file(label, f"is not valid JSON ({exc})") from exc
