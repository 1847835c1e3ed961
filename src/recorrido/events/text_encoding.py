"""Which text encoding a file is in, decided before its first line (the header) is read, and the
checks every compressed or text file passes first: not empty, not truncated.

A file that is valid UTF-8 (with or without a byte-order mark) is read as it is. UTF-16 and UTF-32
are recognised by their byte-order mark or, without one, by the zero bytes of ASCII text. Any
other file is given to charset-normalizer: when its best guess is a Latin-script code page, the
file is read as cp1252 (Latin-1 where a byte is undefined in cp1252); otherwise (Cyrillic, Greek,
Asian encodings) the ingest stops and says which ``--encoding`` to try. A file that is not UTF-8 is
decoded once by Python into a UTF-8 copy in a scratch folder, which the engine then reads; every
message names the original file, never the copy. See ``docs/ingest-files.md``.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

from recorrido.errors import RecorridoError

#: Bytes looked at to decide the encoding (the header and the first rows of most files).
SAMPLE_BYTES = 1 << 20
_CHUNK = 1 << 20
#: Code pages of Latin-script text. charset-normalizer often names a neighbour of cp1252 for a
#: short Spanish or French sample (cp1250 for "Categoría"); any of these is taken as Western
#: European, which the report then states ("read as cp1252") so a person can correct it.
_LATIN_SCRIPT = {
    "cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_1", "iso8859_2", "iso8859_3",
    "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
    "iso8859_16", "mac_latin2", "mac_roman", "cp437", "cp775", "cp850", "cp857", "cp858",
}  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Encoding:
    """How to decode a file: ``codec`` is None when the engine can read the bytes as they are."""

    name: str
    codec: str | None = None
    detected: bool = False


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def open_bytes(path: Path):
    """The file's bytes, decompressed when it is gzip."""
    return gzip.open(path, "rb") if is_gzip(path) else path.open("rb")


def check_complete(path: Path) -> None:
    """Refuse an empty file, and a gzip file that ends before its last member does (a truncated
    download or copy), which the engine would otherwise read in part without a word."""
    if path.stat().st_size == 0:
        raise RecorridoError("events_file_empty", file=str(path))
    if not is_gzip(path):
        return
    produced = 0
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                produced += len(chunk)
    except EOFError as exc:
        raise RecorridoError("events_file_truncated", file=str(path)) from exc
    except (OSError, zlib.error) as exc:
        raise RecorridoError("events_file_corrupt", file=str(path), detail=str(exc)) from exc
    if produced == 0:
        raise RecorridoError("events_file_empty", file=str(path))


def decide_encoding(path: Path, requested: str | None) -> Encoding:
    """The encoding to read ``path`` with (``requested`` wins; otherwise detected)."""
    if requested:
        try:
            name = codecs.lookup(requested).name
        except LookupError as exc:
            raise RecorridoError("events_encoding_unknown", encoding=requested) from exc
        if name == "utf-8":
            return Encoding("utf-8")
        return Encoding(name, _with_bom_handling(name, path))
    with open_bytes(path) as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip():
        raise RecorridoError("events_file_empty", file=str(path))
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return Encoding(codec.replace("-sig", ""), codec, detected=True)
    wide = _utf16_without_bom(head)
    if wide:
        return Encoding(wide, wide, detected=True)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SAMPLE_BYTES)
    except UnicodeDecodeError:
        pass
    else:
        return Encoding("utf-8")
    if _mostly_utf8(head):
        # UTF-8 text with a few broken lines (a bad copy, a field pasted from elsewhere): read as
        # UTF-8, and the broken lines are quarantined one by one with their reason.
        return Encoding("utf-8")
    return _western_or_refuse(path, head)


def _mostly_utf8(head: bytes) -> bool:
    """Whether the bytes hold well-formed multi-byte UTF-8 characters and far fewer broken
    sequences (a Latin-1 file has no well-formed ones: an accented letter is one byte)."""
    text = head.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    well_formed = sum(1 for c in text if ord(c) > 127 and c != "\ufffd")
    return well_formed > 0 and broken * 4 <= well_formed


def _with_bom_handling(name: str, path: Path) -> str:
    if name == "utf-16" or name.startswith("utf-16"):
        with open_bytes(path) as handle:
            start = handle.read(2)
        if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
    return name


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: mostly ASCII, so every other byte is zero."""
    sample = head[:4096]
    if len(sample) < 4 or b"\0" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _western_or_refuse(path: Path, head: bytes) -> Encoding:
    from charset_normalizer import from_bytes

    guesses = [match.encoding for match in from_bytes(head)]
    if guesses and guesses[0] in _LATIN_SCRIPT:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:  # one of the five bytes cp1252 leaves undefined
            return Encoding("latin-1", "latin-1", detected=True)
        return Encoding("cp1252", "cp1252-or-latin-1", detected=True)
    raise RecorridoError(
        "events_not_utf8",
        file=str(path),
        guess=guesses[0] if guesses else "latin-1",
    )


def _cp1252_or_latin1(error: UnicodeDecodeError) -> tuple[str, int]:
    """Bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as Latin-1 reads them."""
    bad = error.object[error.start : error.end]
    return bad.decode("latin-1"), error.end


codecs.register_error("recorrido-latin-1", _cp1252_or_latin1)


def transcode(path: Path, encoding: Encoding, target: Path) -> Path:
    """Write ``path`` decoded with ``encoding`` to ``target`` as UTF-8 (line ends kept)."""
    codec, errors = encoding.codec or "utf-8", "strict"
    if codec == "cp1252-or-latin-1":
        codec, errors = "cp1252", "recorrido-latin-1"
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    line = 1
    try:
        with open_bytes(path) as source, target.open("w", encoding="utf-8", newline="") as out:
            while chunk := source.read(_CHUNK):
                text = decoder.decode(chunk)
                line += text.count("\n")
                out.write(text)
            out.write(decoder.decode(b"", final=True))
    except UnicodeError as exc:  # a decoding error, or UTF-16 without its byte-order mark
        raise RecorridoError(
            "events_encoding_mismatch", file=str(path), encoding=encoding.name, line=line
        ) from exc
    except (EOFError, OSError, zlib.error) as exc:
        raise RecorridoError("events_file_truncated", file=str(path)) from exc
    return target
