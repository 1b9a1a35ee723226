"""Notifications: an inbox written atomically with the event it reports."""

from anxin.notify.preferences import CATEGORIES
from anxin.notify.service import (
    Message,
    enqueue,
    every_notification,
    forget_inbox,
    inbox,
    languages,
    mark_read,
)

__all__ = [
    "CATEGORIES",
    "Message",
    "enqueue",
    "every_notification",
    "forget_inbox",
    "inbox",
    "languages",
    "mark_read",
]
