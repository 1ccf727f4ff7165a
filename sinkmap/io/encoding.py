"""Which text encoding a Shapefile's attribute table (.dbf) uses.

Shapefiles from Chinese offices are usually GBK and often come without the ``.cpg`` file that says so;
GDAL then assumes ISO-8859-1 and 杉木 turns into ``É¼Ä¾`` without any error. This module weighs three
pieces of evidence, best first:

1. the ``.cpg`` file (``GBK``, ``936``, ``UTF-8``, ``65001`` ...), checked against the bytes;
2. the bytes themselves: text fields (and field names) of a sample of records. Chinese text in UTF-8
   is valid UTF-8 and — since UTF-8 has a rigid multi-byte structure — GBK text almost never is, so
   "decodes strictly as UTF-8 and has multi-byte characters" means UTF-8; otherwise "decodes strictly
   as GB18030 (a superset of GBK and GB2312) and the non-ASCII characters are Chinese" means GBK;
3. the DBF language-driver byte (LDID, header offset 29): 0x4D / 0x7A mean code page 936 (GBK) in
   Esri's table; 0x57 means "the writer's ANSI code page", which says nothing by itself.

:func:`detect_dbf_encoding` never raises for odd content: it returns its best guess, a confidence in
[0, 1], where the guess came from, and — when a ``.cpg`` or LDID contradicts the bytes — ``conflict``
set, so that the reader can refuse with a clear message and the import dialog can offer the fix.
"""

from __future__ import annotations

import codecs
import struct
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

#: Names found in .cpg files (upper case, without spaces, '-' and '_') -> canonical encoding name.
_CPG_NAMES = {
    "UTF8": "UTF-8", "65001": "UTF-8",
    "GBK": "GBK", "936": "GBK", "CP936": "GBK", "MS936": "GBK", "WINDOWS936": "GBK",
    "GB2312": "GBK", "EUCCN": "GBK", "20936": "GBK",
    "GB18030": "GB18030", "54936": "GB18030",
    "BIG5": "BIG5", "950": "BIG5", "CP950": "BIG5",
    "1252": "CP1252", "CP1252": "CP1252", "ANSI1252": "CP1252", "WINDOWS1252": "CP1252",
    "88591": "ISO-8859-1", "ISO88591": "ISO-8859-1", "LATIN1": "ISO-8859-1",
    "437": "CP437", "CP437": "CP437", "932": "CP932", "CP932": "CP932", "SHIFTJIS": "CP932",
    "SJIS": "CP932", "949": "CP949", "CP949": "CP949",
}
#: .cpg contents that name no particular encoding ("whatever the system uses").
_CPG_VAGUE = {"", "SYSTEM", "OEM", "ANSI", "DEFAULT"}

#: DBF language-driver IDs -> code page, after Esri's "code page / language driver" table (ArcPad
#: reference guide, locales). Only IDs that name one code page are listed; 0x57 ("ANSI") and 0x00 are
#: deliberately absent: they mean "the code page of the machine that wrote it".
LDID_CODEPAGES = {
    0x01: "CP437", 0x02: "CP850", 0x03: "CP1252", 0x4D: "GBK", 0x4E: "CP949", 0x4F: "BIG5",
    0x58: "CP1252", 0x59: "CP1252", 0x64: "CP852", 0x65: "CP866", 0x78: "BIG5", 0x79: "CP949",
    0x7A: "GBK", 0x7B: "CP932", 0xC8: "CP1250", 0xC9: "CP1251", 0xCA: "CP1254", 0xCB: "CP1253",
    0xCC: "CP1257",
}

