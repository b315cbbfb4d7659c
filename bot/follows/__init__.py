"""Members' side of announcements: follows, and the DMs they bring. No discord here.

``models`` holds what a follow is; ``planner`` decides which DM is due when (pure);
``run`` sends them exactly once through the same ledger, nonces and grace window as
channel posts. ``bot/services/follows.py`` wires them to the store.
"""
