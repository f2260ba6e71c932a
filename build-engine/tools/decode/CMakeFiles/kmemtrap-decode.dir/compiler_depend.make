# Empty compiler generated dependencies file for kmemtrap-decode.
# This may be replaced when dependencies are built.