#: How many records (at most) are sampled from the .dbf, and how many bytes at most.
SAMPLE_RECORDS = 5000
SAMPLE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding to read a .dbf with, and how sure we are.

    ``encoding``: canonical name to pass on (``'UTF-8'``, ``'GBK'``, ``'GB18030'``, ``'CP1252'``...).
    ``source``: ``'cpg'``, ``'content'``, ``'ldid'``, ``'default'`` or ``'user'``.
    ``declared``: what the .cpg (or LDID) said, if anything. ``conflict``: the declared encoding
    cannot decode the bytes (e.g. a .cpg saying UTF-8 on a GBK file). ``samples``: a few decoded
    non-ASCII values, to show the user.
    """

    encoding: str
    confidence: float
    source: str
    detail: str
    declared: str | None = None
    conflict: bool = False
    samples: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.encoding} ({self.source}, {self.confidence:.0%})"


def normalise_encoding(name: str) -> str | None:
    """Canonical name for an encoding as written in a .cpg file or typed by a user; None if unknown.

    ``'936'``, ``'CP936'``, ``'gb2312'`` -> ``'GBK'``; ``'65001'``, ``'utf8'`` -> ``'UTF-8'``.
    """
    key = name.strip().upper().replace(" ", "").replace("-", "").replace("_", "")
    if key in _CPG_NAMES:
        return _CPG_NAMES[key]
    if key in _CPG_VAGUE:
        return None
    candidates = [name.strip()] + ([f"cp{key}"] if key.isdigit() else [])
    for candidate in candidates:
        try:
            return codecs.lookup(candidate).name.upper()
        except LookupError:
            continue
    return None


def reading_codec(encoding: str) -> str:
    """The codec to decode with: GB18030 for the GB family (a strict superset of GBK and GB2312, so
    files labelled GBK that contain a rarer character still read), else the encoding itself."""
    return "GB18030" if encoding.upper() in ("GBK", "GB2312", "CP936") else encoding


def _find_sidecar(path: Path, ext: str) -> Path | None:
    """``<stem>.<ext>`` next to ``path``, whatever the case of the extension."""
    exact = path.with_suffix(ext)
    if exact.exists():
        return exact
    if not path.parent.is_dir():
        return None
    wanted = (path.stem + ext).lower()
    for p in path.parent.iterdir():
        if p.name.lower() == wanted:
            return p
    return None


def read_cpg(path: str | Path) -> tuple[str | None, str | None]:
    """(raw text of the .cpg beside ``path``, its canonical encoding or None); (None, None) if absent."""
    cpg = _find_sidecar(Path(path), ".cpg")
    if cpg is None:
        return None, None
    raw = cpg.read_bytes()[:200].decode("ascii", errors="replace").strip()
    return raw, normalise_encoding(raw)


@dataclass
class _DbfSample:
    ldid: int
    n_records: int
    n_sampled: int
    values: list[bytes]  # raw text values (field names first), trailing blanks stripped
    truncated: list[bool]  # value filled its whole field: a cut multi-byte character is allowed


def _read_dbf_sample(dbf: Path) -> _DbfSample:
    """Text bytes of the character fields of the first records (bounded), and the LDID byte."""
    with open(dbf, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            raise ValueError("the .dbf header is shorter than 32 bytes")
        n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        descriptors = f.read(max(0, header_len - 32))
        fields: list[tuple[int, int]] = []  # (offset in record, length) of 'C' fields
        values: list[bytes] = []
        truncated: list[bool] = []
        offset = 1  # the deletion flag
        for i in range(0, len(descriptors) - 31, 32):
            desc = descriptors[i:i + 32]
            if desc[0] == 0x0D:
                break
            name = desc[:11].split(b"\x00", 1)[0]
            values.append(name)
            truncated.append(False)
            ftype, flen = chr(desc[11]), desc[16]
            if ftype == "C":
                flen += desc[17] * 256  # some writers store long text lengths in the 'decimals' byte
                fields.append((offset, flen))
            offset += flen
        if record_len <= 0:
            return _DbfSample(head[29], n_records, 0, values, truncated)
        n_sample = min(n_records, SAMPLE_RECORDS, max(1, SAMPLE_BYTES // record_len))
        f.seek(header_len)
        block = f.read(n_sample * record_len)
    n_sampled = len(block) // record_len
    for r in range(n_sampled):
        rec = block[r * record_len:(r + 1) * record_len]
        if rec[:1] == b"*":  # deleted record
            continue
        for off, flen in fields:
            raw = rec[off:off + flen]
            value = raw.rstrip(b" \x00")
            if value:
                values.append(value)
                truncated.append(len(value) == flen)
    return _DbfSample(head[29], n_records, n_sampled, values, truncated)


_DBF_DTYPES = {"C": "object", "N": "float64", "F": "float64", "L": "bool", "D": "datetime64[ms]",
               "I": "int32", "M": "object"}


def dbf_field_dtypes(dbf: str | Path, codec: str = "UTF-8") -> dict[str, str]:
    """Field names and approximate pandas dtypes from a .dbf header (no records read). Used when
    GDAL refuses to open the layer for another reason (an unreadable .prj)."""
    with open(dbf, "rb") as f:
        head = f.read(32)
        header_len = struct.unpack("<H", head[8:10])[0]
        descriptors = f.read(max(0, header_len - 32))
    out: dict[str, str] = {}
    for i in range(0, len(descriptors) - 31, 32):
        desc = descriptors[i:i + 32]
        if desc[0] == 0x0D:
            break
        name = desc[:11].split(b"\x00", 1)[0].decode(reading_codec(codec), errors="replace")
        ftype = chr(desc[11])
        out[name] = "int64" if ftype == "N" and desc[17] == 0 else _DBF_DTYPES.get(ftype, "object")
    return out


def _decodes(values: list[bytes], truncated: list[bool], codec: str) -> tuple[bool, list[str]]:
    """Do all values decode strictly with ``codec``? Returns (ok, decoded non-ASCII values)."""
    decoded: list[str] = []
    for value, cut in zip(values, truncated):
        if value.isascii():
            continue
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        try:
            text = decoder.decode(value, final=not cut)
        except UnicodeDecodeError:
            return False, decoded
        decoded.append(text)
    return True, decoded


def _chinese_ratio(texts: list[str]) -> float:
    """Share of non-ASCII characters that are CJK ideographs or CJK/full-width punctuation."""
    total = chinese = 0
    for text in texts:
        for ch in text:
            if ord(ch) < 128:
                continue
            total += 1
            if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\u3000" <= ch <= "\u303f" \
                    or "\uff00" <= ch <= "\uffef" or unicodedata.name(ch, "").startswith("CJK"):
                chinese += 1
    return chinese / total if total else 0.0


def _samples(texts: list[str], n: int = 5) -> tuple[str, ...]:
    seen: list[str] = []
    for text in texts:
        if text not in seen:
            seen.append(text)
        if len(seen) >= n:
            break
    return tuple(seen)


def _guess_from_content(sample: _DbfSample) -> EncodingGuess | None:
    """UTF-8, then the LDID's code page, then GB18030; None when only ASCII was found."""
    vals, cut = sample.values, sample.truncated
    if all(v.isascii() for v in vals):
        return None
    ok, texts = _decodes(vals, cut, "utf-8")
    if ok:
        n = sum(1 for t in texts for ch in t if ord(ch) > 127)
        conf = 0.99 if n >= 3 else 0.8
        return EncodingGuess("UTF-8", conf, "content",
                             f"the text decodes as UTF-8 ({n} multi-byte characters)",
                             samples=_samples(texts))
    ldid_cp = LDID_CODEPAGES.get(sample.ldid)
    if ldid_cp and ldid_cp != "GBK":
        ok, texts = _decodes(vals, cut, reading_codec(ldid_cp))
        if ok:
            return EncodingGuess(ldid_cp, 0.85, "ldid",
                                 f"the DBF language driver 0x{sample.ldid:02X} says {ldid_cp} and "
                                 "the text decodes with it", samples=_samples(texts))
    ok, texts = _decodes(vals, cut, "gb18030")
    if ok:
        ratio = _chinese_ratio(texts)
        conf = 0.95 if ratio >= 0.9 else (0.7 if ratio >= 0.5 else 0.4)
        detail = f"the text decodes as GBK/GB18030 and {ratio:.0%} of its non-ASCII characters are Chinese"
        if ldid_cp == "GBK":
            conf = min(0.99, conf + 0.04)
            detail += f"; the DBF language driver 0x{sample.ldid:02X} says code page 936 (GBK)"
        return EncodingGuess("GBK", conf, "content", detail, samples=_samples(texts))
    ok, texts = _decodes(vals, cut, "cp1252")
    if ok:
        return EncodingGuess("CP1252", 0.3, "content",
                             "the text is neither UTF-8 nor GBK; Windows-1252 reads it",
                             samples=_samples(texts))
    return EncodingGuess("ISO-8859-1", 0.1, "default",
                         "the text matches no common encoding; read byte by byte as ISO-8859-1")


