"""Pure planning: occurrences and reminders from config + calendar + now, the catch-up rule
(coalescing) and advisories. No clock, no database, no network.

May import config/, calendar/ and the base modules.
"""
