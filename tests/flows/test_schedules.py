"""Which project schedules the deployment should have: project_schedules over a real database (no Prefect)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts import Shop, User, delete_shop, restore_shop
from accounts.models import ShopStatus
from flows.schedules import project_schedules
from tests.flows.conftest import ProjectFactory


def activity(session: Session) -> dict[int, bool]:
    """Each project's schedule: active or not."""
    return {schedule.project_id: schedule.active for schedule in project_schedules(session)}


class TestProjectSchedules:
    def test_a_deleted_shops_schedules_stop_and_come_back_on_restore(
        self, session: Session, people: dict[str, User], shop: Shop, make_project: ProjectFactory
    ) -> None:
        project_id = make_project("http://example.invalid/feed.xml")
        assert activity(session) == {project_id: True}
        delete_shop(session, people["owner"], shop.id)
        assert activity(session) == {project_id: False}  # kept, inactive: nothing to recreate on restore
        restore_shop(session, people["owner"], shop.id)
        assert activity(session) == {project_id: True}

    def test_a_suspended_shops_schedules_stop(
        self, session: Session, shop: Shop, make_project: ProjectFactory
    ) -> None:
        project_id = make_project("http://example.invalid/feed.xml")
        shop.status = ShopStatus.SUSPENDED  # an invoice unpaid past its due date
        assert activity(session) == {project_id: False}
