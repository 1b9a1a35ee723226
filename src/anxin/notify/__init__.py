"""Notifications: an inbox written atomically with the event it reports."""

from anxin.notify.service import CATEGORIES, Message, enqueue, inbox, mark_read

__all__ = ["CATEGORIES", "Message", "enqueue", "inbox", "mark_read"]
