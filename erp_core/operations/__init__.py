"""Operations (运维): the scheduler, backups, restores with verification, and upgrades. docs/operations.md."""
