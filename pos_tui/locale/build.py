"""Compile the gettext catalogs (``<lang>/LC_MESSAGES/pos_tui.po`` -> ``.mo``) and list the messages
the code asks for. Run ``python -m pos_tui.locale.build`` after editing a ``.po``; both files are
committed, and a test fails when a ``.mo`` is older than its ``.po`` or a message has no translation.
``python -m pos_tui.locale.build --missing`` prints the entries the zh_CN catalog lacks, with empty
msgstrs, ready to append to the ``.po`` and translate.

The ``.mo`` layout (GNU gettext, little-endian, no hash table, which Python's gettext never reads;
the bytes equal ``msgfmt --no-hash``'s):
a 28-byte header, then the table of (length, offset) for each msgid sorted by bytes, the same
table for the msgstrs, then the NUL-terminated strings. A plural entry keys on
``singular NUL plural`` and stores its forms joined by NUL.
"""

from __future__ import annotations

import ast
import string
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = LOCALE_DIR.parent
DOMAIN = "pos_tui"
MO_MAGIC = 0x950412DE
# The calls whose literal arguments are msgids: name -> how many leading arguments are msgids.
MARKERS = {"_": 1, "N_": 1, "ngettext": 2, "pgettext": 2, "NP_": 2}
# The context and the msgid of a pgettext() message are one key, joined as GNU gettext joins them.
CONTEXT_SEPARATOR = "\x04"


class CatalogError(ValueError):
    """A .po file that cannot be read, or a message call the extractor cannot take; names the place."""


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: tuple[str, ...]  # one string, or one per plural form
    msgid_plural: str | None = None
    fuzzy: bool = False
    msgctxt: str | None = None  # pgettext's context: one English word, two meanings

    @property
    def key(self) -> tuple[str, str | None]:
        msgid = self.msgid if self.msgctxt is None else f"{self.msgctxt}{CONTEXT_SEPARATOR}{self.msgid}"
        return msgid, self.msgid_plural

    @property
    def translated(self) -> bool:
        return not self.fuzzy and all(self.msgstr)


def _unquote(literal: str, where: str) -> str:
    if not (len(literal) >= 2 and literal[0] == literal[-1] == '"'):
        raise CatalogError(f"{where}: expected a quoted string, got {literal!r}")
    try:
        value = ast.literal_eval(literal)
    except (SyntaxError, ValueError) as exc:
        raise CatalogError(f"{where}: bad string {literal!r} ({exc})") from None
    return value


def parse_po(text: str, name: str = "<po>") -> list[Entry]:
    """Entries of a .po file in file order (comments and obsolete ``#~`` entries skipped)."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    current: str | None = None

    def finish(line_no: int) -> None:
        nonlocal fields, flags, current
        if fields:
            if "msgid" not in fields:
                raise CatalogError(f"{name}:{line_no}: an entry without msgid")
            plural = fields.get("msgid_plural")
            if plural is None:
                if "msgstr" not in fields:
                    raise CatalogError(f"{name}:{line_no}: msgid {fields['msgid']!r} has no msgstr")
                msgstr: tuple[str, ...] = (fields["msgstr"],)
            else:
                forms = sorted((int(key[7:-1]), value) for key, value in fields.items() if key.startswith("msgstr["))
                if [index for index, _ in forms] != list(range(len(forms))) or not forms:
                    raise CatalogError(f"{name}:{line_no}: msgid {fields['msgid']!r} needs msgstr[0], msgstr[1], ...")
                msgstr = tuple(value for _, value in forms)
            entries.append(Entry(fields["msgid"], msgstr, plural, "fuzzy" in flags, fields.get("msgctxt")))
        fields, flags, current = {}, set(), None

    lines = text.splitlines()
    for line_no, raw in enumerate(lines, start=1):
        line = raw.strip()
        where = f"{name}:{line_no}"
        if not line:
            finish(line_no)
        elif line.startswith("#,"):
            flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if current is None:
                raise CatalogError(f"{where}: a continued string outside an entry")
            fields[current] += _unquote(line, where)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgid", "msgctxt") and "msgid" in fields:
                finish(line_no)
            if keyword not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not (
                keyword.startswith("msgstr[") and keyword.endswith("]") and keyword[7:-1].isdigit()
            ):
                raise CatalogError(f"{where}: unknown keyword {keyword!r}")
            if keyword in fields:
                raise CatalogError(f"{where}: {keyword} appears twice in one entry")
            fields[keyword] = _unquote(rest.strip(), where)
            current = keyword
    finish(len(lines))
    seen: set[tuple[str, str | None]] = set()
    for entry in entries:
        if entry.key in seen:
            raise CatalogError(f"{name}: msgid {entry.msgid!r} appears twice")
        seen.add(entry.key)
    return entries


def compile_mo(entries: Iterable[Entry]) -> bytes:
    """The .mo bytes of the translated entries (fuzzy and empty ones are left out, as msgfmt does;
    the header entry, msgid "", is kept)."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.msgid and not entry.translated:
            continue
        msgid = entry.key[0]
        key = msgid if entry.msgid_plural is None else f"{msgid}\0{entry.msgid_plural}"
        pairs[key.encode("utf-8")] = "\0".join(entry.msgstr).encode("utf-8")
    keys = sorted(pairs)
    count = len(keys)
    ids_table, strs_table = 7 * 4, 7 * 4 + count * 8
    data_start = strs_table + count * 8
    ids = b"".join(key + b"\0" for key in keys)
    strs = b"".join(pairs[key] + b"\0" for key in keys)
    id_offsets, str_offsets, offset = [], [], data_start
    for key in keys:
        id_offsets += [len(key), offset]
        offset += len(key) + 1
    for key in keys:
        str_offsets += [len(pairs[key]), offset]
        offset += len(pairs[key]) + 1
    # hash table: size 0, placed where the strings start (as GNU msgfmt --no-hash writes it)
    header = struct.pack("<7I", MO_MAGIC, 0, count, ids_table, strs_table, 0, data_start)
    return header + struct.pack(f"<{4 * count}I", *id_offsets, *str_offsets) + ids + strs


