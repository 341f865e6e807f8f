from emulation import DynamicFrameStandin as DynamicFrame  # noqa: F401
