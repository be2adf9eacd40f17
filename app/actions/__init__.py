"""The app's actions, one module per family, each a mixin of :class:`~app.schedtop_app.SchedtopApp`.

``tasks`` (abort, wait, detail, select, copy id, search, sort, quick views), ``forms`` (manual migration, create
task, command line, TTLs), ``supervisor`` (halt, restart, clean-ups), ``schedule`` (scheduled jobs and task-type
switches), ``view`` (pause, refresh speed, screens, nodes, plot, help, and the header). What they use of the app is
declared once, in :class:`~app.actions.base.AppHost`.
"""