def placeholders(text: str) -> set[str]:
    """The named ``{fields}`` of a message (what ``.format()`` fills in)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@dataclass(frozen=True)
class Use:
    msgid: str
    msgid_plural: str | None
    where: str

    @property
    def key(self) -> tuple[str, str | None]:
        return self.msgid, self.msgid_plural


def used_messages(paths: Iterable[Path]) -> list[Use]:
    """Every literal msgid passed to ``_``, ``N_`` or ``ngettext`` in the given Python files.
    A formatted string (f"...") inside a marker is an error: it cannot be in any catalog."""
    uses: list[Use] = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        shown = path.relative_to(PACKAGE_DIR.parent) if path.is_relative_to(PACKAGE_DIR.parent) else path
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS):
                continue
            where = f"{shown}:{node.lineno}"
            args = node.args[: MARKERS[node.func.id]]
            if any(isinstance(arg, ast.JoinedStr) for arg in args):
                raise CatalogError(f"{where}: {node.func.id}() of an f-string; use named placeholders and .format()")
            if len(args) == MARKERS[node.func.id] and all(
                isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in args
            ):
                values = [arg.value for arg in args]
                if node.func.id in ("pgettext", "NP_"):
                    uses.append(Use(f"{values[0]}{CONTEXT_SEPARATOR}{values[1]}", None, where))
                else:
                    uses.append(Use(values[0], values[1] if len(values) > 1 else None, where))
    return uses


def python_files(root: Path = PACKAGE_DIR, exclude: Iterable[str] = ()) -> list[Path]:
    """The package's Python files, leaving out the sub-folders named in ``exclude`` (e.g. "tui")."""
    skipped = [root / folder for folder in exclude]
    return sorted(
        path for path in root.rglob("*.py")
        if not any(path.is_relative_to(folder) for folder in skipped) and path.parent != LOCALE_DIR
    )


def quote(text: str) -> str:
    """``text`` as a .po string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def po_entry(msgid: str, msgstr: Iterable[str] = ("",), msgid_plural: str | None = None,
             where: Iterable[str] = ()) -> str:
    """One .po entry (with ``#:`` reference lines), followed by a blank line."""
    lines = [f"#: {place}" for place in where]
    if CONTEXT_SEPARATOR in msgid:
        context, msgid = msgid.split(CONTEXT_SEPARATOR, 1)
        lines.append(f"msgctxt {quote(context)}")
    lines.append(f"msgid {quote(msgid)}")
    forms = list(msgstr)
    if msgid_plural is None:
        lines.append(f"msgstr {quote(forms[0])}")
    else:
        lines.append(f"msgid_plural {quote(msgid_plural)}")
        lines += [f"msgstr[{index}] {quote(form)}" for index, form in enumerate(forms)]
    return "\n".join(lines) + "\n\n"


def missing_entries(po: Path, uses: Iterable[Use]) -> str:
    """.po entries (msgstr empty) for every message used in code that ``po`` does not have."""
    known = {entry.key for entry in parse_po(po.read_text(encoding="utf-8"), str(po))}
    places: dict[tuple[str, str | None], list[str]] = {}
    for use in uses:
        if use.key not in known:
            places.setdefault(use.key, []).append(use.where.rsplit(":", 1)[0])
    return "".join(po_entry(msgid, msgid_plural=plural, where=sorted(set(where)))
                   for (msgid, plural), where in places.items())


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def build(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write the .mo beside every .po; returns the .mo files written."""
    written = []
    for po in catalogs(locale_dir):
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_mo(parse_po(po.read_text(encoding="utf-8"), str(po))))
        written.append(mo)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args == ["--missing"]:
            uses = used_messages(python_files())
            for po in catalogs():
                print(missing_entries(po, uses), end="")
            return 0
        if args:
            print("usage: python -m pos_tui.locale.build [--missing]", file=sys.stderr)
            return 2
        for mo in build():
            print(f"wrote {mo}")
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
