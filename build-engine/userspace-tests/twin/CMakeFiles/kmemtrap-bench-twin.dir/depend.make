# Empty dependencies file for kmemtrap-bench-twin.
# This may be replaced when dependencies are built.
