"""schedtop's embedded scheduler engine: the shared wire model, a simulated cluster, and the task machinery."""
