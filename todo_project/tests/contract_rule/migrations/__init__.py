"""Each kind of step the rule must pass or flag, one migration per verdict."""
