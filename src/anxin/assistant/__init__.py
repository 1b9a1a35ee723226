"""The assistant: understanding what a person asks (`nlu`), and the `anxin parse` command.

Dialogue and FAQ answers build on `anxin.assistant.nlu.parse`; nothing here moves money.
"""
