"""Notifications: an inbox written atomically with the event it reports."""

from anxin.notify.preferences import CATEGORIES
from anxin.notify.service import Message, enqueue, forget_inbox, inbox, mark_read

__all__ = ["CATEGORIES", "Message", "enqueue", "forget_inbox", "inbox", "mark_read"]
