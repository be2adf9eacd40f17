"""The schedtop Textual application: screens, key bindings, CLI and data sources."""
