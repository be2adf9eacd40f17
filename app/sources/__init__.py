"""Where the dashboard's data comes from: the embedded engine or a remote scheduler over HTTP."""
