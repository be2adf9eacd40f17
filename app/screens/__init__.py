"""The dashboard's screens: 1 main, 2 tasks, 3 plot, 4 jobs, plus the help and task-detail overlays."""
