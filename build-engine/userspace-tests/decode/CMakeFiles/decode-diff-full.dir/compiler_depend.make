# Empty custom commands generated dependencies file for decode-diff-full.
# This may be replaced when dependencies are built.
