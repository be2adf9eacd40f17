"""schedtop's Textual widgets: each renders shared-model objects it is given and posts messages; none calls a source."""
