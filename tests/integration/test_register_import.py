"""The register's import on SQLite and PostgreSQL: every kind of bad row, a commit, the same file again, search."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from adapters.register_store import SqlRegisterStore
from hub.register.crypto import RegisterCipher, new_key, parse_key
from hub.register.idcard import check_digit
from hub.register.imports import check, commit, dry_run, rejected_xlsx
from hub.register.model import PersonFields
from hub.register.service import RegisterService
from hub.register.sheets import HOUSES, PEOPLE, write_csv, write_xlsx
from hub.users.model import Principal, Role
from tests.support import sample_town

pytestmark = pytest.mark.integration
OFFICER = Principal("duty", "张伟", Role.officer)
CADRE = Principal("cadre.shimen", "石门村干部", Role.cadre, village="shimen")
HEADER = [c.title for c in PEOPLE]


def id_for(born: str, sequence: int) -> str:
    body = f"430499{born}{sequence:03d}"
    return body + check_digit(body)


MAN, WOMAN, KEPT, TWICE = (id_for("19800101", 11), id_for("19850202", 22), id_for("19700303", 33),
                           id_for("19900505", 55))
ROWS = [  # row 2 on, as the town's clerk would type them
    ["王秀英", "女", WOMAN, "13812341234", "户籍", "G19", "石门村一组1号", "G19-H1", "户主", "G19-F1"],
    ["李强", "男", MAN, "", "流动", "G20", "石门村二组5号", "", "", ""],
    ["赵六", "男", MAN[:17] + ("0" if MAN[17] != "0" else "1"), "", "户籍", "G19", "石门村", "", "", ""],
    ["钱七", "男", id_for("19600606", 17), "", "户籍", "G99", "石门村", "", "", ""],
    ["孙八", "男", TWICE, "", "户籍", "G19", "石门村", "", "", ""],
    ["孙八", "男", TWICE, "", "户籍", "G19", "石门村", "", "", ""],
    ["", "男", id_for("19610707", 19), "", "户籍", "G19", "石门村", "", "", ""],
    ["周九", "男", KEPT, "", "户籍", "G19", "石门村", "", "", ""],
    ["吴十", "M", id_for("19620808", 21), "", "户籍", "G19", "石门村", "", "", ""],
    ["郑一", "男", id_for("19630909", 23), "12345", "户籍", "G19", "石门村", "", "", ""],
    ["冯二", "女", id_for("19641010", 25), "", "户籍", "G19", "石门村", "", "", ""],
    ["陈三", "女", id_for("19750404", 46), "", "户籍", "G19", "石门村三组", "", "", ""],
]
EXPECTED = {  # (row, column): the start of the reason
    (4, "身份证号"): "身份证号校验位错误", (5, "网格"): "未知网格 G99", (6, "身份证号"): "文件中重复（第7行）",
    (7, "身份证号"): "文件中重复（第6行）", (8, "姓名"): "必填项缺失",
    (9, "身份证号"): "已在登记册中，且内容与本行不同",
    (10, "性别"): "应为：男/女", (11, "联系电话"): "格式不正确", (12, "性别"): "性别与身份证号不符",
}


@pytest.fixture
def register(sql_url: str) -> Iterator[RegisterService]:
    store = SqlRegisterStore(sql_url)
    service = RegisterService(store, RegisterCipher(parse_key(new_key())), sample_town().town)
    service.create_person(OFFICER, PersonFields(name="周老九", sex="male", id_number=KEPT, grid="G19",
                                                address="石门村"))
    service.create_person(OFFICER, PersonFields(name="陈三", sex="female", id_number=id_for("19750404", 46),
                                                grid="G19", address="石门村三组"))
    yield service
    store.close()


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def found(report_problems: list[tuple[int, str, str]]) -> dict[tuple[int, str], str]:
    return {(row, column): reason for row, column, reason in report_problems}


def problems_of(service: RegisterService, principal: Principal, data: bytes, name: str) -> dict[tuple[int, str], str]:
    report = dry_run(check(service, principal, "people", data, name))
    return found([(p.row, p.column, p.reason) for p in report.problems])


def test_a_dry_run_lists_every_problem_by_row_and_column_in_chinese(register: RegisterService) -> None:
    before = register.store.count_people(None)
    report = dry_run(check(register, OFFICER, "people", xlsx(ROWS), "人口.xlsx"))
    problems = found([(p.row, p.column, p.reason) for p in report.problems])
    assert set(problems) == set(EXPECTED), problems
    for key, start in EXPECTED.items():
        assert problems[key].startswith(start), (key, problems[key])
    assert (report.rows, report.added, report.unchanged, report.rejected) == (12, 2, 1, 9)
    assert register.store.count_people(None) == before  # a dry run writes nothing
    # The same sheet as CSV from a Chinese Excel (GB18030) tells the same.
    csv = write_csv(HEADER, ROWS).decode("utf-8-sig").encode("gb18030")
    assert problems_of(register, OFFICER, csv, "人口.csv") == problems


def test_a_commit_adds_the_good_rows_returns_the_rejected_and_a_second_changes_nothing(
        register: RegisterService, sql_url: str) -> None:
    before = register.store.count_people(None)
    data = xlsx(ROWS)
    checked = check(register, OFFICER, "people", data, "人口.xlsx")
    report = commit(register, OFFICER, checked)
    assert (report.added, report.unchanged, report.rejected) == (2, 1, 9)
    sheet = load_workbook(io.BytesIO(rejected_xlsx(checked))).worksheets[0]
    rejected = list(sheet.iter_rows(values_only=True))
    assert rejected[0][-1] == "问题" and len(rejected) == 10
    assert "身份证号：身份证号校验位错误" in str(rejected[1][-1]) and rejected[1][0] == "赵六"
    assert register.store.count_people(None) == before + 2
    state = snapshot(sql_url)
    again = commit(register, OFFICER, check(register, OFFICER, "people", data, "人口.xlsx"))
    assert (again.added, again.unchanged, again.rejected) == (0, 3, 9)
    assert snapshot(sql_url) == state
    household = register.store.household("G19-H1")
    assert household is not None and household.grid == "G19"


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the register's tables."""
    db = sa.create_engine(url)
    try:
        with db.connect() as conn:
            return {t: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1"))]
                    for t in ("gridhub_register_people", "gridhub_register_households", "gridhub_register_houses",
                      "gridhub_register_history")}
    finally:
        db.dispose()


