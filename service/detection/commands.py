"""Commands of this package; filled in as it lands."""

commands: list = []
