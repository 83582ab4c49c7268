// LinkSetup: filled by its issue.
