"""Scheduled and recurring payments: RFC 5545 rules for people, auto-pay for bills.

A worker turns each schedule's due occurrences into runs and carries each run out exactly
once: the run's idempotency key is the schedule id plus the occurrence's date, so running
the worker again (or two workers at once) never pays an occurrence twice.
"""
