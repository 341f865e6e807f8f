from emulation import GlueContextStandin as GlueContext  # noqa: F401
