"""Currency exchange: sandbox rates, locked quotes, linked conversions."""
