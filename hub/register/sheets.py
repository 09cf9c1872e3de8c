"""The town's spreadsheets: columns with Chinese headers, reading XLSX and CSV, writing XLSX and CSV.

`imports` checks and commits what is read here; this module knows only cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from hub.register.model import HouseUse, Labelled, OrgKind, Relation, Residence, Sex, Structure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column: its header, the field it fills, and how a cell becomes the field's value."""

    header: str
    field: str
    required: bool = False
    parse: Callable[[str], Any] = str
    hint: str = ""

    @property
    def title(self) -> str:
        return self.header + ("*" if self.required else "")


def _labels(kind: type[Labelled]) -> Callable[[str], Any]:
    return kind.parse


def _yes_no(text: str) -> bool:
    if text in ("是", "Y", "y", "yes", "true", "True", "1"):
        return True
    if text in ("否", "N", "n", "no", "false", "False", "0"):
        return False
    raise ValueError("应为：是/否")


def _number(kind: type[int] | type[float]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind(float(text)) if kind is int else kind(text)
        except ValueError:
            raise ValueError("应为数字") from None
    return parse


def _hint(kind: type[Labelled]) -> str:
    return "/".join(m.label for m in kind)


PEOPLE = (
    Column("姓名", "name", True), Column("性别", "sex", True, _labels(Sex), _hint(Sex)),
    Column("身份证号", "id_number", True, hint="18位，末位校验；境外人员填证件号码"),
    Column("联系电话", "phone", hint="手机或带区号的固定电话"),
    Column("人口类型", "residence", True, _labels(Residence), _hint(Residence)),
    Column("网格", "grid", True, hint="网格编号，如 G01"), Column("住址", "address", True),
    Column("户号", "household"), Column("与户主关系", "relation", False, _labels(Relation), _hint(Relation)),
    Column("房屋编号", "house"),
)
HOUSES = (
    Column("房屋编号", "number", True), Column("网格", "grid", True), Column("地址", "address", True),
    Column("经度", "lon", False, _number(float)), Column("纬度", "lat", False, _number(float)),
    Column("房主", "owner", True), Column("结构", "structure", False, _labels(Structure), _hint(Structure)),
    Column("层数", "floors", False, _number(int)), Column("建成年份", "year_built", False, _number(int)),
    Column("用途", "use", False, _labels(HouseUse), _hint(HouseUse)),
    Column("经营性自建房", "commercial_selfbuilt", False, _yes_no, "是/否"),
)
ORGANISATIONS = (
    Column("组织编码", "code", True, hint="统一社会信用代码，或镇上自编号（字母、数字）"),
    Column("名称", "name", True), Column("类型", "kind", True, _labels(OrgKind), _hint(OrgKind)),
    Column("网格", "grid", True, hint="网格编号，如 G01"), Column("地址", "address", True),
    Column("联系人", "contact"), Column("联系电话", "phone", hint="手机或带区号的固定电话"),
)
# A sheet's title may not hold "/" in a workbook: 单位/两新组织 is written with 及.
SHEETS = {"people": ("实有人口", PEOPLE), "houses": ("实有房屋", HOUSES),
          "organisations": ("单位及两新组织", ORGANISATIONS)}


class SheetError(Exception):
    """A file that cannot be read as a sheet at all; the message, in Chinese, says why."""


def read_rows(data: bytes, filename: str) -> Iterator[list[str]]:
    """Every row of the first sheet of an XLSX or of a CSV (UTF-8 or GB18030), cells as trimmed text."""
    if filename.lower().endswith(".csv"):
        yield from _csv_rows(data)
        return
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = list(sheet.iter_rows())
    except Exception as exc:  # the reader raises several kinds for a file that is no workbook
        raise SheetError(f"无法读取XLSX文件：{exc}") from None
    for row in rows:
        yield [_cell(v) for v in row]


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError("CSV文件编码无法识别（应为UTF-8或GBK）")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise SheetError(f"无法读取CSV文件：{exc}") from None
    for row in rows:
        yield [c.strip() for c in row]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_map(header: list[str], columns: tuple[Column, ...]) -> tuple[dict[int, Column], list[str]]:
    """Which column of the file each known header is in, and the required headers missing."""
    wanted = {c.header: c for c in columns}
    found = {i: wanted[h.rstrip("*").strip()] for i, h in enumerate(header) if h.rstrip("*").strip() in wanted}
    seen = {c.header for c in found.values()}
    return found, [c.header for c in columns if c.required and c.header not in seen]


def write_xlsx(title: str, header: list[str], rows: Iterator[list[Any]] | list[list[Any]],
               notes: list[list[str]] | None = None) -> bytes:
    """A workbook with one sheet of *rows* under *header* (and a sheet of notes, if given)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if notes:
        extra = book.create_sheet("填写说明")
        for line in notes:
            extra.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(header: list[str], rows: Iterator[list[Any]] | list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def template(kind: str) -> bytes:
    """An empty sheet of *kind* with its headers (* for required) and a sheet saying what each column takes."""
    title, columns = SHEETS[kind]
    notes = [["列", "必填", "说明"], *([c.header, "是" if c.required else "", c.hint] for c in columns)]
    return write_xlsx(title, [c.title for c in columns], [], notes)
