"""Real-time risk: every login, payment and application gets allow/challenge/review/block.

Features (`features`, `velocity`, `graph`) and decisions (`expr`, `rules`, `model`,
`engine`) are pure functions over plain data; the database (`log`, `lists`, `tables`) sits
at the edge. `replay` and `cli` drive the engine over a JSONL file of events.
"""
