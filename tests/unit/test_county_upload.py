"""What leaves the town for the county: masked, whatever was typed where."""

from __future__ import annotations

from hub.alerts.model import Action as AlertAction
from hub.alerts.model import Alert, AlertEvent, AlertState, Severity, Transition
from hub.cases.model import Action, Case, CaseEvent, CaseState, Entry, Kind, Requester, Source
from hub.county.upload import alert_up, case_up
from tests.support import sample_town

PHONE, ID_NUMBER = "13812341234", "43049919800101123X"


def test_an_alert_goes_up_with_the_numbers_typed_in_its_message_and_note_masked() -> None:
    alert = Alert(id=4, rule="river-level", source="RS01", title="水位超警", severity=Severity.ORANGE,
                  state=AlertState.ACKNOWLEDGED, message=f"联系人电话{PHONE}", value=58.4, count=1, raised_at=1.0,
                  updated_at=2.0, last_seen_at=2.0, active=True, device="RS01")
    step = Transition(seq=9, alert_id=4, action=AlertAction.ACKNOWLEDGE, actor="值班员 张伟", ts=2.0,
                      note=f"已联系村民，身份证{ID_NUMBER}", state=AlertState.ACKNOWLEDGED, severity=Severity.ORANGE)
    up = alert_up(AlertEvent(alert, step), sample_town().town)
    assert up is not None
    text = up.model_dump_json()
    assert PHONE not in text and ID_NUMBER not in text
    assert "138****1234" in up.message and up.basin == "清溪河" and up.town_seq == 9
    assert alert_up(AlertEvent(alert), sample_town().town) is None  # a repeat is no transition


def test_a_case_goes_up_without_its_matter_and_with_its_requester_masked() -> None:
    case = Case(id=2, number="20260701-0002", source=Source.DESK, category="disputes", kind=Kind.COMPLAINT,
                title=f"王秀英{PHONE}反映邻里纠纷", matter=f"邻居堆放杂物，电话{PHONE}", state=CaseState.ACCEPTED,
                created_by="值班员 张伟", created_at=1.0, updated_at=1.0, due_at=100.0, limit="3个工作日",
                requester=Requester("王秀英", PHONE, ID_NUMBER, "石门村三组8号"), address="石门村三组8号")
    up = case_up(CaseEvent(Entry(seq=1, case_id=2, action=Action.ACCEPT, actor="值班员 张伟", ts=1.0,
                                 state=CaseState.ACCEPTED), case), now=200.0)
    text = up.model_dump_json()
    assert PHONE not in text and ID_NUMBER not in text and "石门村三组8号" not in text and "堆放杂物" not in text
    assert up.requester is not None and (up.requester.name, up.requester.phone) == ("王**", "138****1234")
    assert up.overdue and up.limit == "3个工作日"
