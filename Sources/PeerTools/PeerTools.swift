// PeerTools: filled by its issue.
