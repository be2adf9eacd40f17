"""The background task types: each module creates task-manager tasks and does their work tick by tick."""
