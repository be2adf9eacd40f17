"""Alerts: rules over :class:`~engine.model.Snapshot`s, the book of firing and resolved alerts, and the evaluator.

Textual-free and source-agnostic: the embedded engine, ``schedtop serve`` and the CubeFS/ScyllaDB sources all
produce snapshots, and a rule whose data a source leaves out simply does not fire. The wire shapes
(:class:`~engine.model.Alert`, :class:`~engine.model.AlertRules`, …) live in :mod:`engine.model.alerts`.
"""

from .book import AlertBook
from .evaluator import AlertEvaluator
from .rules import RULES, RULES_BY_NAME, Condition, Facts, Rule

__all__ = ["RULES", "RULES_BY_NAME", "AlertBook", "AlertEvaluator", "Condition", "Facts", "Rule"]
