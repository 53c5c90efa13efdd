"""The kernel every module stands on: errors, actor, exact numbers, workflow, numbering, clock."""