def test_a_cadre_imports_only_into_their_village(register: RegisterService) -> None:
    rows = [["王秀英", "女", WOMAN, "", "户籍", "G01", "青溪社区", "", "", ""]]
    assert problems_of(register, CADRE, xlsx(rows), "x.xlsx") == {(2, "网格"): "网格 G01 不在您的管辖范围"}


def test_a_file_missing_a_required_column_says_which(register: RegisterService) -> None:
    data = xlsx([])
    book = load_workbook(io.BytesIO(data))
    book.worksheets[0].delete_cols(3)
    out = io.BytesIO()
    book.save(out)
    assert problems_of(register, OFFICER, out.getvalue(), "x.xlsx") == {(1, "身份证号"): "缺少此列"}


def test_people_are_found_by_name_last_four_and_phone_without_clear_numbers_kept(
        register: RegisterService, sql_url: str) -> None:
    commit(register, OFFICER, check(register, OFFICER, "people", xlsx(ROWS), "人口.xlsx"))
    by_name = register.search(OFFICER, "王秀")
    assert [p.name for p in by_name] == ["王秀英"] and by_name[0].masked
    assert by_name[0].id_number == WOMAN[:3] + "*" * 11 + WOMAN[-4:] and by_name[0].phone == "138****1234"
    assert [p.name for p in register.search(OFFICER, WOMAN[-4:])] == ["王秀英"]
    assert [p.name for p in register.search(OFFICER, "13812341234")] == ["王秀英"]
    assert [p.name for p in register.search(OFFICER, WOMAN)] == ["王秀英"]
    assert register.search(OFFICER, "王'秀") == register.search(OFFICER, "王*") == []
    assert register.search(CADRE, "王秀") and not register.search(
        Principal("gw", "网格员", Role.grid_worker, grids=frozenset({"G20"})), "王秀")
    dump = str(snapshot(sql_url))
    assert WOMAN not in dump and "13812341234" not in dump and "王秀英" in dump


def test_houses_import_with_their_own_problems_and_a_second_import_changes_nothing(
        register: RegisterService, sql_url: str) -> None:
    header = [c.title for c in HOUSES]
    rows = [["G19-F1", "G19", "石门村一组1号", "113.1", "27.2", "王秀英", "砖混", "3", "2008", "经营", "是"],
            ["G19-F2", "G19", "石门村一组2号", "", "", "李强", "木头", "三", "", "自住", "也许"],
            ["G19-F3", "G19", "石门村一组3号", "", "", "", "", "", "", "", ""],
            ["G19-F4", "G19", "石门村", "", "", "周九", "", "", "", "", ""],
            ["G19-F4", "G19", "石门村", "", "", "周九", "", "", "", "", ""]]
    data = write_xlsx("实有房屋", header, rows)
    checked = check(register, OFFICER, "houses", data, "房屋.xlsx")
    assert found([(p.row, p.column, p.reason) for p in checked.report.problems]) == {
        (3, "结构"): "应为：砖混/框架/砖木/土木/钢结构/其他", (3, "层数"): "应为数字",
        (3, "经营性自建房"): "应为：是/否", (4, "房主"): "必填项缺失",
        (5, "房屋编号"): "文件中重复（第6行）", (6, "房屋编号"): "文件中重复（第5行）"}
    assert commit(register, OFFICER, checked).added == 1
    house = register.store.house("G19-F1")
    assert house is not None and house.commercial_selfbuilt and house.floors == 3
    state = snapshot(sql_url)
    again = commit(register, OFFICER, check(register, OFFICER, "houses", data, "房屋.xlsx"))
    assert (again.added, again.unchanged, again.rejected) == (0, 1, 4)
    assert snapshot(sql_url) == state
