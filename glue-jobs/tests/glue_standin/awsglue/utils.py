from emulation import get_resolved_options as getResolvedOptions  # noqa: F401