_SINGLE_BYTE_WESTERN = {"CP1252", "ISO-8859-1", "LATIN-1", "CP437", "CP850"}


def _contradicts(declared: str, content: EncodingGuess | None) -> bool:
    """Bytes that *decode* with the declared encoding can still be the wrong one: UTF-8 Chinese is
    valid GB18030 (as other characters: 杉木 -> 鏉夋湪), and a Western single-byte code page
    decodes anything. Only strong content evidence overrides the .cpg."""
    if content is None:
        return False
    if content.encoding == "UTF-8" and declared != "UTF-8":
        return content.confidence >= 0.99
    if content.encoding == "GBK" and declared in _SINGLE_BYTE_WESTERN:
        return content.confidence >= 0.95
    return False


def detect_dbf_encoding(path: str | Path) -> EncodingGuess:
    """Best encoding for the .dbf of Shapefile ``path`` (the .shp or the .dbf itself); see module doc."""
    path = Path(path)
    dbf = path if path.suffix.lower() == ".dbf" else _find_sidecar(path, ".dbf")
    cpg_raw, cpg_enc = read_cpg(path)
    if dbf is None:
        return EncodingGuess(cpg_enc or "UTF-8", 0.0, "default", "no .dbf file: no text to examine",
                             declared=cpg_raw)
    try:
        sample = _read_dbf_sample(dbf)
    except (OSError, ValueError, struct.error) as err:
        return EncodingGuess(cpg_enc or "UTF-8", 0.0, "default", f"the .dbf could not be examined: {err}",
                             declared=cpg_raw)
    content = _guess_from_content(sample)
    if cpg_enc is not None:
        ok, texts = _decodes(sample.values, sample.truncated, reading_codec(cpg_enc))
        if ok and not _contradicts(cpg_enc, content):
            return EncodingGuess(cpg_enc, 1.0, "cpg", f"the .cpg file says {cpg_raw!r}",
                                 declared=cpg_raw, samples=_samples(texts))
        best = content or EncodingGuess("UTF-8", 0.0, "default", "")
        return EncodingGuess(best.encoding, best.confidence, best.source,
                             f"the .cpg file says {cpg_raw!r} but the text is not valid {cpg_enc}; "
                             + best.detail, declared=cpg_raw, conflict=True, samples=best.samples)
    vague = f"; the .cpg file ({cpg_raw!r}) names no particular encoding" if cpg_raw is not None else ""
    if content is not None:
        return EncodingGuess(content.encoding, content.confidence, content.source,
                             content.detail + vague, declared=cpg_raw, samples=content.samples)
    ldid_cp = LDID_CODEPAGES.get(sample.ldid)
    complete = sample.n_sampled >= sample.n_records
    conf = 1.0 if complete else 0.9
    why = "all text is ASCII, which every encoding reads the same"
    if not complete:
        why += f" (in the first {sample.n_sampled} of {sample.n_records} records)"
    if ldid_cp:
        return EncodingGuess(ldid_cp, conf, "ldid", f"{why}; the DBF language driver says {ldid_cp}",
                             declared=cpg_raw)
    return EncodingGuess("UTF-8", conf, "content", why, declared=cpg_raw)
