from emulation import JobStandin as Job  # noqa: F401
