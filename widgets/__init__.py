"""Reusable Textual widgets that render the shared model (engine.model) and post messages."""
