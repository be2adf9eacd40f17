"""The one registry of schedtop's key bindings: ids, keys, actions, descriptions, scope and whether they mutate.

The footer, the help screen (``?``) and the command palette are all generated from this table; the config file's
``[keys]`` section remaps a binding by its id (through Textual's keymap, :func:`keymap`). In read-only mode mutating
bindings are absent (not listed, not shown, their keys do nothing), and bindings whose feature the source lacks (its
``capabilities``) are left out the same way.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS

from .sources import base as caps

GLOBAL = "global"
TASKS = "tasks"
"""Screens that show a task view (main and tasks)."""
JOBS = "jobs"
PLOT = "plot"
ALERTS = "alerts"
"""The alerts list (``!``), a dialog over any screen."""
REPLAY = "replay"
"""The replay's own keys (:mod:`app.recording.replay_app`), only while a recording plays."""
NODES = "nodes"
"""Requirement of the node switcher: more than one node (``--connect`` given several times, or ``[clusters]``)."""

SCOPE_TITLES = {
    REPLAY: "Replay (schedtop --replay FILE)",
    GLOBAL: "Everywhere",
    TASKS: "Task views (screens 1 and 2)",
    JOBS: "Jobs screen (4)",
    PLOT: "Plot screen (3)",
    ALERTS: "Alerts list (!)",
}


@dataclass(frozen=True)
class BindingSpec:
    id: str
    """What Textual's keymap (the config's ``[keys]``) and the check for whether the binding works go by."""
    key: str
    action: str
    """The action's name (``action_<name>`` of the app), without arguments: see :attr:`args`."""
    description: str
    """Short, for the footer."""
    help: str
    """One sentence, for the help screen and the command palette."""
    mutating: bool = False
    scope: str = GLOBAL
    requires: str | None = None
    """A source capability the binding needs."""
    show: bool = True
    """Shown in the footer (everything is in the help screen and the palette)."""
    key_display: str | None = None
    args: tuple[str, ...] = ()
    """The action's arguments: the five screen keys share one action and differ only in these."""

    @property
    def call(self) -> tuple[str, tuple[str, ...]]:
        """(action, arguments): what Textual hands ``check_action`` when this binding runs, one per binding."""
        return self.action, self.args

    @property
    def action_string(self) -> str:
        """The action as Textual parses it: ``show_screen('plot')``."""
        if not self.args:
            return self.action
        return f"{self.action}({', '.join(repr(arg) for arg in self.args)})"


