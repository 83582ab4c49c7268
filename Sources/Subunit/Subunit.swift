// Subunit: filled by its issue.
