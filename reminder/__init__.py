"""Deadline reminders for government offices, on China's working-day calendar."""

__version__ = "0.1.0"