REGISTRY: tuple[BindingSpec, ...] = (
    BindingSpec("quit", "q", "quit", "Quit", "Quit schedtop.", key_display="q"),
    BindingSpec("help", "question_mark", "help", "Help", "Show every key binding.", key_display="?"),
    BindingSpec("pause", "p", "toggle_pause", "Pause", "Pause or resume refreshing (a PAUSED badge shows)."),
    BindingSpec("faster", "plus", "refresh_faster", "Faster", "Refresh more often.", show=False, key_display="+"),
    BindingSpec("slower", "minus", "refresh_slower", "Slower", "Refresh less often.", show=False, key_display="-"),
    BindingSpec(
        "screen_main",
        "1",
        "show_screen",
        "Main",
        "Screen 1: stats, task tree, migrations.",
        show=False,
        args=("main",),
    ),
    BindingSpec(
        "screen_tasks", "2", "show_screen", "Tasks", "Screen 2: the full task view.", show=False, args=("tasks",)
    ),
    BindingSpec("screen_plot", "3", "show_screen", "Plot", "Screen 3: throughput history.", show=False, args=("plot",)),
    BindingSpec(
        "screen_jobs", "4", "show_screen", "Jobs", "Screen 4: supervisor and jobs.", show=False, args=("jobs",)
    ),
    BindingSpec(
        "screen_nodes",
        "5",
        "show_screen",
        "Nodes",
        "Screen 5: every node side by side (state, leader, data age, counts).",
        requires=NODES,
        show=False,
        args=("nodes",),
    ),
    BindingSpec(
        "alerts",
        "exclamation_mark",
        "alerts",
        "Alerts",
        "Open the alerts list: what fires on every node, how to act, and what cleared.",
        show=False,
        key_display="!",
    ),
    BindingSpec("next_node", "n", "next_node", "Node", "Show the next node.", requires=NODES),
    BindingSpec(
        "leader_node", "L", "leader_node", "Leader", "Show the node that is the leader.", requires=NODES, show=False
    ),
    BindingSpec(
        "detail",
        "enter",
        "detail",
        "Detail",
        "Open the selected task's full status.",
        scope=TASKS,
        show=False,
        key_display="⏎",
    ),
    BindingSpec(
        "internal",
        "i",
        "toggle_internal",
        "Internal",
        "Show or hide internal tasks.",
        scope=TASKS,
        requires=caps.TASKS,
        show=False,
    ),
    BindingSpec(
        "filter",
        "slash",
        "filter",
        "Filter",
        "Filter tasks by id, type, entity, node, state (running, failed, done, gone) or error text.",
        scope=TASKS,
        key_display="/",
    ),
    BindingSpec(
        "view",
        "v",
        "cycle_view",
        "View",
        "Quick view: all tasks → running → failed → unfinished (the status line shows which).",
        scope=TASKS,
        requires=caps.TASKS,
    ),
    BindingSpec(
        "search_next",
        "ctrl+n",
        "search_next",
        "Next match",
        "Select the next task that matches the filter text.",
        scope=TASKS,
        requires=caps.TASKS,
        show=False,
        key_display="^n",
    ),
    BindingSpec(
        "search_previous",
        "ctrl+r",
        "search_previous",
        "Previous match",
        "Select the previous task that matches the filter text (ctrl+p is the command palette).",
        scope=TASKS,
        requires=caps.TASKS,
        show=False,
        key_display="^r",
    ),
    BindingSpec(
        "sort",
        "s",
        "cycle_sort",
        "Sort",
        "Sort by the next column: state, type, progress, started, elapsed (the header's arrow shows it).",
        scope=TASKS,
        show=False,
    ),
    BindingSpec(
        "sort_reverse",
        "S",
        "reverse_sort",
        "Reverse",
        "Reverse the sort: ▼ descending (newest, longest, furthest first), ▲ ascending.",
        scope=TASKS,
        requires=caps.TASKS,
        show=False,
    ),
    BindingSpec(
        "copy",
        "y",
        "copy_id",
        "Copy id",
        "Copy the selected task's id to the clipboard (OSC 52: works over SSH).",
        scope=TASKS,
        requires=caps.TASKS,
        show=False,
    ),
    BindingSpec(
        "abort",
        "a",
        "abort",
        "Abort",
        "Abort the selected task (asks first).",
        mutating=True,
        scope=TASKS,
        requires=caps.ABORT,
    ),
    BindingSpec(
        "wait",
        "w",
        "wait",
        "Wait",
        "Wait for the selected task to finish.",
        scope=TASKS,
        requires=caps.WAIT,
        show=False,
    ),
    BindingSpec(
        "drain",
        "D",
        "drain_module",
        "Drain",
        "Drain the selected task's module: unregister its finished (done or failed) tasks now (asks first).",
        mutating=True,
        scope=TASKS,
        requires=caps.DRAIN,
        show=False,
    ),
    BindingSpec(
        "migrate",
        "m",
        "manual_migrate",
        "Migrate",
        "Add a manual chunk migration by vuid.",
        mutating=True,
        requires=caps.MANUAL_MIGRATE,
    ),
    BindingSpec(
        "halt", "h", "halt", "Halt", "Halt the supervisor (asks first).", mutating=True, requires=caps.SUPERVISOR
    ),
    BindingSpec(
        "restart",
        "r",
        "restart",
        "Restart",
        "Restart a halted supervisor.",
        mutating=True,
        requires=caps.SUPERVISOR,
    ),
    BindingSpec(
        "create",
        "c",
        "create_task",
        "Create",
        "Create a rebuild / check_disk / rebalance task.",
        mutating=True,
        requires=caps.CREATE_TASK,
    ),
    BindingSpec(
        "command",
        "colon",
        "command_line",
        "Command",
        "Run CREATE TASK … / CANCEL TASK '…' statements.",
        mutating=True,
        requires=caps.CREATE_TASK,
        key_display=":",
    ),
    BindingSpec(
        "ttl", "t", "ttl", "TTL", "Set task_ttl and user_task_ttl.", mutating=True, requires=caps.TTL, show=False
    ),
    BindingSpec("plot_log", "l", "plot_log_scale", "Log scale", "Toggle a log scale on the plots.", scope=PLOT),
    BindingSpec("plot_types", "f", "plot_types", "Types", "Choose the task types the plots show.", scope=PLOT),
    BindingSpec(
        "cleanup_delete",
        "d",
        "cleanup_delete",
        "Delete run",
        "Clean-up (a): delete the selected hanging run so it runs again (asks first).",
        mutating=True,
        scope=JOBS,
        requires=caps.CLEANUP,
    ),
    BindingSpec(
        "cleanup_reschedule",
        "e",
        "cleanup_reschedule",
        "Complete run",
        "Clean-up (b): mark the selected hanging run completed and reschedule (asks first).",
        mutating=True,
        scope=JOBS,
        requires=caps.CLEANUP,
    ),
    BindingSpec(
        "add_job",
        "a",
        "add_job",
        "Add job",
        "Add a scheduled job: name, task type, interval, first run, until, remote.",
        mutating=True,
        scope=JOBS,
        show=False,
        requires=caps.SCHEDULE,
    ),
    BindingSpec(
        "edit_job",
        "E",
        "edit_job",
        "Edit job",
        "Change the selected job's interval, enabled flag or until.",
        mutating=True,
        scope=JOBS,
        show=False,
        requires=caps.SCHEDULE,
        key_display="E",
    ),
    BindingSpec(
        "toggle_job",
        "space",
        "toggle_job",
        "On/off",
        "Enable or disable the selected job.",
        mutating=True,
        scope=JOBS,
        show=False,
        requires=caps.SCHEDULE,
        key_display="space",
    ),
    BindingSpec(
        "remove_job",
        "x",
        "remove_job",
        "Remove job",
        "Remove the selected job and its past runs (asks first; refused while a run of it is in flight).",
        mutating=True,
        scope=JOBS,
        show=False,
        requires=caps.SCHEDULE,
    ),
    BindingSpec(
        "task_types",
        "o",
        "task_types",
        "Types on/off",
        "Turn background task types (disk_repair, balance, volume_inspect, …) on or off (asks first).",
        mutating=True,
        scope=TASKS,
        show=False,
        requires=caps.SWITCHES,
    ),
    # acknowledging only marks an alert seen here (nothing changes on the cluster), so read-only runs keep it
    BindingSpec(
        "alert_ack",
        "a",
        "acknowledge_alert",
        "Acknowledge",
        "Acknowledge the selected alert: it stops counting in the header and fires on until it clears "
        "(local bookkeeping, so read-only runs have it too).",
        scope=ALERTS,
    ),
)


