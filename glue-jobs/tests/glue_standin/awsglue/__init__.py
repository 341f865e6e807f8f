"""Stand-in for AWS Glue's `awsglue` package (tests only): see ../emulation.py for what it emulates."""
