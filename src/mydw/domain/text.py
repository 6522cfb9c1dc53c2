"""Text that crosses a boundary: upstream text cleaned where it enters, secrets masked
where anything is shown (stdlib only).

- `clean_text`: terminal escape sequences (CSI, OSC, other ESC sequences) and control
  characters removed, length bounded. Applied where text from TMDB, OMDb or a chat model
  enters mydw, so no terminal, CSV or JSON ever sees them (the renderer cleans again as
  the last line of defence).
- `mask_secrets`: the password of every URL (`postgresql://u:***@h/db`), `password=...`
  pairs, and password hashes (argon2, bcrypt) hidden, for messages, logs and tracebacks.
"""

from __future__ import annotations

import re
import unicodedata

# Terminal escape sequences: CSI `ESC [ ... final`, OSC `ESC ] ... (BEL | ESC \)`, the
# 8-bit CSI (0x9b) and OSC (0x9d), and any other two-character `ESC x`.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b.?",
    re.DOTALL,
)
# Unicode's bidirectional overrides reorder what a terminal shows (a title that displays
# as something else): removed with the control characters.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

TITLE_MAX = 500
"""The longest title mydw keeps (TMDB's longest real titles are ~250 characters)."""
TEXT_MAX = 20_000
"""The longest overview or other free text mydw keeps."""


def clean_text(text: str | None, *, one_line: bool = True, max_length: int | None = None
               ) -> str:
    """`text` without escape sequences or control characters; tabs (and, for one line,
    newlines) become spaces, runs of spaces one space; at most `max_length` characters."""
    if not text:
        return ""
    if max_length is not None and len(text) > max_length * 4:
        text = text[: max_length * 4]  # bound the work before cleaning
    text = _ESCAPES.sub("", text)
    out = []
    for char in text:
        if char == "\n" and not one_line:
            out.append(char)
        elif char in "\t\r\n\x0b\x0c":
            out.append(" ")
        elif char in _BIDI or unicodedata.category(char) == "Cc":
            continue
        else:
            out.append(char)
    cleaned = "".join(out)
    if one_line:
        cleaned = " ".join(cleaned.split())
    else:
        lines = [" ".join(line.split()) for line in cleaned.split("\n")]
        cleaned = "\n".join(lines).strip()
    if max_length is not None and len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 1].rstrip() + "…"
    return cleaned


def clean_escapes(text: str) -> str:
    """`text` without escape sequences or control characters other than newline and tab;
    spacing is kept as it is (streamed fragments, a model's formatted reply)."""
    text = _ESCAPES.sub("", text)
    return "".join(c for c in text if c in "\n\t"
                   or (c not in _BIDI and unicodedata.category(c) != "Cc"))


def clean_optional(text: str | None, *, one_line: bool = True,
                   max_length: int | None = None) -> str | None:
    """`clean_text`, with None (and text that cleans to nothing) as None."""
    if text is None:
        return None
    return clean_text(text, one_line=one_line, max_length=max_length) or None


# --------------------------------------------------------------------------- secrets

MASK = "***"
# scheme://user:password@host — the password runs to the last `@` before the host.
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@'\"]*:)(?P<password>[^\s'\"]+)@"
    r"(?P<host>[^\s@'\"]*)(?=[\s'\"]|$)"
)
_PASSWORD_PAIR = re.compile(r"(?i)\b(password|passwd|pwd)(\s*[=:]\s*)(['\"]?)[^\s'\",;)]+\3")
_HASHES = re.compile(r"\$(?:argon2(?:id|i|d)|2[aby]?|scrypt|pbkdf2[\w-]*)\$[^\s'\")\]]+")


def mask_secrets(text: str) -> str:
    """`text` with URL passwords, `password=...` pairs and password hashes masked."""
    if not text:
        return text
    text = mask_url(text)
    text = _PASSWORD_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{MASK}"
                              f"{m.group(3)}", text)
    return _HASHES.sub("$…(hidden)", text)


def mask_url(url: str) -> str:
    """A URL with its password masked (`postgresql://u:***@h/db`); other text unchanged."""
    return _URL_PASSWORD.sub(lambda m: m.group("head") + MASK + "@" + m.group("host"), url)
