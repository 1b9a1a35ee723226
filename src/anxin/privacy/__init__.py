"""Privacy centre: consents that gate data use, the privacy audit, export and erasure."""
