"""Passwords as the running app stores them (the other tests use cheap argon2 parameters)."""

from __future__ import annotations

from pathlib import Path

from anxin.api.app import create_app
from anxin.core.clock import ManualClock
from conftest import make_settings


def test_a_running_app_hashes_passwords_with_argon2id_at_full_strength(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    """The other tests use cheap argon2 parameters for speed; the app itself must not."""
    app = create_app(make_settings(database_url, tmp_path), clock)
    identity = app.state.services.identity
    user = identity.register("strong", "a long enough password")
    with identity.db.read() as conn:
        stored = conn.exec_driver_sql(
            "SELECT password_hash FROM users WHERE id = ?"
            if database_url.startswith("sqlite")
            else "SELECT password_hash FROM users WHERE id = %s",
            (user.id,),
        ).scalar_one()
    assert stored.startswith("$argon2id$") and "m=65536,t=3" in stored
    app.state.services.close()
