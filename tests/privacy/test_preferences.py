"""Display preferences (elder mode, language) are remembered per user, across logins."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from anxin.identity.preferences import Preferences, preferences, set_preferences
from peoplekit import People, people_of


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_of(client, admin)


def test_defaults_then_changes_are_remembered_on_the_next_login(people: People) -> None:
    grandma = people.sign_up("nainai", "13800000009", "奶奶")
    assert people.client.get("/v1/me/preferences", headers=grandma).json() == {
        "elder_mode": False, "language": None,
    }  # fmt: skip
    changed = people.client.patch("/v1/me/preferences", json={"elder_mode": True},
                                  headers=grandma)  # fmt: skip
    assert changed.json() == {"elder_mode": True, "language": None}
    changed = people.client.patch("/v1/me/preferences", json={"language": "en"},
                                  headers=grandma)  # fmt: skip
    assert changed.json() == {"elder_mode": True, "language": "en"}

    other_device = people.login("nainai")
    assert people.client.get("/v1/me/preferences", headers=other_device).json() == {
        "elder_mode": True, "language": "en",
    }  # fmt: skip
    back = people.client.patch("/v1/me/preferences", json={"language": None},
                               headers=other_device)  # fmt: skip
    assert back.json() == {"elder_mode": True, "language": None}


def test_one_persons_choice_is_not_anothers(people: People) -> None:
    grandma = people.sign_up("nainai", "13800000009", "奶奶")
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    people.client.patch("/v1/me/preferences", json={"elder_mode": True}, headers=grandma)
    assert people.client.get("/v1/me/preferences", headers=ming).json()["elder_mode"] is False


@pytest.mark.parametrize("body", [{"language": "fr"}, {"elder_mode": "yes"}, {"font": "huge"}])
def test_bad_changes_are_refused_and_change_nothing(
    people: People, body: dict[str, object]
) -> None:
    grandma = people.sign_up("nainai", "13800000009", "奶奶")
    refused = people.client.patch("/v1/me/preferences", json=body, headers=grandma)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert people.client.get("/v1/me/preferences", headers=grandma).json()["elder_mode"] is False


def test_python_interface_keeps_what_is_not_given(people: People) -> None:
    services = people.services
    user = services.identity.register("nainai", "long enough password")
    assert preferences(services.db, user.id) == Preferences()
    assert set_preferences(services.db, user.id, language="zh") == Preferences(False, "zh")
    assert set_preferences(services.db, user.id, elder_mode=True) == Preferences(True, "zh")
    assert set_preferences(services.db, user.id, language="auto") == Preferences(True, None)
    assert preferences(services.db, user.id) == Preferences(True, None)
    with pytest.raises(Exception, match="language"):
        set_preferences(services.db, user.id, language="fr")  # type: ignore[arg-type]