class KeymapError(ValueError):
    """A ``[keys]`` entry names an unknown binding id or a key already taken."""


def normalize_key(key: str) -> str:
    """Accept what people write (``?``, ``+``, ``ctrl+a``) and return Textual's key name (``question_mark``…)."""
    key = key.strip()
    if len(key) == 1 and not key.isalnum():
        try:
            name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
        return KEY_NAME_REPLACEMENTS.get(name, name)
    return key


def active_specs(
    capabilities: Iterable[str], read_only: bool, keys: Mapping[str, str] | None = None
) -> list[BindingSpec]:
    """The bindings this run has: remapped, without mutating ones when read-only, without unsupported ones."""
    capabilities = frozenset(capabilities)
    keys = dict(keys or {})
    known = {spec.id for spec in REGISTRY}
    unknown = sorted(set(keys) - known)
    if unknown:
        raise KeymapError(f"unknown binding id {unknown[0]!r} in [keys]; ids are: {', '.join(sorted(known))}")
    result: list[BindingSpec] = []
    for spec in REGISTRY:
        if read_only and spec.mutating:
            continue
        if spec.requires is not None and spec.requires not in capabilities:
            continue
        if spec.id in keys:
            new_key = normalize_key(keys[spec.id])
            display = keys[spec.id] if len(keys[spec.id]) == 1 else None
            # the spec carries the key this run uses, for the help screen, the palette and the hints
            spec = dataclasses.replace(spec, key=new_key, key_display=display)
        result.append(spec)
    taken: dict[tuple[str, str], str] = {}
    for spec in result:
        for scope in (GLOBAL, TASKS, JOBS, PLOT, ALERTS) if spec.scope == GLOBAL else (spec.scope,):
            other = taken.get((scope, spec.key))
            if other is not None and other != spec.id:
                raise KeymapError(f"key {spec.key!r} is bound to both {other!r} and {spec.id!r}")
            taken[(scope, spec.key)] = spec.id
    return result


def keymap(specs: Iterable[BindingSpec]) -> dict[str, str]:
    """The ``App.set_keymap`` table that moves the registry's bindings to the keys of ``specs`` (from
    :func:`active_specs`): binding id → key.

    Textual's keymap drops every binding of a key it moves a binding off or onto and puts back only the bindings it
    names, so the bindings that share such a key in another scope (``a`` is abort on the task views and add_job on
    the jobs screen) are named too, at their own key, or remapping abort would lose add_job.
    """
    defaults = {spec.id: spec.key for spec in REGISTRY}
    moved = {spec.id: spec.key for spec in specs if spec.key != defaults[spec.id]}
    touched = {key.strip() for moved_key in moved.values() for key in moved_key.split(",")}
    touched |= {defaults[binding_id] for binding_id in moved}
    result = dict(moved)
    for spec in REGISTRY:
        if spec.id not in result and spec.key in touched:
            result[spec.id] = spec.key
    return result


def textual_binding(spec: BindingSpec) -> Binding:
    """The Textual binding of ``spec`` at its registry key (``[keys]`` moves it by id, see :func:`keymap`)."""
    return Binding(
        spec.key,
        spec.action_string,
        spec.description,
        show=spec.show,
        key_display=spec.key_display,
        tooltip=spec.help,
        id=spec.id,
    )


def screen_binding(binding_id: str, action: str) -> Binding:
    """A screen's own binding for registry binding ``binding_id``, running the screen's ``action``: it has the same
    id, so ``[keys]`` moves it with the app's (the detail overlay's abort and wait)."""
    spec = registry_spec(binding_id)
    return Binding(spec.key, action, spec.description, show=False, key_display=spec.key_display, id=spec.id)


def textual_bindings(specs: Iterable[BindingSpec]) -> list[Binding]:
    return [textual_binding(spec) for spec in specs]


def registry_spec(binding_id: str) -> BindingSpec:
    """The registry's spec of ``binding_id`` (its default key)."""
    for spec in REGISTRY:
        if spec.id == binding_id:
            return spec
    raise KeyError(binding_id)


def display_key(spec: BindingSpec) -> str:
    return spec.key_display or spec.key
